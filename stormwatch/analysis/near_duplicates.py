"""Grouping near-duplicate posts: copy-paste campaigns, retweets, the same link shared by many.

Each text gets a 64-bit SimHash of its normalised words and word pairs; texts whose hashes differ
in at most :data:`MAX_DISTANCE` bits are the same group. Lookup uses locality-sensitive banding
(4 bands of 16 bits: two hashes within 3 bits of each other share at least one band exactly), so
grouping costs a few dictionary probes per mention instead of a scan of the recent posts.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    # Each pass runs only where a substring test says it can match: most posts have no link or RT.
    if text.lstrip()[:2].lower() == "rt":
        text = _RETWEET_PREFIX.sub("", text)
    return _WORD.findall(without_links_and_handles(text).lower())


def without_links_and_handles(text: str) -> str:
    """``text`` with links and @handles blanked out (substring tests first: most posts have neither)."""
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub(" ", text)
    return text


MAX_CACHED_WORDS = 1 << 18
_word_hash_cache: dict[str, int] = {}
_word_hash_lock = threading.Lock()  # one analyzer serves every workspace thread


def _stable_hash(word: str) -> int:
    # A keyed-free stable hash: Python's hash() changes between processes, and so would the groups.
    return int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def _word_hashes(words: list[str]) -> np.ndarray:
    """64-bit hashes of words, cached: words repeat a lot. Only words are hashed with blake2b (pairs
    are mixed from them in numpy), and the lookups stay in C (set difference, map over the dict);
    hashing every word and word pair through an lru_cache was most of SimHash's cost."""
    with _word_hash_lock:
        missing = set(words).difference(_word_hash_cache)
        if len(_word_hash_cache) + len(missing) > MAX_CACHED_WORDS:
            _word_hash_cache.clear()  # a rare full reset keeps a long-running service's memory bounded
            missing = set(words)
        _word_hash_cache.update(zip(missing, map(_stable_hash, missing), strict=True))
        return np.fromiter(map(_word_hash_cache.__getitem__, words), dtype=np.uint64, count=len(words))


def _pair_hashes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Hashes of ordered word pairs from the words' hashes (splitmix64's finaliser over a
    combination that tells "a b" from "b a"): no string joining or hashing per pair."""
    z = first * np.uint64(0x9E3779B97F4A7C15) + second
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = z ^ (z >> np.uint64(31))
    return mixed


def simhash(tokens: list[str]) -> int:
    return simhashes([tokens])[0]


def simhashes(token_lists: list[list[str]]) -> list[int]:
    """SimHash of many texts at once, in one vectorised pass (the replay's hot path); every text
    needs at least one token. The features are a text's words and its pairs of adjacent words."""
    if not token_lists:
        return []
    words = list(itertools.chain.from_iterable(token_lists))
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    hashes = _word_hashes(words)
    # Each text's block of features: its words, then its pairs (pair i joins words i and i + 1).
    # Text t's block starts at 2 * start - t, as every earlier text holds 2 * length - 1 features.
    blocks = 2 * starts - np.arange(len(token_lists))
    shift = np.repeat(blocks - starts, lengths)  # word i of a text goes to block + (i - start)
    features = np.empty(2 * len(words) - len(token_lists), dtype=np.uint64)
    features[np.arange(len(words)) + shift] = hashes
    has_next = np.ones(len(words), dtype=bool)
    has_next[ends - 1] = False  # a text's last word starts no pair
    pair_at = (np.arange(len(words)) + shift + np.repeat(lengths, lengths))[has_next]
    features[pair_at] = _pair_hashes(hashes[:-1], hashes[1:])[has_next[:-1]]
    bits = np.unpackbits(features.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    ones = np.add.reduceat(bits, blocks, axis=0, dtype=np.int32)  # summed in int32 without a copy
    # A bit is set where more features have it set than not: the majority vote of SimHash.
    majority = ones * 2 > (2 * lengths - 1)[:, None]
    return np.packbits(majority, axis=1, bitorder="little").view("<u8").ravel().tolist()


def _earlier(at: datetime, span: timedelta) -> datetime:
    """``at - span``, or the earliest time there is for a post dated in year 1 (stored before
    ingest validation refused such dates): then nothing is forgotten, and nothing crashes."""
    try:
        return at - span
    except OverflowError:
        return datetime.min.replace(tzinfo=at.tzinfo)


# Identity, not field equality: a bucket holds each entry once, and ``in``/``remove`` on a bucket
# then compare in C instead of calling a generated __eq__ on every neighbour.
@dataclass(slots=True, eq=False)
class _Seen:
    fingerprint: int
    group: str
    at: datetime


class NearDuplicateIndex:
    """Recent posts of one brand, to find the group a new post belongs to."""

    def __init__(self, memory: timedelta = timedelta(hours=24)) -> None:
        self.memory = memory
        self._bands: list[dict[int, list[_Seen]]] = [{} for _ in range(BANDS)]
        self._order: deque[tuple[datetime, list[int], _Seen]] = deque()  # with the entry's band keys

    def assign(self, mention_id: str, text: str, at: datetime, fingerprint: int | None = None) -> str | None:
        """The group of this post: the id of the first post it copies, or its own id; None if too short.

        ``fingerprint`` may be given when it was computed beforehand (:func:`simhashes`)."""
        if fingerprint is None:
            tokens = normalised_tokens(text)
            if len(tokens) < MIN_TOKENS:
                return None
            fingerprint = simhash(tokens)
        self._forget_before(_earlier(at, self.memory))
        keys = _band_keys(fingerprint)
        match = self._closest(fingerprint, keys)
        if match is not None and match.fingerprint == fingerprint:
            return match.group  # an exact copy adds nothing the index does not already know
        self._insert(_Seen(fingerprint, match.group if match else mention_id, at), keys)
        return match.group if match else mention_id

    def remember(self, group: str, at: datetime, fingerprint: int) -> None:
        """Index a post whose group was assigned before (by an earlier process, say), as it was."""
        self._forget_before(_earlier(at, self.memory))
        keys = _band_keys(fingerprint)
        match = self._closest(fingerprint, keys)
        if match is None or match.fingerprint != fingerprint:
            self._insert(_Seen(fingerprint, group, at), keys)

    def _insert(self, seen: _Seen, keys: list[int]) -> None:
        for bands, key in zip(self._bands, keys, strict=True):
            bucket = bands.get(key)
            if bucket is None:
                bands[key] = [seen]
            elif len(bucket) < MAX_PER_BAND_KEY:
                bucket.append(seen)
        self._order.append((seen.at, keys, seen))

    def _closest(self, fingerprint: int, keys: list[int]) -> _Seen | None:
        best: _Seen | None = None
        best_distance = MAX_DISTANCE + 1
        for bands, key in zip(self._bands, keys, strict=True):
            for seen in bands.get(key, ()):
                distance = (seen.fingerprint ^ fingerprint).bit_count()
                if distance < best_distance:
                    best, best_distance = seen, distance
        return best

    def _forget_before(self, cutoff: datetime) -> None:
        while self._order and self._order[0][0] < cutoff:
            _, keys, seen = self._order.popleft()
            for bands, key in zip(self._bands, keys, strict=True):
                bucket = bands.get(key)
                if bucket is not None and seen in bucket:
                    bucket.remove(seen)
                    if not bucket:
                        del bands[key]


_BAND_MASK = (1 << BAND_BITS) - 1
_BAND_SHIFTS = tuple(band * BAND_BITS for band in range(BANDS))


def _band_keys(fingerprint: int) -> list[int]:
    return [(fingerprint >> shift) & _BAND_MASK for shift in _BAND_SHIFTS]
