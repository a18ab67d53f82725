"""Per-text judgement: language, sentiment (label and score in -1..1) and crisis cause.

Two tiers, both offline, artifacts shipped in ``stormwatch/analysis/artifacts``:

* fast tier (every text; throughput in docs/model_card.md): social-media normaliser + sparse TF-IDF
  features + multinomial logistic regression (+ per-class offsets), for sentiment and for cause;
* deep tier (what matters): USE multilingual v3 sentence embeddings + a small perceptron, blended in
  log space with the fast tier. It runs on texts the fast tier is unsure of (its most likely class
  has P < ``DEEP_GATE``) and on any text the caller flags in ``deep_mask`` (high reach, clustered),
  so the expensive encoder spends its time where the fast tier may be wrong.

Usage::

    analyzer = TextAnalyzer.load()                       # < 3 s, cached per process
    analyzer.judge(["Obsługa klienta to dno", "love it!"])
    analyzer.judge(texts, langs=["pl", None])            # a given language is trusted

Cause corrections (learning from the team without retraining)::

    corrections = CauseCorrections()                      # JSON-serialisable: to_dict()/from_dict()
    corrections.add("workspace-1", "the app logs everyone out since the update", "negative_review")
    tuned = analyzer.with_corrections(corrections.for_workspace("workspace-1"))
    tuned.judge(["app logs me out after the update again"])   # -> cause "negative_review"
    # or in one call: analyzer.judge(texts, corrections=corrections.for_workspace("workspace-1"))

``with_corrections`` embeds the corrected texts once and returns an analyzer sharing the models; keep it
for as long as the workspace's corrections do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import cast

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from stormwatch.analysis.artifacts import DenseLinearModel, artifact_dir, load_deep_model, load_sparse_model
from stormwatch.analysis.cause import (
    CAUSE_CLASSES,
    DEEP_SIMILARITY_FLOOR,
    FAST_SIMILARITY_FLOOR,
    NO_CAUSE,
    CauseCorrection,
    apply_votes,
    correction_votes,
    cue_votes,
)
from stormwatch.analysis.embedder import SentenceEmbedder
from stormwatch.analysis.features import SparseLinearModel, SparseRows, Vectorizer, softmax
from stormwatch.analysis.langid import language_of_clean
from stormwatch.analysis.models import SENTIMENTS, Cause, TextJudgement
from stormwatch.analysis.normalize import clean_text, has_sarcasm_marker

# The deep tier re-judges a text when the fast tier's most likely class has P below this. Chosen by
# cross-validation (scripts/choose_deep_gate.py): the fast tier is rarely wrong where it is sure, so
# gating on its uncertainty keeps the deep tier's gain with fewer texts than gating on P(negative).
DEEP_GATE = 0.60
_NEGATIVE, _NEUTRAL, _POSITIVE = range(3)


@dataclass(frozen=True, slots=True)
class _Tier:
    """One task's models: the fast sparse model, optionally the deep one, and their class order."""

    vectorizer: Vectorizer
    fast: SparseLinearModel
    deep: DenseLinearModel | None
    column_order: NDArray[np.int64]  # reorders the models' (alphabetical) columns to ours

    def fast_log_probabilities(self, rows: SparseRows) -> NDArray[np.float64]:
        return np.log(softmax(self.fast.logits(rows)))[:, self.column_order]

    def blended(
        self,
        fast_log: NDArray[np.float64],
        embeddings: NDArray[np.float32],
        languages: Sequence[str | None] | None = None,
    ) -> NDArray[np.float64]:
        assert self.deep is not None
        # the head takes the fast tier's log-probabilities in its own (stored) class order
        stored_order_fast_log = fast_log[:, np.argsort(self.column_order)]
        deep_log = self.deep.log_probabilities(embeddings, stored_order_fast_log, languages)
        deep_log = deep_log[:, self.column_order]
        offsets = self.deep.decision_bias[self.column_order]
        return softmax((1.0 - self.deep.blend) * fast_log + self.deep.blend * deep_log + offsets)


def _load_tier(name: str, classes: tuple[str, ...], deep: bool, folder: Path) -> _Tier:
    vectorizer, fast, stored = load_sparse_model(folder / f"{name}_fast.npz")
    deep_path = folder / f"{name}_deep.npz"
    # A model set may lack a deep sentiment head (the commercial set when trained --fast-only): the
    # fast tier then decides sentiment alone, and the embedder still serves the deep cause model.
    deep_model = load_deep_model(deep_path)[0] if deep and deep_path.exists() else None
    order = np.array([stored.index(label) for label in classes], dtype=np.int64)
    return _Tier(vectorizer, fast, deep_model, order)


