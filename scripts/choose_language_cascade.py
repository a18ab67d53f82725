"""Choose the fastText confidence below which language id falls back to lingua (training split only).

    uv run python scripts/choose_language_cascade.py [--held-out]

Samples up to 1,500 posts per file of UMSAB (romanised Hindi left out: neither model reads it), the
Polish and English 2014 tweets, PolEmo and the airline tweets, from the training split (records that
``stormwatch.analysis.splits.is_held_out`` keeps out); ``--held-out`` reports the same table on the
held-out records instead, for the model card (never for choosing). Prints accuracy per language for
lingua (high accuracy alone), fastText alone, and the cascade at each threshold with the share of posts
that fall back to lingua.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

from stormwatch.analysis.datasets import read_examples
from stormwatch.analysis.langid import fasttext_guess, lingua_guess
from stormwatch.analysis.normalize import text_for_language_id

FILES = (
    "umsab_multilingual_sentiment",
    "polish_tweets_sentiment",
    "polemo2_medicine_sentences",
    "english_tweets_sentiment_2014",
    "airline_tweets",
)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
PER_FILE = 1500


def sample(held_out: bool) -> list[tuple[str, str]]:
    rng = random.Random(3)
    posts: list[tuple[str, str]] = []
    for name in FILES:
        chosen = [e for e in read_examples(f"{name}.jsonl") if e.lang != "hi" and e.held_out == held_out]
        rng.shuffle(chosen)
        posts += [(text_for_language_id(e.text), e.lang) for e in chosen[:PER_FILE]]
    return posts


def accuracy(predicted: Sequence[str | None], gold: Sequence[str]) -> str:
    per_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for guess, truth in zip(predicted, gold, strict=True):
        per_language[truth][0] += guess == truth
        per_language[truth][1] += 1
    overall = sum(g == t for g, t in zip(predicted, gold, strict=True)) / len(gold)
    return f"{overall:.4f}  " + " ".join(f"{k} {a / n:.3f}" for k, (a, n) in sorted(per_language.items()))


def timed(run: Callable[[], list[str | None]], count: int) -> tuple[list[str | None], float]:
    started = time.process_time()
    result = run()
    return result, count / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--held-out", action="store_true", help="report on held-out records (not for choosing)"
    )
    args = parser.parse_args()
    posts = sample(args.held_out)
    texts, gold = [p[0] for p in posts], [p[1] for p in posts]
    guesses = [fasttext_guess(text) if text else (None, 0.0) for text in texts]
    lingua, lingua_rate = timed(lambda: [lingua_guess(t) for t in texts], len(texts))
    print(f"{len(texts)} posts ({'held-out' if args.held_out else 'training'} split)")
    print(f"lingua high accuracy ({lingua_rate:,.0f} posts/s CPU): {accuracy(lingua, gold)}")
    print(f"fastText alone: {accuracy([g[0] for g in guesses], gold)}")
    for threshold in THRESHOLDS:
        cascade = [code if p >= threshold else slow for (code, p), slow in zip(guesses, lingua, strict=True)]
        share = sum(p < threshold for _, p in guesses) / len(guesses)
        print(f"cascade at {threshold:.1f} (falls back for {share:.1%}): {accuracy(cascade, gold)}")


if __name__ == "__main__":
    main()
