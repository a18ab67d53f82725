"""Sparse text features of the fast tier and the linear models that read them (numpy only).

Features of a post (see :func:`feature_strings`), weighted binary TF-IDF, rows L2-normalised:

* ``w <token>``: every normalised token (words with negation marks, emoji, emoticon and flag tags);
* ``b <t1> <t2>``: token bigrams;
* ``c <gram>``: character 3..5-grams of each word padded with spaces, so misspellings, inflection
  (Polish has a lot) and squeezed elongations still share most of their features.

Training (``scripts/train_analysis.py``) fits scikit-learn on exactly these strings; the runtime
below only needs the vocabulary, the IDF vector and the weights, stored in an ``.npz`` (no pickle,
no scikit-learn at run time). The runtime vectoriser is fast because words repeat a lot: each word's
features are looked up once per process and kept in one numpy arena (:class:`_WordFeatures`), and a
batch's rows are then assembled with array operations, not per feature in Python.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import chain, pairwise, repeat

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

    def indices_of(self, words: Sequence[str | None]) -> tuple[IntArray, IntArray]:
        """The feature indices of each word's padded character n-grams (none for a None word).

        Returned flat: the indices of the first word, then of the second, ...; and how many each has.
        """
        if not len(self._keys):
            return np.zeros(0, dtype=np.int64), np.zeros(len(words), dtype=np.int64)
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
        word = np.concatenate(found_words)
        order = np.argsort(word, kind="stable")
        return np.concatenate(found_features)[order], np.bincount(word, minlength=len(padded))


def _pack(codes: NDArray[np.uint64], length: int) -> NDArray[np.uint64]:
    """One key per row of ``codes`` (n x length): the codes side by side, the length on top."""
    keys = np.full(codes.shape[0], length, dtype=np.uint64)
    for column in range(length):
        keys = (keys << np.uint64(_CODE_BITS)) | codes[:, column]
    return keys


class _WordFeatures:
    """Every word seen so far -> its unigram and character n-gram feature indices, in one arena.

    Why an arena: a post has ~200 features, and building them as Python ints in a set per post was
    the fast tier's largest cost. Here a word is a number, its features a slice of one growing
    array, and a batch's rows are gathered, de-duplicated and weighted with a few numpy calls.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.starts = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.int64)
        self.pair_ids = np.zeros(0, dtype=np.int64)  # the word's id in the bigram table, or -1
        self._features = np.zeros(0, dtype=np.int32)  # half the memory of int64; < 2**31 features
        self._used = 0  # _features[:_used] hold data; the rest is room to grow

    def add(self, words: Sequence[str], features: IntArray, counts: IntArray, pair_ids: IntArray) -> None:
        """Learn new words: ``features`` holds their indices word after word, ``counts`` how many."""
        first = len(self.ids)
        self.ids.update(zip(words, range(first, first + len(words)), strict=True))
        needed = self._used + len(features)
        if needed > len(self._features):  # doubling keeps appends amortised O(1)
            grown = np.zeros(max(needed, 2 * len(self._features)), dtype=np.int32)
            grown[: self._used] = self._features[: self._used]
            self._features = grown
        self._features[self._used : needed] = features
        self.starts = np.concatenate([self.starts, self._used + np.cumsum(counts) - counts])
        self.lengths = np.concatenate([self.lengths, counts])
        self.pair_ids = np.concatenate([self.pair_ids, pair_ids])
        self._used = needed

    def gather(self, word_ids: IntArray) -> tuple[NDArray[np.int32], IntArray]:
        """The features of these words one after the other, and how many each word has."""
        counts = self.lengths[word_ids]
        shift = self.starts[word_ids] - (np.cumsum(counts) - counts)
        return self._features[np.repeat(shift, counts) + np.arange(int(counts.sum()))], counts


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
        bigrams: dict[tuple[str, str], int] = {}
        for i, name in enumerate(vocabulary):
            kind, feature = name[:2], name[2:]
            if kind == "w ":
                self._unigrams[feature] = i
            elif kind == "c ":
                grams[feature] = i
            elif kind == "b ":
                first, second = feature.split(" ", 1)
                bigrams[first, second] = i
            else:
                raise ValueError(f"unknown feature kind in the vocabulary: {name!r}")
        self._char_grams = CharGramIndex(grams)
        self._bigrams = _BigramTable(bigrams)
        self._idf = idf.astype(np.float32)
        # Words of the training vocabulary: lets the normaliser squeeze "suuuper" to a known "super".
        self.known_words: Collection[str] = frozenset(word for word in self._unigrams if _is_word(word))
        self._words = _WordFeatures()
        # One analyzer serves every workspace's pipeline thread: learning new words and reading the
        # arena must not interleave (an id could be read before its slice exists).
        self._words_lock = threading.Lock()
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
        missing = set(tokens).difference(self._words.ids)
        if not missing:
            return
        if len(self._words.ids) + len(missing) > _WORD_CACHE_LIMIT:  # bounded memory on adversarial input
            self._words = _WordFeatures()
            missing = set(tokens)
        words = sorted(missing)
        gram_features, gram_counts = self._char_grams.indices_of([_char_gram_base(word) for word in words])
        # A word's unigram (if in the vocabulary) goes first, then its n-grams.
        unigrams = np.fromiter(map(self._unigrams.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        has_unigram = unigrams >= 0
        counts = gram_counts + has_unigram
        features = np.empty(int(counts.sum()), dtype=np.int64)
        unigram_slots = (np.cumsum(counts) - counts)[has_unigram]
        features[unigram_slots] = unigrams[has_unigram]
        gram_slots = np.ones(len(features), dtype=bool)
        gram_slots[unigram_slots] = False
        features[gram_slots] = gram_features
        self._words.add(words, features, counts, self._bigrams.word_ids(words))

    def transform_tokens(self, batch: Sequence[Sequence[str]]) -> SparseRows:
        """TF-IDF rows of tokenised posts: binary weights, L2-normalised, indices sorted in each row."""
        tokens = list(chain.from_iterable(batch))
        with self._words_lock:
            # New words are learnt for the whole batch at once: the n-gram look-up is vectorised.
            self._learn_words(tokens)
            words = self._words
            word_ids = np.fromiter(map(words.ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))
            word_features, counts = words.gather(word_ids)
            pair_ids = words.pair_ids[word_ids]
        post_of_token = np.repeat(np.arange(len(batch)), np.fromiter(map(len, batch), np.int64, len(batch)))
        bigram_posts, bigram_features = self._bigrams.features(pair_ids, post_of_token)
        # Binary weighting: a feature counts once per post, however many of its words share it.
        keys = np.concatenate(
            [
                np.repeat(post_of_token, counts) * self.size + word_features,
                bigram_posts * self.size + bigram_features,
            ]
        )
        if len(batch) * self.size < 2**31:
            keys = keys.astype(np.int32)  # sorts in about half the time of int64
        keys.sort()
        first_of_its_value = np.ones(len(keys), dtype=bool)
        first_of_its_value[1:] = keys[1:] != keys[:-1]
        keys = keys[first_of_its_value]
        posts, indices = np.divmod(keys, self.size)
        indptr = np.searchsorted(posts, np.arange(len(batch) + 1))
        weights = self._idf[indices]
        norms = np.sqrt(_row_sums(weights * weights, posts, len(batch)))
        norms[norms == 0] = 1.0
        normalised = (weights / np.repeat(norms, np.diff(indptr))).astype(np.float32)
        return SparseRows(indptr, indices, normalised)

    def transform(self, texts: Sequence[str]) -> SparseRows:
        return self.transform_tokens([self.tokens(text) for text in texts])


class _BigramTable:
    """Token-pair -> feature index, looked up for a whole batch in numpy.

    Every token that appears in a vocabulary bigram gets a small id; a pair of ids packs into one
    integer key, so a batch's adjacent pairs are found with one ``searchsorted``.
    """

    def __init__(self, bigrams: dict[tuple[str, str], int]) -> None:
        self._token_ids: dict[str, int] = {}
        for pair in bigrams:
            for token in pair:
                self._token_ids.setdefault(token, len(self._token_ids))
        self._width = max(len(self._token_ids), 1)
        keys = np.array([self._key(*pair) for pair in bigrams], dtype=np.int64)
        order = np.argsort(keys)
        self._keys = keys[order]
        self._features = np.fromiter(bigrams.values(), dtype=np.int64, count=len(bigrams))[order]

    def _key(self, first: str, second: str) -> int:
        return self._token_ids[first] * self._width + self._token_ids[second]

    def word_ids(self, words: Sequence[str]) -> IntArray:
        """Each word's id in this table, -1 for a word that is in no bigram."""
        return np.fromiter(map(self._token_ids.get, words, repeat(-1)), dtype=np.int64, count=len(words))

    def features(self, ids: IntArray, post_of_token: IntArray) -> tuple[IntArray, IntArray]:
        """(post, feature index) of every vocabulary bigram among adjacent tokens of the same post."""
        first, second = ids[:-1], ids[1:]
        candidate = np.flatnonzero((first >= 0) & (second >= 0) & (post_of_token[:-1] == post_of_token[1:]))
        if not len(self._keys) or not len(candidate):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys = first[candidate] * self._width + second[candidate]
        position = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        hit = self._keys[position] == keys
        return post_of_token[candidate[hit]], self._features[position[hit]]


def _row_sums(values: NDArray[np.float32], rows: IntArray, count: int) -> NDArray[np.float64]:
    """Sum of ``values`` per row id (``rows`` as long as ``values``, ids below ``count``); 0 where none."""
    return np.bincount(rows, weights=values, minlength=count).astype(np.float64, copy=False)


@dataclass(frozen=True, slots=True)
class SparseLinearModel:
    """Multinomial logistic regression over :class:`SparseRows`: ``softmax(X @ W + b)``."""

    weights: FloatArray  # (n_features, n_classes)
    bias: FloatArray  # (n_classes,)
    # One contiguous weight vector per class: a class's weights are gathered without striding.
    _per_class: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_per_class", np.ascontiguousarray(self.weights.T))

    def logits(self, rows: SparseRows) -> NDArray[np.float64]:
        count = len(rows.indptr) - 1
        row_ids = np.repeat(np.arange(count), np.diff(rows.indptr))
        columns = [_row_sums(w[rows.indices] * rows.values, row_ids, count) for w in self._per_class]
        return np.stack(columns, axis=1) + self.bias

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