def _load_polish(folder: Path, deep: bool) -> _Tier | None:
    """The Polish texts' sentiment models, where the set has them: a fast model and (optionally) a deep head
    fitted on Polish texts and on that fast model's log-probabilities (``sentiment_deep_pl.npz``)."""
    path = folder / "sentiment_fast_pl.npz"
    if not path.exists():
        return None
    vectorizer, fast, stored = load_sparse_model(path)
    order = np.array([stored.index(label) for label in SENTIMENTS], dtype=np.int64)
    deep_path = folder / "sentiment_deep_pl.npz"
    deep_model = load_deep_model(deep_path)[0] if deep and deep_path.exists() else None
    return _Tier(vectorizer, fast, deep_model, order)


@dataclass(frozen=True, slots=True)
class _CorrectionMemory:
    labels: tuple[str, ...]
    fast_rows: SparseRows  # corrected texts in the cause vectoriser's space
    embeddings: NDArray[np.float32] | None


@dataclass(frozen=True, slots=True)
class TextAnalyzer:
    sentiment: _Tier
    cause: _Tier
    embedder: SentenceEmbedder | None
    corrections: _CorrectionMemory | None = None
    # The fast sentiment model for Polish texts (``sentiment_fast_pl.npz``), where the set has one:
    # trained with the Polish reviews and seller feedback, it reads Polish complaints far better, while
    # the general one stays best on the other languages (docs/model_card.md, issue 24).
    polish_sentiment: _Tier | None = None

    @classmethod
    def load(cls, *, deep: bool = True) -> TextAnalyzer:
        """The shipped models (cached: later calls in the process return the same analyzer)."""
        return _load_cached(deep, artifact_dir())

    @classmethod
    def load_from(cls, folder: Path, *, deep: bool = True) -> TextAnalyzer:
        """The models of another artifact folder (e.g. a previous release's, for a paired benchmark)."""
        return _load_cached(deep, folder)

    @property
    def has_deep_tier(self) -> bool:
        return self.embedder is not None

    def with_corrections(self, corrections: Sequence[CauseCorrection]) -> TextAnalyzer:
        """An analyzer whose cause predictions follow these (one workspace's) corrections."""
        if not corrections:
            return replace(self, corrections=None)
        texts = [c.text for c in corrections]
        memory = _CorrectionMemory(
            labels=tuple(c.label for c in corrections),
            fast_rows=self.cause.vectorizer.transform(texts),
            embeddings=self.embedder.embed(texts) if self.embedder is not None else None,
        )
        return replace(self, corrections=memory)

    def judge(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        *,
        deep_mask: Sequence[bool] | None = None,
        corrections: Sequence[CauseCorrection] | None = None,
    ) -> list[TextJudgement]:
        """Judge each text. ``langs[i]`` (ISO 639-1) is trusted when given; otherwise it is detected.

        ``deep_mask[i]`` asks for the deep tier on text i even if the fast tier is sure of it.
        """
        if corrections is not None:
            return self.with_corrections(corrections).judge(texts, langs, deep_mask=deep_mask)
        if not texts:
            return []
        # The surface clean-up and the sarcasm check run once per post: tokenizer, language id and
        # the sarcasm flip all read them.
        cleaned = [clean_text(text) for text in texts]
        sarcastic = [has_sarcasm_marker(text) for text in texts]
        languages = [
            given or language_of_clean(clean)
            for clean, given in zip(cleaned, _or_nones(langs, texts), strict=True)
        ]
        tokens = list(map(self.sentiment.vectorizer.tokens_of_clean, cleaned, sarcastic))
        fast_log = self._fast_sentiment(tokens, cleaned, sarcastic, languages)
        deep_index = self._deep_selection(np.exp(fast_log), deep_mask)
        embeddings = self.embedder.embed([texts[i] for i in deep_index]) if self.embedder else None

        probabilities = np.exp(fast_log)
        if embeddings is not None and len(deep_index):
            probabilities[deep_index] = self._deep_sentiment(
                probabilities[deep_index],
                fast_log[deep_index],
                embeddings,
                [languages[i] for i in deep_index],
            )
        probabilities = _flip_sarcastic_praise(probabilities, sarcastic)
        labels = probabilities.argmax(axis=1)
        causes = self._causes(texts, tokens, np.flatnonzero(labels == _NEGATIVE), deep_index, embeddings)
        # Plain Python values first (tolist): indexing numpy element by element costs more per post.
        scores = (probabilities[:, _POSITIVE] - probabilities[:, _NEGATIVE]).tolist()
        return [
            TextJudgement(
                lang=language,
                sentiment=SENTIMENTS[label],
                sentiment_score=round(score, 4),
                cause=causes.get(i),
            )
            for i, (language, label, score) in enumerate(zip(languages, labels.tolist(), scores, strict=True))
        ]

    def _fast_sentiment(
        self,
        tokens: list[list[str]],
        cleaned: Sequence[str],
        sarcastic: Sequence[bool],
        languages: Sequence[str | None],
    ) -> NDArray[np.float64]:
        """Fast-tier log-probabilities; Polish texts go to the Polish fast model when the set has one."""
        fast_log = np.zeros((len(tokens), len(SENTIMENTS)))
        polish_model = self.polish_sentiment
        polish = [i for i, lang in enumerate(languages) if lang == "pl"] if polish_model else []
        others = sorted(set(range(len(tokens))).difference(polish)) if polish else list(range(len(tokens)))
        if others:
            rows = self.sentiment.vectorizer.transform_tokens([tokens[i] for i in others])
            fast_log[others] = self.sentiment.fast_log_probabilities(rows)
        if polish_model is not None and polish:
            vectorizer = polish_model.vectorizer
            polish_tokens = [vectorizer.tokens_of_clean(cleaned[i], sarcastic[i]) for i in polish]
            fast_log[polish] = polish_model.fast_log_probabilities(vectorizer.transform_tokens(polish_tokens))
        return fast_log

    def _deep_sentiment(
        self,
        probabilities: NDArray[np.float64],
        fast_log: NDArray[np.float64],
        embeddings: NDArray[np.float32],
        languages: Sequence[str | None],
    ) -> NDArray[np.float64]:
        """Both tiers' probabilities of the gated texts: Polish ones by the Polish deep head where the set
        has one (its inputs are the Polish fast model's log-probabilities), the others by the general one."""
        result = probabilities.copy()
        general = self.sentiment if self.sentiment.deep is not None else None
        polish = self.polish_sentiment if self.polish_sentiment and self.polish_sentiment.deep else None
        is_polish = np.array([polish is not None and lang == "pl" for lang in languages], dtype=bool)
        others, polish_rows = np.flatnonzero(~is_polish), np.flatnonzero(is_polish)
        if general is not None and len(others):
            result[others] = general.blended(
                fast_log[others], embeddings[others], [languages[i] for i in others.tolist()]
            )
        if polish is not None and polish.deep is not None and len(polish_rows):
            rows_log, rows_embeddings = fast_log[polish_rows], embeddings[polish_rows]
            polish_languages = [languages[i] for i in polish_rows.tolist()]
            mixed = polish.blended(rows_log, rows_embeddings, polish_languages)
            weight = polish.deep.general_weight
            if general is not None and weight > 0.0:  # a geometric mean with the general head's reading
                general_probabilities = general.blended(rows_log, rows_embeddings, polish_languages)
                mixed = softmax((1.0 - weight) * np.log(mixed) + weight * np.log(general_probabilities))
            result[polish_rows] = mixed
        return result

    def _deep_selection(
        self, fast_probabilities: NDArray[np.float64], deep_mask: Sequence[bool] | None
    ) -> NDArray[np.int64]:
        if self.embedder is None:
            return np.zeros(0, dtype=np.int64)
        wanted = needs_deep_tier(fast_probabilities)
        if deep_mask is not None:
            wanted |= np.asarray(deep_mask, dtype=bool)
        return np.flatnonzero(wanted)

    def judge_causes(self, texts: Sequence[str]) -> list[Cause | None]:
        """The cause of each text taken as negative (what ``judge`` gives a negative text), any tier."""
        if not texts:
            return []
        tokens = [self.sentiment.vectorizer.tokens(text) for text in texts]
        everything = np.arange(len(texts), dtype=np.int64)
        embeddings = self.embedder.embed(texts) if self.embedder else None
        causes = self._causes(
            texts, tokens, everything, everything if embeddings is not None else everything[:0], embeddings
        )
        return [causes[i] for i in range(len(texts))]

    def _causes(
        self,
        texts: Sequence[str],
        tokens: Sequence[list[str]],
        negative: NDArray[np.int64],
        deep_index: NDArray[np.int64],
        embeddings: NDArray[np.float32] | None,
    ) -> dict[int, Cause | None]:
        """Cause of each negative text (keyed by its position); ``embeddings`` are those of ``deep_index``."""
        if not len(negative):
            return {}
        rows = self.cause.vectorizer.transform_tokens([tokens[i] for i in negative])
        fast_log = self.cause.fast_log_probabilities(rows)
        probabilities = np.exp(fast_log)
        position_in_deep = {int(i): k for k, i in enumerate(deep_index)}
        deep_rows = [k for k, i in enumerate(negative) if int(i) in position_in_deep]
        negative_embeddings = None
        if embeddings is not None and self.cause.deep is not None and deep_rows:
            negative_embeddings = embeddings[[position_in_deep[int(negative[k])] for k in deep_rows]]
            probabilities[deep_rows] = self.cause.blended(fast_log[deep_rows], negative_embeddings)
        # Unmistakable wording of a cause first, the team's corrections last: a correction still wins.
        probabilities = apply_votes(probabilities, cue_votes([texts[i] for i in negative]))
        if self.corrections is not None:
            probabilities = self._follow_corrections(probabilities, rows, deep_rows, negative_embeddings)
        best = probabilities.argmax(axis=1)
        return {int(i): _cause_or_none(CAUSE_CLASSES[int(k)]) for i, k in zip(negative, best, strict=True)}

    def _follow_corrections(
        self,
        probabilities: NDArray[np.float64],
        rows: SparseRows,
        deep_rows: list[int],
        embeddings: NDArray[np.float32] | None,
    ) -> NDArray[np.float64]:
        memory = self.corrections
        assert memory is not None
        votes = correction_votes(
            _sparse_cosines(rows, memory.fast_rows), memory.labels, FAST_SIMILARITY_FLOOR
        )
        if embeddings is not None and memory.embeddings is not None:
            similarities = embeddings.astype(np.float64) @ memory.embeddings.T.astype(np.float64)
            deep_votes = correction_votes(similarities, memory.labels, DEEP_SIMILARITY_FLOOR)
            votes[deep_rows] = np.maximum(votes[deep_rows], deep_votes)
        return apply_votes(probabilities, votes)


