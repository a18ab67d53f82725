"""The hourly "mean + 3 sd" volume alert, the reference baseline of issue #4.

Definition (per brand, event time, all mentions counted, the brand's own posts included):

* clock hours ``[HH:00, HH+1:00)`` UTC; ``count(h)`` = mentions of the brand in hour ``h``;
* history = the counts of the **168 complete clock hours before the current one** (7 days, hours with
  no mention count as 0; hours before the brand's first mention do not exist). At least 24 hours of
  history are required before any alert;
* while hour ``h`` runs, its running count ``c`` is compared after every mention with
  ``mean + 3 * sd`` of the history (population standard deviation); the alert fires at the event time
  of the first mention for which ``c > mean + 3 sd`` **and** ``c >= 3`` (a floor so that a brand with
  an all-zero history does not alert on a single mention);
* at most one alert line per clock hour; alerting hours that follow each other form one crisis
  (same ``crisis_id``), a non-alerting hour closes it.

Output lines have the shape of ``stormwatch detect`` output (``brand``, ``crisis_id``, ``at``,
``severity`` = 1, ``cause`` = null, ``reason``).
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

WINDOW_HOURS = 168
MIN_HISTORY_HOURS = 24
K_SD = 3.0
MIN_COUNT = 3


@dataclass(slots=True)
class _BrandState:
    hour: int  # current clock hour (hours since epoch)
    count: int = 0
    history: deque[int] = field(default_factory=lambda: deque(maxlen=WINDOW_HOURS))
    s1: float = 0.0
    s2: float = 0.0
    alerted_hour: int | None = None
    crisis_seq: int = 0

    def push(self, c: int) -> None:
        if len(self.history) == self.history.maxlen:
            old = self.history[0]
            self.s1 -= old
            self.s2 -= old * old
        self.history.append(c)
        self.s1 += c
        self.s2 += c * c

    def advance(self, hour: int) -> None:
        while self.hour < hour:
            self.push(self.count)
            self.count = 0
            self.hour += 1
            if hour - self.hour > WINDOW_HOURS:  # long silence: the window is all zeros
                for _ in range(WINDOW_HOURS):
                    self.push(0)
                self.hour = hour

    def threshold(self) -> float | None:
        n = len(self.history)
        if n < MIN_HISTORY_HOURS:
            return None
        mean = self.s1 / n
        var = max(self.s2 / n - mean * mean, 0.0)
        return mean + K_SD * math.sqrt(var)


def detect(events: Iterable[tuple[str, datetime]]) -> Iterator[dict[str, Any]]:
    """Alerts for ``(brand, created_at)`` pairs given in event-time order."""
    states: dict[str, _BrandState] = {}
    for brand, at in events:
        hour = int(at.timestamp()) // 3600
        st = states.get(brand)
        if st is None:
            st = states[brand] = _BrandState(hour=hour)
        elif hour > st.hour:
            st.advance(hour)
        st.count += 1
        if st.alerted_hour == hour:
            continue
        thr = st.threshold()
        if thr is None or st.count <= thr or st.count < MIN_COUNT:
            continue
        if st.alerted_hour != hour - 1:
            st.crisis_seq += 1
        st.alerted_hour = hour
        yield {
            "brand": brand,
            "crisis_id": f"baseline:{brand}:{st.crisis_seq}",
            "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "severity": 1,
            "cause": None,
            "reason": f"hourly count {st.count} > mean+3sd {thr:.1f} of the last {len(st.history)} h",
        }


def read_stream(path: Path) -> Iterator[tuple[str, datetime]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            yield str(rec["brand"]), datetime.fromisoformat(rec["created_at"].replace("Z", "+00:00"))


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="hourly mean+3sd baseline over a mention stream (JSON Lines)")
    ap.add_argument("input", type=Path)
    ap.add_argument("-o", "--output", type=Path)
    args = ap.parse_args(argv)
    lines = [json.dumps(a) for a in detect(read_stream(args.input))]
    text = "\n".join(lines) + ("\n" if lines else "")
    if args.output:
        args.output.write_text(text)
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
