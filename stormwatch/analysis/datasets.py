"""The labelled corpora in ``../shared/data`` (never vendored) and their train / held-out split.

Used by the training script and by ``stormwatch eval``. The data directory is ``$STORMWATCH_DATA`` when
set, else ``shared/data`` next to the repository (``../shared/data`` from the project root).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from stormwatch.analysis.models import CAUSES, SENTIMENTS, Cause, Sentiment
from stormwatch.analysis.splits import is_held_out

SENTIMENT_FILES = (
    "airline_tweets.jsonl",
    "umsab_multilingual_sentiment.jsonl",
    "polish_tweets_sentiment.jsonl",
    "english_tweets_sentiment_2014.jsonl",
    "polemo2_medicine_sentences.jsonl",
    "sentiment140_subset.jsonl",
    "tweeteval_sentiment_val.jsonl",
    *(
        f"polish/{name}"
        for name in (
            "play_seller_comments.jsonl",
            "allegro_seller_comments.jsonl",
            "clarin_emo_poleval2024_train.jsonl",
            "polemo2_klej_in_dev.jsonl",
            "polemo2_klej_out_dev.jsonl",
            "news_headlines_sentiment.jsonl",
        )
    ),
)
# Whole files kept out of training as extra test sets (besides the held-out 20 % of every file).
TEST_ONLY_FILES = frozenset({"tweeteval_sentiment_val.jsonl"})
# Datasets never trained on although not held out: the headlines' labels are undocumented (weak), and
# news tone is not a brand's customers' tone. Their held-out 20 % is evaluated like any other file's.
EVALUATION_ONLY_DATASETS = frozenset({"news_headlines_sentiment"})
# Datasets whose stated licence allows commercial use of a model trained on them (the shipped models'
# terms, docs/model_card.md): CC BY-SA 4.0 (PolEmo, KLEJ, Mozetič et al. on CLARIN.SI) and UMSAB's
# Apache-2.0 repository. Everything else is non-commercial (the airline set, CC BY-NC-SA) or states no
# licence (Sentiment140, the complaints set, the Polish seller feedback, CLARIN-Emo, the headlines).
COMMERCIAL_USE_DATASETS = frozenset(
    {
        "umsab_train",
        "umsab_val",
        "mozetic2016_pl",
        "mozetic2016_en",
        "polemo2_medicine_sentences",
        "polemo2_klej_in_dev",
        "polemo2_klej_out_dev",
    }
)
AIRLINE_FILE = "airline_tweets.jsonl"
COMPLAINTS_FILE = "complaints_tweets.jsonl"


@dataclass(frozen=True, slots=True)
class Example:
    dataset: str
    record_id: str
    text: str
    lang: str
    sentiment: Sentiment | None  # None for PolEmo's "ambivalent" and unlabelled records
    cause: Cause | None
    held_out: bool
    extra: dict[str, Any]


def data_dir() -> Path:
    configured = os.environ.get("STORMWATCH_DATA")
    if configured:
        return Path(configured)
    repo_root = Path(__file__).resolve().parents[2]
    candidates = [repo_root.parent / "shared" / "data", repo_root / "shared" / "data"]
    return next((path for path in candidates if path.is_dir()), candidates[0])


def read_examples(file_name: str, directory: Path | None = None) -> Iterator[Example]:
    path = (directory or data_dir()) / file_name
    test_only = file_name in TEST_ONLY_FILES
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            dataset, record_id = str(record["dataset"]), str(record["id"])
            sentiment = record.get("sentiment")
            cause = record.get("cause")
            yield Example(
                dataset=dataset,
                record_id=record_id,
                text=str(record["text"]),
                lang=str(record.get("lang") or ""),
                sentiment=cast(Sentiment, sentiment) if sentiment in SENTIMENTS else None,
                cause=cast(Cause, cause) if cause in CAUSES else None,
                held_out=test_only or is_held_out(dataset, record_id),
                extra={k: v for k, v in record.items() if k not in {"id", "text", "lang", "dataset"}},
            )


def sentiment_examples(directory: Path | None = None) -> list[Example]:
    """Every record with a negative/neutral/positive label, from every sentiment file."""
    return [
        example
        for name in SENTIMENT_FILES
        for example in read_examples(name, directory)
        if example.sentiment is not None
    ]
