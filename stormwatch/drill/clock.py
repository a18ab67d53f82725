"""The drill clock: where in the scenario the drill stands, for any wall-clock moment.

A drill runs in real time (×1) for a live exercise or accelerated (×N) for a quick one, and the
facilitator can pause, resume and skip ahead. The clock keeps every change as an anchor
(wall time, position, running), so any past wall time maps back to its scenario position: the
team's actions, stamped by the wall clock, are scored on the scenario's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class Anchor:
    wall: datetime
    position: timedelta
    running: bool


@dataclass
class DrillClock:
    speed: float
    anchors: list[Anchor] = field(default_factory=list)

    @classmethod
    def start(cls, wall: datetime, speed: float = 1.0) -> DrillClock:
        if not 0 < speed <= 1000:
            raise ValueError("speed is between 0 and 1000 (1 = real time)")
        return cls(speed, [Anchor(wall, timedelta(0), True)])

    @property
    def running(self) -> bool:
        return self.anchors[-1].running

    def position(self, wall: datetime) -> timedelta:
        """The scenario time at ``wall`` (before the start: zero)."""
        anchor = next((a for a in reversed(self.anchors) if a.wall <= wall), None)
        if anchor is None:
            return timedelta(0)
        if not anchor.running:
            return anchor.position
        return anchor.position + (wall - anchor.wall) * self.speed

    def pause(self, wall: datetime) -> None:
        if self.running:
            self.anchors.append(Anchor(wall, self.position(wall), False))

    def resume(self, wall: datetime) -> None:
        if not self.running:
            self.anchors.append(Anchor(wall, self.position(wall), True))

    def skip(self, wall: datetime, by: timedelta) -> None:
        if by <= timedelta(0):
            raise ValueError("skip ahead by a positive time")
        self.anchors.append(Anchor(wall, self.position(wall) + by, self.running))

    def to_json(self) -> dict[str, Any]:
        return {
            "speed": self.speed,
            "anchors": [[a.wall.isoformat(), a.position.total_seconds(), a.running] for a in self.anchors],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DrillClock:
        anchors = [
            Anchor(datetime.fromisoformat(wall), timedelta(seconds=seconds), bool(running))
            for wall, seconds, running in data["anchors"]
        ]
        return cls(float(data["speed"]), anchors)
