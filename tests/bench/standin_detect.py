"""TEST FIXTURE ONLY - a trivial stand-in for ``stormwatch detect`` used to exercise the benchmark
harness before the product's detector exists. It is not the product and is not shipped.

Usage (the product's CLI contract): ``python standin_detect.py INPUT --config WS -o OUT``.
Alerts when a brand's mentions in the last 30 minutes exceed 4x its mean 30-minute count over the
previous 24 hours (+5), one crisis per burst.
"""

from __future__ import annotations

import argparse
import json
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("input", type=Path)
    ap.add_argument("--config", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    recent: dict[str, deque[datetime]] = {}
    day: dict[str, deque[datetime]] = {}
    open_until: dict[str, datetime] = {}
    seq = 0
    out = []
    with args.input.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            brand = rec["brand"]
            at = datetime.fromisoformat(rec["created_at"].replace("Z", "+00:00"))
            r = recent.setdefault(brand, deque())
            d = day.setdefault(brand, deque())
            r.append(at)
            d.append(at)
            while r[0] < at - timedelta(minutes=30):
                r.popleft()
            while d[0] < at - timedelta(hours=24):
                d.popleft()
            if not d or (at - d[0]) < timedelta(hours=20):
                continue
            usual = len(d) / 48.0
            if len(r) > 4 * usual + 5 and at > open_until.get(brand, at - timedelta(seconds=1)):
                seq += 1
                out.append(
                    {
                        "brand": brand,
                        "crisis_id": f"standin-{seq}",
                        "at": rec["created_at"],
                        "severity": 2,
                        "cause": None,
                        "reason": f"{len(r)} in 30 min vs {usual:.1f}",
                    }
                )
                open_until[brand] = at + timedelta(hours=6)
    args.output.write_text("".join(json.dumps(a) + "\n" for a in out))


if __name__ == "__main__":
    main()