def needs_deep_tier(fast_probabilities: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Rows (fast-tier class probabilities) the deep tier re-judges: those the fast tier is unsure of."""
    result: NDArray[np.bool_] = fast_probabilities.max(axis=1) < DEEP_GATE
    return result


@cache
def _load_cached(deep: bool, folder: Path) -> TextAnalyzer:
    # One BLAS thread for the whole process, not only the sentence embedder's forward pass: the
    # models' other products are small, and a second OpenBLAS thread mostly spin-waits for them
    # (256 texts a batch: the same texts/s with 1.8 cores busy instead of 1.0). The core it wasted
    # is the web server's, the database's or another analysis worker's (bench/cluster/run.py).
    threadpool_limits(limits=1, user_api="blas")
    return TextAnalyzer(
        sentiment=_load_tier("sentiment", SENTIMENTS, deep, folder),
        cause=_load_tier("cause", CAUSE_CLASSES, deep, folder),
        polish_sentiment=_load_polish(folder, deep),
        embedder=SentenceEmbedder() if deep else None,
    )


def _or_nones(langs: Sequence[str | None] | None, texts: Sequence[str]) -> Sequence[str | None]:
    if langs is None:
        return [None] * len(texts)
    if len(langs) != len(texts):
        raise ValueError("langs must be as long as texts")
    return langs


def _flip_sarcastic_praise(
    probabilities: NDArray[np.float64], sarcastic: Sequence[bool]
) -> NDArray[np.float64]:
    """A post flagged as sarcastic (#sarcasm, 🙄, "yeah right") that reads positive means the opposite."""
    for i in np.flatnonzero(np.asarray(sarcastic, dtype=bool)):
        if probabilities[i, _POSITIVE] > probabilities[i, _NEGATIVE]:
            probabilities[i, [_NEGATIVE, _POSITIVE]] = probabilities[i, [_POSITIVE, _NEGATIVE]]
    return probabilities


def _sparse_cosines(a: SparseRows, b: SparseRows) -> NDArray[np.float64]:
    """Cosine similarities between two sets of L2-normalised sparse rows (a is small x b is small)."""
    result = np.zeros((len(a.indptr) - 1, len(b.indptr) - 1))
    b_rows = [b.row(j) for j in range(len(b.indptr) - 1)]
    for i in range(len(a.indptr) - 1):
        row = a.row(i)
        for j, other in enumerate(b_rows):
            smaller, larger = (row, other) if len(row) < len(other) else (other, row)
            result[i, j] = sum(value * larger.get(index, 0.0) for index, value in smaller.items())
    return result


def _cause_or_none(label: str) -> Cause | None:
    return None if label == NO_CAUSE else cast(Cause, label)
