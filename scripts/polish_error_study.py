"""Sample misread held-out Polish texts for the error study in docs/model_card.md.

    uv run python scripts/polish_error_study.py [--count 50] [--out errors.jsonl]

Judges the held-out 20 % of every Polish set (both tiers, language given, as the product does) and
writes a seeded sample of the texts whose label is wrong, spread evenly over the data sets, as JSON
Lines (dataset, gold, predicted, score, cause, text). The kinds in the model card were assigned by
reading these lines.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from stormwatch.analysis.datasets import Example, sentiment_examples
from stormwatch.analysis.text_analyzer import TextAnalyzer

SEED = 24


def misread(analyzer: TextAnalyzer, examples: list[Example]) -> dict[str, list[dict[str, object]]]:
    """Per data set, the held-out examples whose predicted label differs from the gold one."""
    by_dataset: dict[str, list[dict[str, object]]] = defaultdict(list)
    for start in range(0, len(examples), 512):
        batch = examples[start : start + 512]
        for example, judged in zip(
            batch, analyzer.judge([e.text for e in batch], ["pl"] * len(batch)), strict=True
        ):
            if judged.sentiment != example.sentiment:
                by_dataset[example.dataset].append(
                    {
                        "dataset": example.dataset,
                        "gold": example.sentiment,
                        "predicted": judged.sentiment,
                        "score": round(judged.sentiment_score, 3),
                        "cause": judged.cause,
                        "text": example.text,
                    }
                )
    return by_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--out", type=Path, default=None, help="JSON Lines file (default: standard output)")
    args = parser.parse_args()
    held_out = [e for e in sentiment_examples() if e.held_out and e.lang == "pl"]
    errors = misread(TextAnalyzer.load(), held_out)
    rng = random.Random(SEED)
    for rows in errors.values():
        rng.shuffle(rows)
    sample: list[dict[str, object]] = []
    while len(sample) < args.count and any(errors.values()):  # round robin over the data sets
        for name in sorted(errors):
            if errors[name] and len(sample) < args.count:
                sample.append(errors[name].pop())
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in sample)
    if args.out is None:
        sys.stdout.write(lines)
    else:
        args.out.write_text(lines, encoding="utf-8")


if __name__ == "__main__":
    main()
