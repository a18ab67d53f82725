"""Shipped model artifacts: ``.npz`` files (no pickles) inside the package, and their loaders.

Writers take the fitted scikit-learn objects duck-typed, so scikit-learn is needed only to train.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stormwatch.analysis.features import (
    SparseLinearModel,
    Vectorizer,
    decode_vocabulary,
    encode_vocabulary,
    softmax,
)

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts"


@dataclass(frozen=True, slots=True)
class DenseLinearModel:
    """Multinomial logistic regression over sentence embeddings, plus its blend weight with the fast tier."""

    weights: NDArray[np.float32]  # (dim, n_classes)
    bias: NDArray[np.float32]
    blend: float  # weight of this model's log-probabilities against the fast tier's
    decision_bias: NDArray[np.float32]  # log-offsets added to the blend (chosen by cross-validation)

    def log_probabilities(self, embeddings: NDArray[np.float32]) -> NDArray[np.float64]:
        logits = embeddings.astype(np.float64) @ self.weights + self.bias
        return np.log(softmax(logits))


def _offsets(decision_bias: NDArray[np.float64] | None, classes: tuple[str, ...], model: Any) -> NDArray[Any]:
    """Offsets given in ``classes`` order, stored in the model's (sorted) column order."""
    if decision_bias is None:
        return np.zeros(len(model.classes_), dtype=np.float32)
    by_class = dict(zip(classes, decision_bias.tolist(), strict=True))
    return np.array([by_class[str(c)] for c in model.classes_], dtype=np.float32)


def save_sparse_model(
    path: Path,
    vectorizer: Any,
    model: Any,
    classes: tuple[str, ...],
    decision_bias: NDArray[np.float64] | None = None,
) -> None:
    """``decision_bias`` (in ``classes`` order) is folded into the intercept: the runtime stays one GEMV."""
    order = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    np.savez_compressed(
        path,
        vocabulary=encode_vocabulary(order),
        idf=vectorizer.idf_.astype(np.float32),
        weights=model.coef_.T.astype(np.float32),
        bias=(model.intercept_ + _offsets(decision_bias, classes, model)).astype(np.float32),
        classes=np.array([str(c) for c in model.classes_]),
    )


def load_sparse_model(path: Path) -> tuple[Vectorizer, SparseLinearModel, tuple[str, ...]]:
    with np.load(path, allow_pickle=False) as stored:
        vectorizer = Vectorizer(decode_vocabulary(stored["vocabulary"]), stored["idf"])
        model = SparseLinearModel(stored["weights"], stored["bias"])
        classes = tuple(str(c) for c in stored["classes"])
    return vectorizer, model, classes


def save_deep_model(
    path: Path,
    model: Any,
    classes: tuple[str, ...],
    blend: float,
    decision_bias: NDArray[np.float64] | None = None,
) -> None:
    np.savez_compressed(
        path,
        weights=model.coef_.T.astype(np.float32),
        bias=model.intercept_.astype(np.float32),
        classes=np.array([str(c) for c in model.classes_]),
        blend=np.array(blend, dtype=np.float32),
        decision_bias=_offsets(decision_bias, classes, model),
    )


def load_deep_model(path: Path) -> tuple[DenseLinearModel, tuple[str, ...]]:
    with np.load(path, allow_pickle=False) as stored:
        offsets = (
            stored["decision_bias"] if "decision_bias" in stored.files else np.zeros_like(stored["bias"])
        )
        model = DenseLinearModel(stored["weights"], stored["bias"], float(stored["blend"]), offsets)
        classes = tuple(str(c) for c in stored["classes"])
    return model, classes
