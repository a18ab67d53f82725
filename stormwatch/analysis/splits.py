"""The held-out split shared with the detection benchmark.

A record is held out from every training and tuning step iff the SHA-1 of ``"{dataset}:{id}"`` is
0 or 1 modulo 10 (about 20 % of every dataset). The detection benchmark builds its streams only from
held-out texts, so the models never saw them. Do not change this function: it is a contract.
"""

from __future__ import annotations

import hashlib


def is_held_out(dataset: str, record_id: str) -> bool:
    """True when the record belongs to the held-out 20 % (never used for training or tuning)."""
    digest = hashlib.sha1(f"{dataset}:{record_id}".encode()).hexdigest()
    return int(digest, 16) % 10 < 2
