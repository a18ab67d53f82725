"""Shipped model artifacts: ``.npz`` files (no pickles) inside the package, and their loaders.

Writers take the fitted scikit-learn objects duck-typed, so scikit-learn is needed only to train.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
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
# The models trained only on data whose licence allows commercial use (``train_analysis.py
# --commercial-only``); the default models above are trained on more data (docs/model_card.md).
COMMERCIAL_ARTIFACT_DIR = ARTIFACT_DIR / "commercial"
MODELS_ENV = "STORMWATCH_MODELS"
_MODEL_SETS = {"default": ARTIFACT_DIR, "commercial": COMMERCIAL_ARTIFACT_DIR}


def artifact_dir() -> Path:
    """The model set to load: ``$STORMWATCH_MODELS`` = ``default`` (unset) or ``commercial``."""
    name = os.environ.get(MODELS_ENV, "").strip() or "default"
    if name not in _MODEL_SETS:
        raise ValueError(f"{MODELS_ENV}={name!r}: expected one of {', '.join(_MODEL_SETS)}")
    return _MODEL_SETS[name]


@dataclass(frozen=True, slots=True)
class DenseLinearModel:
    """Classifier over sentence embeddings (optionally one ReLU hidden layer), plus its blend weight.

    Linear (multinomial logistic regression) when ``hidden_weights`` is None, else a one-hidden-layer
    perceptron. Its inputs are the embedding, then (``uses_fast_log``) the fast tier's log-probabilities
    in the stored class order, then a one-hot of the text's language over ``input_languages``: the
    sentiment head is such a stacked perceptron, since cross-validation preferred it (docs/model_card.md).
    """

    weights: NDArray[np.float32]  # (inputs or hidden, n_classes)
    bias: NDArray[np.float32]
    blend: float  # weight of this model's log-probabilities against the fast tier's
    decision_bias: NDArray[np.float32]  # log-offsets added to the blend (chosen by cross-validation)
    hidden_weights: NDArray[np.float32] | None = None  # (inputs, hidden)
    hidden_bias: NDArray[np.float32] | None = None
    uses_fast_log: bool = False
    input_languages: tuple[str, ...] = ()
    # A head for one language (the Polish one) may be averaged with the general head: the weight of the
    # general head's blended log-probabilities (0: this head alone). Chosen by cross-validation.
    general_weight: float = 0.0

    def log_probabilities(
        self,
        embeddings: NDArray[np.float32],
        fast_log: NDArray[np.float64] | None = None,
        languages: Sequence[str | None] | None = None,
    ) -> NDArray[np.float64]:
        inputs = deep_inputs(embeddings, fast_log, languages, self.uses_fast_log, self.input_languages)
        if self.hidden_weights is not None and self.hidden_bias is not None:
            inputs = np.maximum(inputs @ self.hidden_weights + self.hidden_bias, 0.0)
        logits = inputs @ self.weights + self.bias
        return np.log(softmax(logits))


def deep_inputs(
    embeddings: NDArray[np.float32],
    fast_log: NDArray[np.float64] | None,
    languages: Sequence[str | None] | None,
    uses_fast_log: bool,
    input_languages: tuple[str, ...],
) -> NDArray[np.float64]:
    """The deep head's input rows (shared by training and runtime, so both build the same features)."""
    parts = [embeddings.astype(np.float64)]
    if uses_fast_log:
        if fast_log is None:
            raise ValueError("this deep head needs the fast tier's log-probabilities")
        parts.append(np.asarray(fast_log, dtype=np.float64))
    if input_languages:
        if languages is None:
            raise ValueError("this deep head needs the texts' languages")
        parts.append(np.array([[float(lang == known) for known in input_languages] for lang in languages]))
    return np.hstack(parts) if len(parts) > 1 else parts[0]


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
    *,
    uses_fast_log: bool = False,
    input_languages: tuple[str, ...] = (),
    general_weight: float = 0.0,
) -> None:
    """``model``: a fitted LogisticRegression (``coef_``) or a one-hidden-layer MLPClassifier (``coefs_``).

    ``uses_fast_log`` / ``input_languages``: the extra inputs it was fitted on (see ``deep_inputs``).
    """
    if hasattr(model, "coefs_"):
        if len(model.coefs_) != 2 or model.activation != "relu":
            raise ValueError("only a one-hidden-layer ReLU perceptron is supported by the runtime")
        layers = {
            "hidden_weights": model.coefs_[0].astype(np.float32),
            "hidden_bias": model.intercepts_[0].astype(np.float32),
            "weights": model.coefs_[1].astype(np.float32),
            "bias": model.intercepts_[1].astype(np.float32),
        }
    else:
        layers = {"weights": model.coef_.T.astype(np.float32), "bias": model.intercept_.astype(np.float32)}
    np.savez_compressed(
        path,
        **layers,
        classes=np.array([str(c) for c in model.classes_]),
        blend=np.array(blend, dtype=np.float32),
        decision_bias=_offsets(decision_bias, classes, model),
        uses_fast_log=np.array(uses_fast_log),
        input_languages=np.array(input_languages, dtype=str),
        general_weight=np.array(general_weight, dtype=np.float32),
    )


def load_deep_model(path: Path) -> tuple[DenseLinearModel, tuple[str, ...]]:
    with np.load(path, allow_pickle=False) as stored:
        offsets = (
            stored["decision_bias"] if "decision_bias" in stored.files else np.zeros_like(stored["bias"])
        )
        hidden = "hidden_weights" in stored.files
        model = DenseLinearModel(
            stored["weights"],
            stored["bias"],
            float(stored["blend"]),
            offsets,
            hidden_weights=stored["hidden_weights"] if hidden else None,
            hidden_bias=stored["hidden_bias"] if hidden else None,
            uses_fast_log=bool(stored["uses_fast_log"]) if "uses_fast_log" in stored.files else False,
            input_languages=tuple(str(x) for x in stored["input_languages"])
            if "input_languages" in stored.files
            else (),
            general_weight=float(stored["general_weight"]) if "general_weight" in stored.files else 0.0,
        )
        classes = tuple(str(c) for c in stored["classes"])
    return model, classes
