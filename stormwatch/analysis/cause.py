"""The team's cause corrections, kept per workspace, and how they steer later predictions.

A correction says "this mention's crisis cause is X" (or "no cause"). It is remembered as an example,
not folded into the weights: when a later negative mention of the same workspace is close to a
corrected one (cosine similarity of sentence embeddings in the deep tier, of TF-IDF rows in the fast
tier), the corrected cause gets probability mass in proportion to the similarity. So a correction
helps at once, no retraining, and never leaks into another workspace.

``CauseCorrections`` is a pure, JSON-serialisable value (``to_dict`` / ``from_dict``): the product's
store persists it; ``TextAnalyzer.with_corrections`` turns one workspace's list into a memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from stormwatch.analysis.cause_prototypes import CAUSE_CUES
from stormwatch.analysis.models import CAUSES, Cause

NO_CAUSE = "none"
CAUSE_CLASSES: tuple[str, ...] = (*CAUSES, NO_CAUSE)
MAX_CORRECTIONS_PER_WORKSPACE = 2000  # the most recent are kept: bounded memory and judge time
# Similarity from which a correction starts to count, per tier (embedding cosines run higher).
DEEP_SIMILARITY_FLOOR = 0.55
FAST_SIMILARITY_FLOOR = 0.30
# Mass given to a corrected cause at similarity 1 (model probabilities sum to 1).
CORRECTION_STRENGTH = 4.0
# Support a cue of a cause (``CAUSE_CUES``) gives it, as a correction's: outweighs the models' reading
# (their probabilities sum to 1), while a text with cues of two causes is still decided by the models.
CUE_SUPPORT = 1.0
_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class CauseCorrection:
    text: str
    cause: Cause | None  # None: "no cause fits"

    @property
    def label(self) -> str:
        return self.cause or NO_CAUSE


@dataclass(slots=True)
class CauseCorrections:
    """Corrections of the cause, by workspace id, in the order they were made."""

    by_workspace: dict[str, list[CauseCorrection]] = field(default_factory=dict)

    def add(self, workspace: str, text: str, cause: Cause | None) -> None:
        if cause is not None and cause not in CAUSES:
            raise ValueError(f"unknown cause {cause!r}")
        corrections = self.by_workspace.setdefault(workspace, [])
        corrections.append(CauseCorrection(text, cause))
        del corrections[:-MAX_CORRECTIONS_PER_WORKSPACE]

    def for_workspace(self, workspace: str) -> tuple[CauseCorrection, ...]:
        return tuple(self.by_workspace.get(workspace, ()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": _FORMAT_VERSION,
            "workspaces": {
                workspace: [{"text": c.text, "cause": c.cause} for c in corrections]
                for workspace, corrections in self.by_workspace.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CauseCorrections:
        if data.get("version") != _FORMAT_VERSION:
            raise ValueError(f"unsupported corrections format {data.get('version')!r}")
        result = cls()
        for workspace, items in dict(data.get("workspaces", {})).items():
            for item in items:
                result.add(str(workspace), str(item["text"]), cast(Cause | None, item.get("cause")))
        return result


def correction_votes(
    similarities: NDArray[np.float64], labels: Iterable[str], floor: float
) -> NDArray[np.float64]:
    """Per text and cause class, the strongest support from a correction (0 when none is close).

    ``similarities`` is (n_texts, n_corrections); support rises linearly from 0 at ``floor`` to 1 at 1.
    """
    label_index = np.array([CAUSE_CLASSES.index(label) for label in labels], dtype=np.int64)
    support = np.clip((similarities - floor) / (1.0 - floor), 0.0, 1.0)
    votes = np.zeros((similarities.shape[0], len(CAUSE_CLASSES)))
    for column, class_index in enumerate(label_index):
        np.maximum(votes[:, class_index], support[:, column], out=votes[:, class_index])
    return votes


def apply_votes(probabilities: NDArray[np.float64], votes: NDArray[np.float64]) -> NDArray[np.float64]:
    boosted = probabilities + CORRECTION_STRENGTH * votes
    result: NDArray[np.float64] = boosted / boosted.sum(axis=1, keepdims=True)
    return result


@cache
def _cue_patterns() -> tuple[tuple[int, re.Pattern[str]], ...]:
    return tuple(
        (CAUSE_CLASSES.index(cause), re.compile(pattern, re.IGNORECASE))
        for cause, patterns in CAUSE_CUES.items()
        for pattern in patterns
    )


def cue_votes(texts: Sequence[str]) -> NDArray[np.float64]:
    """Per text and cause class, ``CUE_SUPPORT`` where the text has an unmistakable cue of that cause."""
    votes = np.zeros((len(texts), len(CAUSE_CLASSES)))
    for row, text in enumerate(texts):
        for class_index, pattern in _cue_patterns():
            if not votes[row, class_index] and pattern.search(text):
                votes[row, class_index] = CUE_SUPPORT
    return votes
