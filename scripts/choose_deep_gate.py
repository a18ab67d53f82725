"""Cross-validated choice of the deep tier's gate (``text_analyzer.DEEP_GATE``): quality vs speed.

    uv run python scripts/choose_deep_gate.py

The deep tier re-judges only the texts the gate selects; a tighter gate sends fewer texts to the
(compute-bound) encoder. This script rebuilds, on the training split only, the out-of-fold predictions
of both tiers (fast tier at the shipped C and offsets; the previous release's deep head, logistic
regression at C = 0.3, blended with the weight and offsets chosen with every text blended), and prints
for two gate rules the share of training texts sent to the deep tier and the cross-validated mean
group macro-recall:

* ``P(negative) >=`` t: the previous release's rule (0.30);
* ``max P <`` u: the fast tier is unsure (this release's rule, ``needs_deep_tier``).

The chosen gate is the one with the smallest share whose score is within ``TOLERANCE`` of sending every
text to the deep tier. The held-out split is not read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_analysis as training

from stormwatch.analysis.datasets import Example, sentiment_examples
from stormwatch.analysis.embedder import SentenceEmbedder
from stormwatch.analysis.features import softmax

NEGATIVE_GATES = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
UNSURE_GATES = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
TOLERANCE = 0.001
DEEP_C = 0.3  # the previous release's deep head


def main() -> None:
    train = [e for e in sentiment_examples() if not e.held_out]
    known = training.known_words_of([e.text for e in train])
    token_lists = training.tokens_of([e.text for e in train], known)
    x = training.fit_tfidf(token_lists).transform(token_lists)
    y = [str(e.sentiment) for e in train]
    weights = training.sample_weights(train)
    folds = np.array([training.cv_fold(e) for e in train], dtype=np.int64)
    fast_oof = training.out_of_fold_log_proba(x, y, weights, folds, training.SHIPPED_FAST_C)
    embeddings = training.cached_embeddings(SentenceEmbedder(), [e.text for e in train])
    deep_oof = training.out_of_fold_log_proba(embeddings, y, weights, folds, DEEP_C)

    fast = np.log(softmax(fast_oof + np.array(training.SHIPPED_FAST_OFFSETS)))
    everything = np.ones(len(train), dtype=bool)
    blend, bias, all_deep = training.choose_blend(fast, deep_oof, train, everything)
    blended = (1 - blend) * fast + blend * deep_oof + bias
    probabilities = np.exp(fast)
    rows: list[tuple[str, float, float]] = [("every text", 1.0, all_deep)]
    for t in NEGATIVE_GATES:
        rows.append(_row(f"P(negative) >= {t:.2f}", probabilities[:, 0] >= t, blended, fast, train))
    for u in UNSURE_GATES:
        rows.append(_row(f"max P < {u:.2f}", probabilities.max(axis=1) < u, blended, fast, train))
    print(f"{'gate':>20}  {'share to deep tier':>18}  {'CV mean group macro-recall':>26}")
    for name, share, score in rows:
        print(f"{name:>20}  {share:>18.3f}  {score:>26.4f}")
    good = [row for row in rows if row[2] >= all_deep - TOLERANCE]
    print(f"smallest share within {TOLERANCE} of every text: {min(good, key=lambda row: row[1])[0]}")


def _row(
    name: str,
    gated: NDArray[np.bool_],
    blended: NDArray[np.float64],
    fast: NDArray[np.float64],
    train: list[Example],
) -> tuple[str, float, float]:
    decided = training.gated_predictions(blended, fast, gated)
    return name, float(gated.mean()), training.mean_group_recall(train, decided)


if __name__ == "__main__":
    main()
