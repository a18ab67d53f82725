"""The runtime vectoriser builds exactly the rows its definition (``feature_strings``) gives."""

from __future__ import annotations

import random

import numpy as np
import pytest

from stormwatch.analysis import features
from stormwatch.analysis.artifacts import ARTIFACT_DIR
from stormwatch.analysis.features import (
    SparseRows,
    Vectorizer,
    decode_vocabulary,
    feature_strings,
    word_features,
)


def reference_rows(vocabulary: list[str], idf: np.ndarray, batch: list[list[str]]) -> list[dict[int, float]]:
    """Binary TF-IDF, L2-normalised, straight from the feature names (what training fits)."""
    index = {name: i for i, name in enumerate(vocabulary)}
    rows = []
    for tokens in batch:
        found = {index[name] for name in feature_strings(tokens) if name in index}
        weights = {i: float(idf[i]) for i in found}
        norm = float(np.sqrt(sum(w * w for w in weights.values()))) or 1.0
        rows.append({i: w / norm for i, w in weights.items()})
    return rows


def as_dicts(rows: SparseRows) -> list[dict[int, float]]:
    return [rows.row(i) for i in range(len(rows.indptr) - 1)]


def assert_same(actual: list[dict[int, float]], expected: list[dict[int, float]]) -> None:
    assert len(actual) == len(expected)
    for got, wanted in zip(actual, expected, strict=True):
        assert got.keys() == wanted.keys()
        assert np.allclose([got[i] for i in wanted], list(wanted.values()), rtol=1e-6)


def small_vocabulary(words: list[str], rng: random.Random) -> tuple[list[str], np.ndarray]:
    names = sorted({name for word in words for name in word_features(word)})
    names = [name for name in names if rng.random() < 0.7]  # some features unknown, as in real use
    names += [f"b {a} {b}" for a in words[:6] for b in words[:6] if rng.random() < 0.5]
    return names, np.array([rng.uniform(1.0, 5.0) for _ in names], dtype=np.float32)


def test_rows_match_the_feature_strings_across_batches_and_cache_resets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(11)
    words = ["zle", "neg_zle", "polecam", "nie", "super", "aaaa", "<url>", "😡", "!", "obsluga", "dno"]
    vocabulary, idf = small_vocabulary(words, rng)
    vectorizer = Vectorizer(vocabulary, idf)
    # Posts repeat words (shared n-grams count once), include empty posts and unknown words.
    batches = [
        [[rng.choice([*words, "nowe", "słowo"]) for _ in range(rng.randint(0, 9))] for _ in range(40)]
        for _ in range(3)
    ]
    for batch in batches:
        assert_same(as_dicts(vectorizer.transform_tokens(batch)), reference_rows(vocabulary, idf, batch))
    # A full word cache starts again from empty, with the same rows.
    monkeypatch.setattr(features, "_WORD_CACHE_LIMIT", 5)
    assert_same(
        as_dicts(vectorizer.transform_tokens(batches[0])), reference_rows(vocabulary, idf, batches[0])
    )


def test_shipped_vectoriser_matches_its_definition_on_real_posts() -> None:
    with np.load(ARTIFACT_DIR / "sentiment_fast.npz", allow_pickle=False) as stored:
        vocabulary, idf = decode_vocabulary(stored["vocabulary"]), stored["idf"]
    vectorizer = Vectorizer(vocabulary, idf)
    posts = [
        "Obsługa klienta to dno, nie polecam!!! @bank https://x.pl/a",
        "I don't love it... suuuper slow app :( #fail",
        "Lot opóźniony o 5 godzin, zero informacji. Żenada.",
        "",
        "best best best day ever 😍😍",
    ]
    batch = [vectorizer.tokens(post) for post in posts]
    assert_same(as_dicts(vectorizer.transform_tokens(batch)), reference_rows(vocabulary, idf, batch))


def test_threads_sharing_one_vectoriser_get_the_rows_each_would_get_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every workspace's pipeline thread uses the one cached analyzer; learning words must not race."""
    import threading

    with np.load(ARTIFACT_DIR / "sentiment_fast.npz", allow_pickle=False) as stored:
        vocabulary, idf = decode_vocabulary(stored["vocabulary"]), stored["idf"]
    rng = random.Random(5)
    alphabet = "abcdefghijklmnoprstuwyząęółśżźćń"
    posts = [
        " ".join("".join(rng.choices(alphabet, k=rng.randint(2, 9))) for _ in range(12)) for _ in range(4000)
    ]
    alone = Vectorizer(vocabulary, idf)
    batches = [[alone.tokens(post) for post in posts[i : i + 100]] for i in range(0, len(posts), 100)]
    expected = [as_dicts(alone.transform_tokens(batch)) for batch in batches]
    monkeypatch.setattr(features, "_WORD_CACHE_LIMIT", 3000)  # frequent resets make a race likely
    shared = Vectorizer(vocabulary, idf)
    results: dict[int, list[dict[int, float]]] = {}
    failures: list[BaseException] = []

    def work(first: int) -> None:
        try:
            for j in range(first, len(batches), 4):
                results[j] = as_dicts(shared.transform_tokens(batches[j]))
        except Exception as error:  # an IndexError from a half-learnt word, say
            failures.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    for j, rows in enumerate(expected):
        assert_same(results[j], rows)
