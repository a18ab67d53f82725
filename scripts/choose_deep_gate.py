"""Cross-validated choice of the deep tier's gate (``text_analyzer.DEEP_GATE``): quality vs speed.

    uv run python scripts/choose_deep_gate.py

The deep tier re-judges a text only when the fast tier's P(negative) reaches the gate; a higher gate
sends fewer texts to the (compute-bound) encoder. This script rebuilds, on the training split only,
the out-of-fold predictions of both tiers with the C values, offsets and blend weight that
``train_analysis.py`` chooses, and prints for each gate the share of training texts sent to the deep
tier and the cross-validated mean group macro-recall. The held-out split is not read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_analysis as training

from stormwatch.analysis.datasets import sentiment_examples
from stormwatch.analysis.embedder import SentenceEmbedder
from stormwatch.analysis.features import softmax

GATES = (0.3, 0.4, 0.5, 0.6, 0.7, 1.01)
FAST_C, DEEP_C = 2.0, 0.3  # what train_analysis.py chose for the shipped models (see its log)


def main() -> None:
    train = [e for e in sentiment_examples() if not e.held_out]
    known = training.known_words_of([e.text for e in train])
    token_lists = training.tokens_of([e.text for e in train], known)
    x = training.fit_tfidf(token_lists).transform(token_lists)
    y = [str(e.sentiment) for e in train]
    weights = training.sample_weights(train)
    folds = np.array([training.cv_fold(e) for e in train], dtype=np.int64)
    fast_oof = training.out_of_fold_log_proba(x, y, weights, folds, FAST_C)
    embeddings = training.cached_embeddings(SentenceEmbedder(), [e.text for e in train])
    deep_oof = training.out_of_fold_log_proba(embeddings, y, weights, folds, DEEP_C)

    fast_adjusted = np.log(softmax(fast_oof + training.choose_bias(fast_oof, train)))
    blend = training.choose_blend(fast_adjusted, deep_oof, train)
    blended = (1 - blend) * fast_adjusted + blend * deep_oof
    blended = blended + training.choose_bias(blended, train)
    p_negative = np.exp(fast_adjusted[:, 0])
    print(f"{'gate':>6}  {'share to deep tier':>18}  {'CV mean group macro-recall':>26}")
    for gate in GATES:
        deep = p_negative >= gate
        decided = np.where(deep[:, None], blended, fast_adjusted).argmax(axis=1)
        score = training.mean_group_recall(train, decided)
        print(f"{gate:>6.2f}  {deep.mean():>18.3f}  {score:>26.4f}")


if __name__ == "__main__":
    main()
