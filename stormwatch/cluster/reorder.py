"""Putting analysis results back in stream order (pure; no I/O).

Analysis workers finish batches in any order, but detection must see a partition's mentions in the
order they were stored (event time, as ``stormwatch detect`` sees them). The owner reads the stored
stream for the order and the analysed stream for the judgements, and releases a mention once both
are in. What it must re-read after a restart is where the earliest unconsumed result lies."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from stormwatch.cluster.codec import Analysed, StoredMention

Ready = tuple[int, StoredMention, Analysed]  # stored seq, the mention, its analysis


@dataclass
class Reorder:
    applied_seq: int  # the last stored seq released; results at or below it are old news
    next_analysed_seq: int  # the next analysed-stream seq to read
    _stored: deque[tuple[int, StoredMention]] = field(default_factory=deque)
    _results: dict[int, tuple[int, Analysed]] = field(default_factory=dict)  # by stored seq

    def add_stored(self, seq: int, item: StoredMention) -> None:
        if seq > self.applied_seq and (not self._stored or seq > self._stored[-1][0]):
            self._stored.append((seq, item))

    def add_result(self, analysed_seq: int, result: Analysed) -> None:
        self.next_analysed_seq = max(self.next_analysed_seq, analysed_seq + 1)
        # A redelivered analysis (a worker died before its ack) repeats a result: the first counts.
        if result.stored_seq > self.applied_seq and result.stored_seq not in self._results:
            self._results[result.stored_seq] = (analysed_seq, result)

    def ready(self, limit: int) -> list[Ready]:
        """The next mentions in stored order whose results are in (stops at the first missing one)."""
        out: list[Ready] = []
        while self._stored and len(out) < limit and self._stored[0][0] in self._results:
            seq, item = self._stored.popleft()
            out.append((seq, item, self._results.pop(seq)[1]))
            self.applied_seq = seq
        return out

    def resume_analysed_seq(self) -> int:
        """Where a new owner must start reading results to miss none after ``applied_seq``."""
        waiting = [analysed_seq for analysed_seq, _ in self._results.values()]
        return min(waiting, default=self.next_analysed_seq)

    @property
    def waiting(self) -> int:
        return len(self._stored)
