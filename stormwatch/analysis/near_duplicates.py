"""Grouping near-duplicate posts: copy-paste campaigns, retweets, the same link shared by many.

Each text gets a 64-bit SimHash of its normalised words and word pairs; texts whose hashes differ
in at most :data:`MAX_DISTANCE` bits are the same group. Lookup uses locality-sensitive banding
(4 bands of 16 bits: two hashes within 3 bits of each other share at least one band exactly), so
grouping costs a few dictionary probes per mention instead of a scan of the recent posts.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from hashlib import blake2b

import numpy as np

MAX_DISTANCE = 3
MAX_PER_BAND_KEY = 32  # a copy-paste storm would otherwise make every probe scan thousands of copies
MIN_TOKENS = 4  # shorter posts ("thank you!") collide by chance, not by copying
BANDS = 4
BAND_BITS = 64 // BANDS

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@\w+")
_RETWEET_PREFIX = re.compile(r"^\s*rt\b[\s:]*", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalised_tokens(text: str) -> list[str]:
    """Words without the parts that differ between copies: links, handles, 'RT', case."""
    text = _RETWEET_PREFIX.sub("", text)
    text = _HANDLE.sub(" ", _URL.sub(" ", text))
    return _WORD.findall(text.lower())


@lru_cache(maxsize=1 << 18)  # words and word pairs repeat a lot; hashing them is most of simhash's cost
def _feature_hash(feature: str) -> int:
    # A keyed-free stable hash: Python's hash() changes between processes.
    return int.from_bytes(blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")


_BIT_POSITIONS = np.arange(64, dtype=np.uint64)


def simhash(tokens: list[str]) -> int:
    return simhashes([tokens])[0]


def simhashes(token_lists: list[list[str]]) -> list[int]:
    """SimHash of many texts at once, in one vectorised pass (the replay's hot path); every text
    needs at least one token."""
    if not token_lists:
        return []
    # map/chain keep the per-feature work in C: this runs for every mention of a replay.
    features_per_text = [tokens + list(map(" ".join, itertools.pairwise(tokens))) for tokens in token_lists]
    counts = np.fromiter(map(len, features_per_text), dtype=np.int64, count=len(features_per_text))
    hashes = np.fromiter(
        map(_feature_hash, itertools.chain.from_iterable(features_per_text)),
        dtype=np.uint64,
        count=int(counts.sum()),
    )
    bits = np.unpackbits(hashes.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ones = np.add.reduceat(bits, offsets, axis=0, dtype=np.int32)  # summed in int32 without a copy
    # A bit is set where more features have it set than not: the majority vote of SimHash.
    majority = ones * 2 > counts[:, None]
    return [
        int(value) for value in (majority.astype(np.uint64) << _BIT_POSITIONS).sum(axis=1, dtype=np.uint64)
    ]


@dataclass(slots=True)
class _Seen:
    fingerprint: int
    group: str
    at: datetime


class NearDuplicateIndex:
    """Recent posts of one brand, to find the group a new post belongs to."""

    def __init__(self, memory: timedelta = timedelta(hours=24)) -> None:
        self.memory = memory
        self._bands: list[dict[int, list[_Seen]]] = [{} for _ in range(BANDS)]
        self._order: deque[tuple[datetime, int, _Seen]] = deque()

    def assign(self, mention_id: str, text: str, at: datetime, fingerprint: int | None = None) -> str | None:
        """The group of this post: the id of the first post it copies, or its own id; None if too short.

        ``fingerprint`` may be given when it was computed beforehand (:func:`simhashes`)."""
        if fingerprint is None:
            tokens = normalised_tokens(text)
            if len(tokens) < MIN_TOKENS:
                return None
            fingerprint = simhash(tokens)
        self._forget_before(at - self.memory)
        match = self._closest(fingerprint)
        if match is not None and match.fingerprint == fingerprint:
            return match.group  # an exact copy adds nothing the index does not already know
        self._insert(_Seen(fingerprint, match.group if match else mention_id, at))
        return match.group if match else mention_id

    def remember(self, group: str, at: datetime, fingerprint: int) -> None:
        """Index a post whose group was assigned before (by an earlier process, say), as it was."""
        self._forget_before(at - self.memory)
        match = self._closest(fingerprint)
        if match is None or match.fingerprint != fingerprint:
            self._insert(_Seen(fingerprint, group, at))

    def _insert(self, seen: _Seen) -> None:
        for band, key in enumerate(_band_keys(seen.fingerprint)):
            bucket = self._bands[band].setdefault(key, [])
            if len(bucket) < MAX_PER_BAND_KEY:
                bucket.append(seen)
        self._order.append((seen.at, seen.fingerprint, seen))

    def _closest(self, fingerprint: int) -> _Seen | None:
        best: _Seen | None = None
        best_distance = MAX_DISTANCE + 1
        for band, key in enumerate(_band_keys(fingerprint)):
            for seen in self._bands[band].get(key, ()):
                distance = (seen.fingerprint ^ fingerprint).bit_count()
                if distance < best_distance:
                    best, best_distance = seen, distance
        return best

    def _forget_before(self, cutoff: datetime) -> None:
        while self._order and self._order[0][0] < cutoff:
            _, fingerprint, seen = self._order.popleft()
            for band, key in enumerate(_band_keys(fingerprint)):
                bucket = self._bands[band].get(key)
                if bucket is not None and seen in bucket:
                    bucket.remove(seen)
                    if not bucket:
                        del self._bands[band][key]


def _band_keys(fingerprint: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(fingerprint >> (band * BAND_BITS)) & mask for band in range(BANDS)]
