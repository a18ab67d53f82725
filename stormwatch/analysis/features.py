"""Sparse text features of the fast tier and the linear models that read them (numpy only).

Features of a post (see :func:`feature_strings`), weighted binary TF-IDF, rows L2-normalised:

* ``w <token>``: every normalised token (words with negation marks, emoji, emoticon and flag tags);
* ``b <t1> <t2>``: token bigrams;
* ``c <gram>``: character 3..5-grams of each word padded with spaces, so misspellings, inflection
  (Polish has a lot) and squeezed elongations still share most of their features.

Training (``scripts/train_analysis.py``) fits scikit-learn on exactly these strings; the runtime
below only needs the vocabulary, the IDF vector and the weights, stored in an ``.npz`` (no pickle,
no scikit-learn at run time). A per-word cache makes the runtime vectoriser fast: words repeat a
lot, so most of a post's character n-grams are looked up once per process.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np
from numpy.typing import NDArray

from stormwatch.analysis.normalize import NEGATED_PREFIX, tokenize

CHAR_NGRAM_SIZES = (3, 4, 5)
_WORD_CACHE_LIMIT = 200_000

FloatArray = NDArray[np.float32]
IntArray = NDArray[np.int64]


def _is_word(token: str) -> bool:
    return token[0] != "<" and token[0].isalnum()


def word_features(token: str) -> list[str]:
    """The unigram and (for words) the character n-grams of one token."""
    features = [f"w {token}"]
    if _is_word(token):
        base = token.removeprefix(NEGATED_PREFIX)
        padded = f" {base} "
        for size in CHAR_NGRAM_SIZES:
            features.extend(f"c {padded[i : i + size]}" for i in range(len(padded) - size + 1))
    return features


def feature_strings(tokens: Sequence[str]) -> list[str]:
    """All feature names of a tokenised post (duplicates allowed: the weighting is binary)."""
    features: list[str] = []
    for token in tokens:
        features.extend(word_features(token))
    features.extend(f"b {a} {b}" for a, b in pairwise(tokens))
    return features


@dataclass(frozen=True, slots=True)
class SparseRows:
    """A batch of sparse rows in CSR form (values already TF-IDF weighted and L2-normalised)."""

    indptr: IntArray
    indices: IntArray
    values: FloatArray

    def row(self, i: int) -> dict[int, float]:
        start, end = int(self.indptr[i]), int(self.indptr[i + 1])
        return dict(zip(self.indices[start:end].tolist(), self.values[start:end].tolist(), strict=True))


class Vectorizer:
    """Maps posts to the sparse TF-IDF rows the linear models were trained on."""

    def __init__(self, vocabulary: Sequence[str], idf: FloatArray) -> None:
        self._index = {name: i for i, name in enumerate(vocabulary)}
        # Bigrams keyed by token pair: ``pairwise`` yields the keys, no "b a b" string is built per pair.
        self._bigrams: dict[tuple[str, str], int] = {
            (first, second): i
            for i, name in enumerate(vocabulary)
            if name.startswith("b ")
            for first, second in [name[2:].split(" ", 1)]
        }
        self._idf = idf.astype(np.float32)
        # Words of the training vocabulary: lets the normaliser squeeze "suuuper" to a known "super".
        self.known_words: Collection[str] = frozenset(
            name[2:] for name in vocabulary if name.startswith("w ") and _is_word(name[2:])
        )
        self._word_cache: dict[str, list[int]] = {}
        self._token_cache: dict[str, tuple[str, str | None, str | None]] = {}

    @property
    def size(self) -> int:
        return len(self._idf)

    def tokens(self, text: str) -> list[str]:
        return tokenize(text, self.known_words, self._token_cache)

    def _word_indices(self, token: str) -> list[int]:
        cached = self._word_cache.get(token)
        if cached is None:
            get = self._index.get
            cached = [i for i in map(get, word_features(token)) if i is not None]
            if len(self._word_cache) >= _WORD_CACHE_LIMIT:  # bounded memory on adversarial input
                self._word_cache.clear()
            self._word_cache[token] = cached
        return cached

    def row_indices(self, tokens: Sequence[str]) -> set[int]:
        """Distinct feature indices of one tokenised post (binary weighting: order does not matter)."""
        found: set[int | None] = set(chain.from_iterable(map(self._word_indices, tokens)))
        found.update(map(self._bigrams.get, pairwise(tokens)))
        found.discard(None)
        return found  # type: ignore[return-value]  # None was just removed

    def transform_tokens(self, batch: Sequence[Sequence[str]]) -> SparseRows:
        rows = [self.row_indices(tokens) for tokens in batch]
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(indptr[-1]))
        weights = self._idf[indices]
        norms = np.sqrt(_row_sums(weights * weights, indptr))
        norms[norms == 0] = 1.0
        normalised = (weights / np.repeat(norms, lengths)).astype(np.float32)
        return SparseRows(indptr, indices, normalised)

    def transform(self, texts: Sequence[str]) -> SparseRows:
        return self.transform_tokens([self.tokens(text) for text in texts])


def _row_sums(values: NDArray[np.float32], indptr: IntArray) -> NDArray[np.float64]:
    """Sum of each CSR row's values (or value vectors); empty rows sum to 0."""
    shape = (1, *values.shape[1:])
    cumulative = np.concatenate([np.zeros(shape), np.cumsum(values, axis=0, dtype=np.float64)])
    result: NDArray[np.float64] = cumulative[indptr[1:]] - cumulative[indptr[:-1]]
    return result


@dataclass(frozen=True, slots=True)
class SparseLinearModel:
    """Multinomial logistic regression over :class:`SparseRows`: ``softmax(X @ W + b)``."""

    weights: FloatArray  # (n_features, n_classes)
    bias: FloatArray  # (n_classes,)

    def logits(self, rows: SparseRows) -> NDArray[np.float64]:
        contributions = self.weights[rows.indices] * rows.values[:, None]
        return _row_sums(contributions, rows.indptr) + self.bias

    def probabilities(self, rows: SparseRows) -> NDArray[np.float64]:
        return softmax(self.logits(rows))


def softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def encode_vocabulary(vocabulary: Sequence[str]) -> NDArray[np.uint8]:
    """Vocabulary as one UTF-8 blob (newline-separated) for an ``.npz``: compact and pickle-free."""
    blob = "\n".join(vocabulary).encode("utf-8")
    return np.frombuffer(blob, dtype=np.uint8)


def decode_vocabulary(blob: NDArray[np.uint8]) -> list[str]:
    return blob.tobytes().decode("utf-8").split("\n")
