"""Train the shipped analysis models from ../shared/data (reproducible: fixed seeds, fixed split).

    uv run python scripts/train_analysis.py            # writes stormwatch/analysis/artifacts/*.npz

Only records that are NOT held out (``stormwatch.analysis.splits.is_held_out``) are used, and the whole
``tweeteval_sentiment_val`` file is kept out as an extra test set. Inside the training part, a further
10 % (by the same hash, digit 2) is a tuning split used to choose the regularisation and the blend
of the two tiers; the final models are then refitted on all training records.

Models (see docs/model_card.md):
* fast sentiment: binary TF-IDF over word/bigram/char n-gram features -> multinomial logistic regression;
* deep sentiment: logistic regression over USE multilingual v3 embeddings, blended with the fast tier;
* cause (fast and deep): the same two model kinds over 5 causes + "none", trained on airline
  complaints, on negative personal tweets and non-complaints (``none``), and on the multilingual cause
  prototypes of ``stormwatch.analysis.cause_prototypes`` (up-weighted).
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score

from stormwatch.analysis.artifacts import ARTIFACT_DIR, save_deep_model, save_sparse_model
from stormwatch.analysis.cause_prototypes import CAUSE_PROTOTYPES
from stormwatch.analysis.datasets import COMPLAINTS_FILE, Example, read_examples, sentiment_examples
from stormwatch.analysis.embedder import SentenceEmbedder
from stormwatch.analysis.features import feature_strings, softmax
from stormwatch.analysis.models import CAUSES, SENTIMENTS
from stormwatch.analysis.normalize import tokenize

SEED = 13
NONE_CAUSE = "none"
CAUSE_CLASSES = (*CAUSES, NONE_CAUSE)
# Per-dataset cap on the total sample weight, so the 20k noisy sentiment140 tweets do not drown the rest.
DATASET_WEIGHT_CAP = 8000.0
PROTOTYPE_WEIGHT = 6.0
MIN_DF = 2
MAX_FEATURES = 300_000  # keeps the artifact at a few MB and the solver fast
C_GRID = (1.0, 4.0)
CACHE_DIR = Path(__file__).resolve().parents[1] / "var" / "train_cache"  # git-ignored


def is_tuning(example: Example) -> bool:
    digest = hashlib.sha1(f"{example.dataset}:{example.record_id}".encode()).hexdigest()
    return int(digest, 16) % 10 == 2


def dataset_weights(examples: Sequence[Example]) -> NDArray[np.float64]:
    counts = Counter(e.dataset for e in examples)
    return np.array([min(1.0, DATASET_WEIGHT_CAP / counts[e.dataset]) for e in examples])


def fit_tfidf(token_lists: Sequence[list[str]]) -> TfidfVectorizer:
    vectorizer = TfidfVectorizer(
        analyzer=feature_strings, binary=True, min_df=MIN_DF, max_features=MAX_FEATURES, dtype=np.float32
    )
    vectorizer.fit(token_lists)
    return vectorizer


def fit_logistic(x: object, y: Sequence[str], weights: NDArray[np.float64], c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=3000, random_state=SEED)
    model.fit(x, y, sample_weight=weights)
    return model


def macro_recall_by_dataset(examples: Sequence[Example], predicted: Sequence[str]) -> dict[str, float]:
    result = {}
    for dataset in sorted({e.dataset for e in examples}):
        pairs = [(e.sentiment, p) for e, p in zip(examples, predicted, strict=True) if e.dataset == dataset]
        present = sorted({str(t) for t, _ in pairs})
        result[dataset] = float(
            recall_score(
                [t for t, _ in pairs], [p for _, p in pairs], labels=present, average="macro", zero_division=0
            )
        )
    return result


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tokens_of(texts: Sequence[str], known_words: frozenset[str]) -> list[list[str]]:
    return [tokenize(text, known_words) for text in texts]


def known_words_of(texts: Sequence[str]) -> frozenset[str]:
    counts = Counter(token for text in texts for token in tokenize(text) if token.isalnum())
    return frozenset(word for word, n in counts.items() if n >= MIN_DF)


def train_sentiment(train: list[Example], known: frozenset[str], embedder: SentenceEmbedder) -> None:
    fit_part = [e for e in train if not is_tuning(e)]
    tune_part = [e for e in train if is_tuning(e)]
    log(f"sentiment: {len(fit_part)} fit / {len(tune_part)} tuning examples")
    fit_tokens = tokens_of([e.text for e in fit_part], known)
    tune_tokens = tokens_of([e.text for e in tune_part], known)
    vectorizer = fit_tfidf(fit_tokens)
    x_fit, x_tune = vectorizer.transform(fit_tokens), vectorizer.transform(tune_tokens)
    y_fit = [str(e.sentiment) for e in fit_part]
    best_c, best_score = 1.0, -1.0
    for c in C_GRID:
        model = fit_logistic(x_fit, y_fit, dataset_weights(fit_part), c)
        score = float(np.mean(list(macro_recall_by_dataset(tune_part, model.predict(x_tune)).values())))
        log(f"  fast C={c}: mean tuning macro-recall {score:.4f}")
        if score > best_score:
            best_c, best_score = c, score
    fast_tune = fit_logistic(x_fit, y_fit, dataset_weights(fit_part), best_c)

    log("  embedding fit/tuning texts for the deep tier")
    e_fit = cached_embeddings(embedder, [e.text for e in fit_part])
    e_tune = cached_embeddings(embedder, [e.text for e in tune_part])
    deep_tune = fit_logistic(e_fit, y_fit, dataset_weights(fit_part), 1.0)
    blend = choose_blend(
        fast_tune.predict_log_proba(x_tune),
        deep_tune.predict_log_proba(e_tune),
        tune_part,
        list(fast_tune.classes_),
    )
    log(f"  blend weight of the deep tier: {blend}")

    log("  refit on all training examples")
    all_tokens = fit_tokens + tune_tokens
    everything = fit_part + tune_part
    y_all = [str(e.sentiment) for e in everything]
    vectorizer = fit_tfidf(all_tokens)
    fast = fit_logistic(vectorizer.transform(all_tokens), y_all, dataset_weights(everything), best_c)
    deep = fit_logistic(np.vstack([e_fit, e_tune]), y_all, dataset_weights(everything), 1.0)
    check_classes(fast, deep, SENTIMENTS)
    save_sparse_model(ARTIFACT_DIR / "sentiment_fast.npz", vectorizer, fast, SENTIMENTS)
    save_deep_model(ARTIFACT_DIR / "sentiment_deep.npz", deep, SENTIMENTS, blend)
    check_runtime_parity(all_tokens[:500], vectorizer, fast)


def choose_blend(
    fast_log: NDArray[np.float64], deep_log: NDArray[np.float64], tune: Sequence[Example], classes: list[str]
) -> float:
    best_weight, best_score = 0.0, -1.0
    for weight in np.linspace(0.0, 1.0, 11):
        predicted = [classes[i] for i in ((1 - weight) * fast_log + weight * deep_log).argmax(axis=1)]
        score = float(np.mean(list(macro_recall_by_dataset(tune, predicted).values())))
        log(f"    deep weight {weight:.1f}: {score:.4f}")
        if score > best_score:
            best_weight, best_score = float(weight), score
    return best_weight


def check_classes(fast: LogisticRegression, deep: LogisticRegression, expected: Sequence[str]) -> None:
    for model in (fast, deep):
        if list(model.classes_) != sorted(expected):
            raise SystemExit(f"unexpected classes {model.classes_}")


def check_runtime_parity(
    token_lists: list[list[str]], fitted: TfidfVectorizer, model: LogisticRegression
) -> None:
    """The numpy runtime must reproduce scikit-learn's probabilities on the same tokens."""
    from stormwatch.analysis.artifacts import load_sparse_model

    runtime_vectorizer, runtime_model, _ = load_sparse_model(ARTIFACT_DIR / "sentiment_fast.npz")
    reference = model.predict_proba(fitted.transform(token_lists))
    ours = softmax(runtime_model.logits(runtime_vectorizer.transform_tokens(token_lists)))
    gap = float(np.abs(reference - ours).max())
    log(f"  runtime parity: max |p_sklearn - p_numpy| = {gap:.2e}")
    if gap > 1e-3:
        raise SystemExit("runtime vectoriser differs from the training one")


