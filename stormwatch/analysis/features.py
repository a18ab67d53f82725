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

from stormwatch.analysis.normalize import NEGATED_PREFIX, TokenCache, tokenize, tokenize_clean

CHAR_NGRAM_SIZES = (3, 4, 5)
_CODE_BITS = 11  # 5 characters x 11 bits + 3 bits of length < 64
_WORD_CACHE_LIMIT = 200_000

FloatArray = NDArray[np.float32]
IntArray = NDArray[np.int64]


def _is_word(token: str) -> bool:
    return token[0] != "<" and token[0].isalnum()


def _char_gram_base(token: str) -> str | None:
    """The word whose character n-grams a token has (None for tags, emoji, punctuation)."""
    return token.removeprefix(NEGATED_PREFIX) if _is_word(token) else None


def word_features(token: str) -> list[str]:
    """The unigram and (for words) the character n-grams of one token."""
    features = [f"w {token}"]
    base = _char_gram_base(token)
    if base is not None:
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


class CharGramIndex:
    """Character n-gram -> feature index, for a whole batch of new words at once, in numpy.

    Why: on a live stream about four words a post are new to the per-word cache, and building their
    ~40 n-gram strings one by one in Python was the fast tier's largest cost. Every character of the
    vocabulary's n-grams gets a code below ``2**_CODE_BITS``, so an n-gram of up to five characters
    packs exactly (no hashing, no collisions) into one 64-bit key together with its length; a batch's
    windows are then keyed with a few vector operations and looked up with one ``searchsorted``.
    """

    def __init__(self, grams: dict[str, int]) -> None:
        alphabet = sorted({char for gram in grams for char in gram})
        if len(alphabet) >= 2**_CODE_BITS or any(len(gram) not in CHAR_NGRAM_SIZES for gram in grams):
            raise ValueError(
                "vocabulary n-grams do not fit the packed keys (over 2,047 characters or odd lengths)"
            )
        # Code 0 marks a character outside the vocabulary's alphabet: no window holding one can match.
        self._codes = np.zeros(max(map(ord, alphabet), default=0) + 2, dtype=np.uint64)
        self._codes[[ord(char) for char in alphabet]] = np.arange(1, len(alphabet) + 1, dtype=np.uint64)
        keys, features = [np.zeros(0, dtype=np.uint64)], [np.zeros(0, dtype=np.int64)]
        for size in CHAR_NGRAM_SIZES:
            names = [gram for gram in grams if len(gram) == size]
            codes = self._code_points("".join(names)).reshape(len(names), size)
            keys.append(_pack(codes, size))
            features.append(np.array([grams[name] for name in names], dtype=np.int64))
        all_keys = np.concatenate(keys)
        order = np.argsort(all_keys)
        self._keys = all_keys[order]
        self._features = np.concatenate(features)[order]

    def _code_points(self, text: str) -> NDArray[np.uint64]:
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        return self._codes[np.minimum(points, len(self._codes) - 1)]

    def indices_of(self, words: Sequence[str | None]) -> list[list[int]]:
        """The feature indices of each word's padded character n-grams (none for a None word)."""
        if not len(self._keys):
            return [[] for _ in words]
        padded = [f" {word} " if word is not None else "" for word in words]
        lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        codes = self._code_points("".join(padded))
        ends = np.cumsum(lengths)
        word_of = np.repeat(np.arange(len(padded)), lengths)
        zeros_before = np.concatenate([[0], np.cumsum(codes == 0)])
        found_words, found_features = [], []
        for size in CHAR_NGRAM_SIZES:
            starts = np.arange(max(len(codes) - size + 1, 0))
            fits = starts + size <= ends[word_of[starts]]
            starts = starts[fits & (zeros_before[starts + size] == zeros_before[starts])]
            windows = codes[starts[:, None] + np.arange(size)]
            keys = _pack(windows, size)
            position = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
            hit = self._keys[position] == keys
            found_words.append(word_of[starts[hit]])
            found_features.append(self._features[position[hit]])
        return _group_by_word(np.concatenate(found_words), np.concatenate(found_features), len(padded))


def _pack(codes: NDArray[np.uint64], length: int) -> NDArray[np.uint64]:
    """One key per row of ``codes`` (n x length): the codes side by side, the length on top."""
    keys = np.full(codes.shape[0], length, dtype=np.uint64)
    for column in range(length):
        keys = (keys << np.uint64(_CODE_BITS)) | codes[:, column]
    return keys


def _group_by_word(words: IntArray, features: IntArray, count: int) -> list[list[int]]:
    order = np.argsort(words, kind="stable")
    bounds = np.searchsorted(words[order], np.arange(count + 1))
    sorted_features = features[order].tolist()
    return [sorted_features[bounds[i] : bounds[i + 1]] for i in range(count)]


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
        # One pass sorts the vocabulary by feature kind; each kind is looked up its own way.
        self._unigrams: dict[str, int] = {}
        grams: dict[str, int] = {}
        # Bigrams keyed by token pair: ``pairwise`` yields the keys, no "b a b" string is built per pair.
        self._bigrams: dict[tuple[str, str], int] = {}
        for i, name in enumerate(vocabulary):
            kind, feature = name[:2], name[2:]
            if kind == "w ":
                self._unigrams[feature] = i
            elif kind == "c ":
                grams[feature] = i
            elif kind == "b ":
                first, second = feature.split(" ", 1)
                self._bigrams[first, second] = i
            else:
                raise ValueError(f"unknown feature kind in the vocabulary: {name!r}")
        self._char_grams = CharGramIndex(grams)
        self._idf = idf.astype(np.float32)
        # Words of the training vocabulary: lets the normaliser squeeze "suuuper" to a known "super".
        self.known_words: Collection[str] = frozenset(word for word in self._unigrams if _is_word(word))
        self._word_cache: dict[str, list[int]] = {}
        self._token_cache = TokenCache()

    @property
    def size(self) -> int:
        return len(self._idf)

    def tokens(self, text: str) -> list[str]:
        return tokenize(text, self.known_words, self._token_cache)

    def tokens_of_clean(self, cleaned: str, sarcastic: bool) -> list[str]:
        """:meth:`tokens` of a text already passed through ``clean_text``."""
        return tokenize_clean(cleaned, sarcastic, self.known_words, self._token_cache)

    def _learn_words(self, tokens: Sequence[str]) -> None:
        missing = set(tokens).difference(self._word_cache)
        if not missing:
            return
        if len(self._word_cache) + len(missing) > _WORD_CACHE_LIMIT:  # bounded memory on adversarial input
            self._word_cache.clear()
            missing = set(tokens)
        words = sorted(missing)
        grams = self._char_grams.indices_of([_char_gram_base(word) for word in words])
        unigram = self._unigrams.get
        for word, found in zip(words, grams, strict=True):
            index = unigram(word)
            self._word_cache[word] = found if index is None else [index, *found]

    def _row_indices(self, tokens: Sequence[str]) -> set[int | None]:
        """Distinct feature indices of one tokenised post whose words are all learnt (and maybe None:
        binary weighting, so order and repeats do not matter; C-level map/chain only)."""
        found: set[int | None] = set(chain.from_iterable(map(self._word_cache.__getitem__, tokens)))
        found.update(map(self._bigrams.get, pairwise(tokens)))
        return found

    def transform_tokens(self, batch: Sequence[Sequence[str]]) -> SparseRows:
        # New words are learnt for the whole batch at once: the n-gram look-up is vectorised.
        self._learn_words(list(chain.from_iterable(batch)))
        rows = [self._row_indices(tokens) for tokens in batch]
        for row in rows:
            row.discard(None)
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
