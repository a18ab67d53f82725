"""Cross-validated figures of candidate choices for the Polish models, per group (training part only).

    uv run python scripts/polish_cv_probe.py --c 2 --boost 1                 # fast tier only
    uv run python scripts/polish_cv_probe.py --c 2 --boost 2 --deep fixed    # + the shipped deep head kind
    uv run python scripts/polish_cv_probe.py --deep stacked                  # + the stacked alpha grid
    uv run python scripts/polish_cv_probe.py --nb --deep stacked             # columns scaled by nb_scale

Uses ``train_analysis.py``'s own records, folds, weights, offset search and deep-head choice, so its
figures are what ``train_analysis.py --polish`` would see; it never reads the validation split and
writes no model. ``--boost`` multiplies CLARIN-Emo's weight (``train_analysis.BOOSTED_DATASET``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
import train_analysis as ta
from numpy.typing import NDArray

from stormwatch.analysis.datasets import Example
from stormwatch.analysis.embedder import SentenceEmbedder
from stormwatch.analysis.features import softmax
from stormwatch.analysis.text_analyzer import needs_deep_tier


def per_group(examples: Sequence[Example], predicted: NDArray[np.int64]) -> str:
    """Macro-recall of every scored (dataset, language) group, as ``train_analysis`` scores them."""
    names = sorted({ta.group_of(e) for e in examples if e.dataset != ta.PROTOTYPE_DATASET})
    parts = []
    for name in names:
        mask = np.array([ta.group_of(e) == name for e in examples])
        subset = [e for e, keep in zip(examples, mask, strict=True) if keep]
        parts.append(f"{name.split('/')[0]} {ta.mean_group_recall(subset, predicted[mask]):.4f}")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--c", type=float, default=ta.SHIPPED_FAST_C, help="fast tier's C")
    parser.add_argument("--boost", type=float, default=1.0, help="CLARIN-Emo's weight multiple")
    parser.add_argument("--nb", action="store_true", help="scale the columns by nb_scale (NB_GRID)")
    parser.add_argument("--deep", choices=("none", "fixed", "stacked"), default="none")
    args = parser.parse_args()
    train = [e for e in ta.training_examples(False) if e.lang == "pl"]
    tokens = ta.tokens_of([e.text for e in train], ta.known_words_of([e.text for e in train]))
    x = ta.fit_tfidf(tokens).transform(tokens)
    y = [str(e.sentiment) for e in train]
    folds = np.array([ta.cv_fold(e) for e in train], dtype=np.int64)
    weights = ta.sample_weights(train, args.boost)
    oof = ta.out_of_fold_log_proba(x, y, weights, folds, args.c, nb=args.nb)
    bias, score = ta.choose_bias(oof, train)
    ta.log(f"fast C={args.c} boost={args.boost} nb={args.nb}: offsets {bias[1:].tolist()}, CV {score:.4f}")
    ta.log(f"  per group: {per_group(train, (oof + bias).argmax(axis=1))}")
    if args.deep == "none":
        return
    # "stacked": only the full search's stacked-perceptron alpha grid
    candidates = [c for c in ta.deep_candidates() if c[2]] if args.deep == "stacked" else None
    fast = np.log(softmax(oof + bias))
    embeddings = ta.cached_embeddings(SentenceEmbedder(), [e.text for e in train])
    choice = ta.choose_deep_head(embeddings, y, weights, folds, train, fast, args.deep == "fixed", candidates)
    mixed = (1 - choice.blend) * fast + choice.blend * choice.oof + choice.bias
    gated = ta.gated_predictions(mixed, fast, needs_deep_tier(np.exp(fast)))
    ta.log(f"  both tiers per group: {per_group(train, gated)}")


if __name__ == "__main__":
    main()