def cached_embeddings(embedder: SentenceEmbedder, texts: Sequence[str]) -> NDArray[np.float32]:
    """Embeddings of the texts, cached on disk by content: re-running the script skips the slow part."""
    key = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"embeddings-{key}.npy"
    if path.exists():
        cached: NDArray[np.float32] = np.load(path)
        return cached
    started = time.perf_counter()
    embeddings = embedder.embed(texts)
    log(f"  embedded {len(texts)} texts at {len(texts) / (time.perf_counter() - started):.0f}/s")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(path, embeddings)
    return embeddings


def cause_training_set() -> tuple[list[str], list[str], list[float]]:
    """Texts, cause labels (or "none") and sample weights for the cause models."""
    texts: list[str] = []
    labels: list[str] = []
    weights: list[float] = []

    def add(text: str, label: str, weight: float) -> None:
        texts.append(text)
        labels.append(label)
        weights.append(weight)

    for example in read_examples("airline_tweets.jsonl"):
        if not example.held_out and example.sentiment == "negative" and example.cause is not None:
            add(example.text, example.cause, 1.0)
    rng = np.random.default_rng(SEED)
    personal = [
        e
        for name in (
            "sentiment140_subset.jsonl",
            "english_tweets_sentiment_2014.jsonl",
            "polish_tweets_sentiment.jsonl",
        )
        for e in read_examples(name)
        if not e.held_out and e.sentiment == "negative"
    ]
    for index in rng.choice(len(personal), size=2000, replace=False):
        add(personal[int(index)].text, NONE_CAUSE, 1.0)
    for example in read_examples(COMPLAINTS_FILE):
        if not example.held_out and not example.extra.get("is_complaint"):
            add(example.text, NONE_CAUSE, 1.0)
    for cause, sentences in CAUSE_PROTOTYPES.items():
        for sentence in sentences:
            add(sentence, cause or NONE_CAUSE, PROTOTYPE_WEIGHT)
    log(f"cause training set: {Counter(labels)}")
    return texts, labels, weights


def train_cause(known: frozenset[str], embedder: SentenceEmbedder) -> None:
    texts, labels, weight_list = cause_training_set()
    weights = np.array(weight_list)
    token_lists = tokens_of(texts, known)
    vectorizer = fit_tfidf(token_lists)
    fast = fit_logistic(vectorizer.transform(token_lists), labels, weights, 3.0)
    deep = fit_logistic(cached_embeddings(embedder, texts), labels, weights, 3.0)
    check_classes(fast, deep, CAUSE_CLASSES)
    save_sparse_model(ARTIFACT_DIR / "cause_fast.npz", vectorizer, fast, CAUSE_CLASSES)
    save_deep_model(ARTIFACT_DIR / "cause_deep.npz", deep, CAUSE_CLASSES, 0.5)


def main() -> None:
    ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
    train = [e for e in sentiment_examples() if not e.held_out]
    log(f"training examples: {Counter(e.dataset for e in train)}")
    known = known_words_of([e.text for e in train])
    embedder = SentenceEmbedder()
    train_sentiment(train, known, embedder)
    train_cause(known, embedder)
    for path in sorted(Path(ARTIFACT_DIR).glob("*.npz")):
        log(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
