"""Synthetic mention timelines built from real, held-out texts.

One generator serves both the demo sample stream (``scripts/build_demo_stream.py``) and the
detection benchmark (``bench/detection/run.py``):

* every text comes from a record of ``../shared/data`` that is *held out* from sentiment-model
  training (:func:`is_held_out`), so detection figures are not inflated by the model having seen them;
* the *timing* is generated: a brand's expected rate follows a daily rhythm (quiet at night, a
  late-morning and an evening peak, in the brand's local time) and a weekly rhythm (weekend factor),
  multiplied by day-level and hour-level gamma noise (overdispersion), then Poisson arrivals per minute;
* events add an *excess* rate on top of the background: ``(multiple - 1) * expected(t) * shape(t)``
  where ``expected(t)`` is the brand's noise-free usual rate at that minute and ``shape`` ramps
  linearly 0 -> 1 over ``ramp_min``, stays at 1 for ``plateau_min`` and falls linearly to 0 over
  ``decay_min``.  So on the plateau the total rate is ``multiple`` times the usual rate.
  Kinds: ``firestorm`` (negative texts of a cause flavour), ``praise`` (positive texts),
  ``bump`` (a harmless 1.5-2.5x burst with the brand's usual sentiment mix, e.g. a TV spot).

Human labels (sentiment, cause) are used only to choose which texts go where; they are never written
into the stream.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

SOURCE_FILES = (
    "airline_tweets.jsonl",
    "complaints_tweets.jsonl",
    "english_tweets_sentiment_2014.jsonl",
    "polemo2_medicine_sentences.jsonl",
    "polish_tweets_sentiment.jsonl",
    "sentiment140_subset.jsonl",
    "tweeteval_sentiment_val.jsonl",
    "umsab_multilingual_sentiment.jsonl",
)

AIRLINE_DATASET = "twitter_us_airline"

# Hour-of-day weights (local time), 0h..23h: quiet at night, late-morning and evening peaks.
DAILY_PROFILE = np.array(
    [
        0.30,
        0.18,
        0.11,
        0.08,
        0.08,
        0.12,
        0.28,
        0.55,
        0.85,
        1.05,
        1.15,
        1.22,
        1.28,
        1.22,
        1.15,
        1.10,
        1.10,
        1.15,
        1.28,
        1.40,
        1.42,
        1.28,
        0.95,
        0.58,
    ]
)
DAILY_PROFILE = DAILY_PROFILE / DAILY_PROFILE.mean()

SOURCES = ("twitter", "facebook", "instagram", "news", "reviews", "forum", "youtube")
SOURCE_WEIGHTS = np.array([0.55, 0.14, 0.10, 0.05, 0.06, 0.05, 0.05])
SOURCE_HOSTS = {
    "twitter": "x.com",
    "facebook": "facebook.com",
    "instagram": "instagram.com",
    "news": "news.example.com",
    "reviews": "reviews.example.com",
    "forum": "forum.example.com",
    "youtube": "youtube.com",
}
REPLYABLE_SOURCES = frozenset({"twitter", "facebook", "instagram"})

AIRLINE_HANDLE_RE = re.compile(
    r"@(united|virginamerica|southwestair|jetblue|usairways|americanair|delta|deltaassist)\b", re.IGNORECASE
)
FIRST_MENTION_RE = re.compile(r"(?<!RT )@\w+")

CAUSES = (
    "customer_service",
    "negative_review",
    "controversial_action",
    "communication_error",
    "account_compromise",
)

_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "ne",
    "to",
    "sa",
    "vi",
    "den",
    "mar",
    "jo",
    "lu",
    "pe",
    "ti",
    "an",
    "el",
    "ko",
    "zu",
    "be",
    "ry",
    "ol",
    "ga",
    "fi",
    "no",
    "sha",
    "dre",
    "ma",
    "xi",
)
_OUTLETS = (
    "dailywire_news",
    "metro_report",
    "city_herald",
    "biz_insight",
    "the_ledger",
    "wiadomosci24",
    "gazeta_online",
    "tech_chronicle",
    "consumer_watch",
    "travel_weekly",
)


def is_held_out(rec: Mapping[str, Any]) -> bool:
    """True for records kept out of sentiment-model training (same rule as analysis.splits)."""
    digest = hashlib.sha1(f"{rec['dataset']}:{rec['id']}".encode()).hexdigest()
    return int(digest, 16) % 10 < 2


# --------------------------------------------------------------------------------------------- texts


@dataclass(frozen=True, slots=True)
class TextRecord:
    ref: str  # "dataset:id" of the source record (provenance; never written into the stream)
    text: str
    lang: str
    kinds: tuple[str, ...]  # subset of pos / neu / neg / neg_cs / neg_review
    family: str  # "airline" or "general"


def _kinds_of(rec: Mapping[str, Any]) -> tuple[str, ...]:
    sentiment = rec.get("sentiment")
    if rec.get("dataset") == "complaints_preotiuc2019":
        return ("neg", "neg_cs") if rec.get("is_complaint") else ("neu",)
    if sentiment == "positive":
        return ("pos",)
    if sentiment in ("neutral", "ambivalent"):
        return ("neu",)
    if sentiment == "negative":
        cause = rec.get("cause")
        if cause == "customer_service":
            return ("neg", "neg_cs")
        if cause == "negative_review":
            return ("neg", "neg_review")
        return ("neg",)
    return ()


class TextPool:
    """Held-out texts by (language, kind, family)."""

    def __init__(self, records: Iterable[TextRecord]) -> None:
        self.records = list(records)
        self._index: dict[tuple[str, str, str], list[TextRecord]] = {}
        for rec in self.records:
            for kind in rec.kinds:
                self._index.setdefault((rec.lang, kind, rec.family), []).append(rec)
                self._index.setdefault((rec.lang, kind, "any"), []).append(rec)

    @classmethod
    def load(cls, shared_data: Path = DEFAULT_SHARED_DATA) -> TextPool:
        out: list[TextRecord] = []
        for name in SOURCE_FILES:
            path = shared_data / name
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    rec = json.loads(line)
                    if not is_held_out(rec):
                        continue
                    text = str(rec.get("text") or "").strip()
                    kinds = _kinds_of(rec)
                    if not text or not kinds:
                        continue
                    family = "airline" if rec["dataset"] == AIRLINE_DATASET else "general"
                    out.append(
                        TextRecord(f"{rec['dataset']}:{rec['id']}", text, str(rec["lang"]), kinds, family)
                    )
        if not out:
            raise FileNotFoundError(f"no held-out texts found under {shared_data}")
        return cls(out)

    def get(self, lang: str, kind: str, family: str = "any") -> list[TextRecord]:
        return self._index.get((lang, kind, family), [])

    def languages(self) -> set[str]:
        return {rec.lang for rec in self.records}


_KIND_FALLBACK = {
    "neg_cs": ("neg_cs", "neg_review", "neg"),
    "neg_review": ("neg_review", "neg"),
    "neg": ("neg",),
    "neu": ("neu", "pos"),
    "pos": ("pos",),
}


class TextSampler:
    """Draws texts for one brand: per (lang, kind, family) a shuffled cycle, so repeats are spaced out."""

    def __init__(self, pool: TextPool, rng: np.random.Generator, airline_share: float) -> None:
        self.pool = pool
        self.rng = rng
        self.airline_share = airline_share
        self._cycles: dict[tuple[str, str, str], tuple[list[TextRecord], list[int]]] = {}

    def _next(self, lang: str, kind: str, family: str) -> TextRecord | None:
        key = (lang, kind, family)
        if key not in self._cycles:
            items = self.pool.get(lang, kind, family)
            if not items:
                return None
            self._cycles[key] = (items, [])
        items, order = self._cycles[key]
        if not order:
            order.extend(int(i) for i in self.rng.permutation(len(items)))
        return items[order.pop()]

    def draw(self, lang: str, kind: str) -> TextRecord:
        families = ["general", "airline"]
        if lang == "en" and self.rng.random() < self.airline_share:
            families.reverse()
        for k in _KIND_FALLBACK[kind]:
            for fam in families:
                rec = self._next(lang, k, fam)
                if rec is not None:
                    return rec
        for k in _KIND_FALLBACK[kind]:  # language without this kind: fall back to English
            rec = self._next("en", k, "any")
            if rec is not None:
                return rec
        raise LookupError(f"no text for {lang}/{kind}")


def brandify(text: str, handle: str, lang: str) -> str:
    """Make a source text read as a mention of the brand: swap airline/user handles for the brand's."""
    new, n = AIRLINE_HANDLE_RE.subn(f"@{handle}", text)
    if n:
        return new
    new, n = FIRST_MENTION_RE.subn(f"@{handle}", text, count=1)
    if n:
        return new
    return f"@{handle} {text}"


# --------------------------------------------------------------------------------------------- specs


@dataclass(slots=True)
class BrandSpec:
    name: str
    handle: str
    languages: dict[str, float]  # language -> share of background mentions
    base_per_day: float  # mean mentions/day over a week (before noise)
    tz_offset_h: float = 0.0  # local time = UTC + offset (drives the daily rhythm)
    weekend_factor: float = 0.85  # Saturday/Sunday rate relative to weekdays
    sentiment_mix: tuple[float, float, float] = (0.2, 0.5, 0.3)  # neg, neu, pos of the background
    airline_share: float = 0.0  # share of English texts taken from airline tweets
    followers: int = 50_000  # the brand's own account
    own_posts_per_day: float = 3.0
    reply_share: float = 0.08  # share of replyable non-positive mentions the brand answers
    day_noise_shape: float = 25.0  # gamma shape of the day-level multiplier (higher = calmer)
    hour_noise_shape: float = 12.0  # gamma shape of the hour-level multiplier
    keywords: list[str] = field(default_factory=list)
    trigger_terms: list[str] = field(default_factory=lambda: ["boycott", "hacked", "lawsuit"])

    @property
    def main_language(self) -> str:
        return max(self.languages, key=lambda k: self.languages[k])


@dataclass(slots=True)
class EventSpec:
    brand: str
    kind: str  # firestorm | praise | bump
    onset: datetime
    multiple: float  # total rate on the plateau / usual rate
    ramp_min: float
    plateau_min: float
    decay_min: float
    lang: str
    cause: str | None = None  # firestorms only
    negative_share: float = 0.85  # firestorm: share of negative texts (rest neutral); praise: positive
    dup_share: float = 0.0  # share of event mentions that copy one of a few seed posts
    n_dup_seeds: int = 2
    n_high_reach: int = 0  # high-follower authors posting early in the event
    trigger_post: bool = False  # brand post shortly before onset that the crowd replies to

    @property
    def peak_at(self) -> datetime:
        return self.onset + timedelta(minutes=self.ramp_min)

    @property
    def plateau_end(self) -> datetime:
        return self.peak_at + timedelta(minutes=self.plateau_min)

    @property
    def end(self) -> datetime:
        return self.plateau_end + timedelta(minutes=self.decay_min)


@dataclass(slots=True)
class WorldSpec:
    seed: int
    start: datetime
    days: int
    brands: list[BrandSpec]
    events: list[EventSpec]
    warmup_days: int = 0  # events are never placed here; scoring ignores it
    id_prefix: str = "sw"

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    @property
    def scored_start(self) -> datetime:
        return self.start + timedelta(days=self.warmup_days)


@dataclass(slots=True)
class Mention:
    id: str
    source: str
    created_at: datetime
    text: str
    author: str
    author_followers: int
    brand: str
    lang: str
    url: str
    reply_to: str | None = None
    ref: str = ""  # provenance of the text (dataset:id); not serialised
    origin: str = "background"  # background | own | reply | event label index as "event:<i>"
    kind: str = ""  # sentiment kind drawn (pos/neu/neg...); not serialised

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "created_at": iso(self.created_at),
            "text": self.text,
            "author": self.author,
            "author_followers": self.author_followers,
            "brand": self.brand,
            "lang": self.lang,
            "url": self.url,
        }
        if self.reply_to is not None:
            out["reply_to"] = self.reply_to
        return out


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


# --------------------------------------------------------------------------------------------- rates


def expected_rate(brand: BrandSpec, start: datetime, minutes: int) -> np.ndarray:
    """Noise-free expected mentions per minute for each minute since ``start`` (the "usual rate")."""
    t = np.arange(minutes, dtype=float)
    local_min = t + (start.hour * 60 + start.minute + brand.tz_offset_h * 60)
    hour = (local_min % 1440) / 60.0
    # centre of hour h has weight DAILY_PROFILE[h]; interpolate between centres
    shifted = hour - 0.5
    lo = np.floor(shifted).astype(int) % 24
    frac = shifted - np.floor(shifted)
    prof = DAILY_PROFILE[lo] * (1 - frac) + DAILY_PROFILE[(lo + 1) % 24] * frac
    day_idx = np.floor(local_min / 1440).astype(int)
    weekday = (start.weekday() + day_idx) % 7
    weekly = np.where(weekday >= 5, brand.weekend_factor, 1.0)
    weekly = weekly / ((5 + 2 * brand.weekend_factor) / 7)
    result: np.ndarray = brand.base_per_day / 1440.0 * prof * weekly
    return result


def noise_multiplier(brand: BrandSpec, minutes: int, rng: np.random.Generator) -> np.ndarray:
    n_days = minutes // 1440 + 2
    n_hours = minutes // 60 + 2
    day = rng.gamma(brand.day_noise_shape, 1.0 / brand.day_noise_shape, n_days)
    hour = rng.gamma(brand.hour_noise_shape, 1.0 / brand.hour_noise_shape, n_hours)
    t = np.arange(minutes)
    result: np.ndarray = day[t // 1440] * hour[t // 60]
    return result


def event_shape(ev: EventSpec, start: datetime, minutes: int) -> np.ndarray:
    """0..1 envelope of the event per minute (ramp, plateau, linear decay)."""
    t = np.arange(minutes, dtype=float) + 0.5
    t0 = (ev.onset - start).total_seconds() / 60.0
    r, p, d = max(ev.ramp_min, 1e-9), ev.plateau_min, max(ev.decay_min, 1e-9)
    x = t - t0
    shape = np.zeros(minutes)
    up = (x >= 0) & (x < r)
    shape[up] = x[up] / r
    flat = (x >= r) & (x < r + p)
    shape[flat] = 1.0
    down = (x >= r + p) & (x < r + p + d)
    shape[down] = 1.0 - (x[down] - r - p) / d
    return shape


def event_excess(ev: EventSpec, expected: np.ndarray, start: datetime) -> np.ndarray:
    result: np.ndarray = (ev.multiple - 1.0) * expected * event_shape(ev, start, len(expected))
    return result


# --------------------------------------------------------------------------------------------- authors


class AuthorBook:
    """A brand's regular audience (Zipf-like reuse) plus a fresh crowd for events."""

    def __init__(self, rng: np.random.Generator, size: int, tag: str) -> None:
        self.rng = rng
        self.tag = tag
        self.handles = [self._handle(i) for i in range(size)]
        self.followers = self._followers(size)
        weights = 1.0 / np.arange(1, size + 1) ** 0.7
        self._cdf = np.cumsum(weights / weights.sum())
        self._crowd = 0

    def _handle(self, i: int) -> str:
        n = int(self.rng.integers(2, 4))
        name = "".join(_SYLLABLES[int(j)] for j in self.rng.integers(0, len(_SYLLABLES), n))
        suffix = "" if self.rng.random() < 0.4 else str(int(self.rng.integers(1, 9999)))
        sep = "_" if self.rng.random() < 0.25 else ""
        return f"{name}{sep}{suffix}{self.tag}{i}" if i >= 0 else name

    def _followers(self, n: int) -> np.ndarray:
        base = np.exp(self.rng.normal(5.0, 1.7, n))  # median ~150, heavy tail
        influencers = self.rng.random(n) < 0.01
        base[influencers] = np.exp(self.rng.uniform(math.log(2e4), math.log(2e6), int(influencers.sum())))
        result: np.ndarray = np.minimum(base, 5e6).astype(np.int64)
        return result

    def regular(self) -> tuple[str, int]:
        i = int(np.searchsorted(self._cdf, self.rng.random()))
        i = min(i, len(self.handles) - 1)
        return self.handles[i], int(self.followers[i])

    def fresh(self, high_reach: bool = False) -> tuple[str, int]:
        self._crowd += 1
        handle = f"{self._handle(-1)}_{self.tag}c{self._crowd}"
        if high_reach:
            return handle, int(np.exp(self.rng.uniform(math.log(1e5), math.log(3e6))))
        return handle, int(min(np.exp(self.rng.normal(4.8, 1.6)), 2e6))


# --------------------------------------------------------------------------------------------- generate


class _Builder:
    def __init__(self, world: WorldSpec, pool: TextPool) -> None:
        self.world = world
        self.pool = pool
        self.counter = 0
        self.mentions: list[Mention] = []

    def new_id(self, source: str) -> str:
        self.counter += 1
        return f"{self.world.id_prefix}{self.world.seed}-{source[:2]}{self.counter:07d}"

    def make(
        self,
        brand: BrandSpec,
        source: str,
        at: datetime,
        text: TextRecord,
        body: str,
        author: str,
        followers: int,
        origin: str,
        reply_to: str | None = None,
    ) -> Mention:
        mid = self.new_id(source)
        host = SOURCE_HOSTS.get(source, "web.example.com")
        m = Mention(
            id=mid,
            source=source,
            created_at=at,
            text=body,
            author=author,
            author_followers=followers,
            brand=brand.name,
            lang=text.lang,
            url=f"https://{host}/{author}/{mid}",
            reply_to=reply_to,
            ref=text.ref,
            origin=origin,
            kind=text.kinds[0],
        )
        self.mentions.append(m)
        return m


def _arrivals(counts: np.ndarray, start: datetime, rng: np.random.Generator) -> list[datetime]:
    minute_idx = np.repeat(np.arange(len(counts)), counts)
    secs = minute_idx * 60 + rng.integers(0, 60, len(minute_idx))
    secs.sort()
    return [start + timedelta(seconds=int(s)) for s in secs]


def _pick_source(rng: np.random.Generator) -> str:
    return SOURCES[int(rng.choice(len(SOURCES), p=SOURCE_WEIGHTS))]


def _pick_lang(brand: BrandSpec, rng: np.random.Generator) -> str:
    langs = list(brand.languages)
    w = np.array([brand.languages[k] for k in langs], dtype=float)
    return langs[int(rng.choice(len(langs), p=w / w.sum()))]


def _pick_kind(mix: tuple[float, float, float], rng: np.random.Generator) -> str:
    u = rng.random()
    return "neg" if u < mix[0] else ("neu" if u < mix[0] + mix[1] else "pos")


_DUP_TAILS_NEG = ("", "", "!!", "!!!", " 😡", " 👎", " +1")
_DUP_TAILS_POS = ("", "", "!!", " ❤️", " 👏", " +1", " 😍")


def generate(world: WorldSpec, pool: TextPool) -> list[Mention]:
    """All mentions of the world, sorted by (created_at, id)."""
    b = _Builder(world, pool)
    minutes = world.days * 1440
    for bi, brand in enumerate(world.brands):
        rng = np.random.default_rng([world.seed, bi, 1])
        sampler = TextSampler(pool, rng, brand.airline_share)
        book = AuthorBook(rng, max(300, int(brand.base_per_day * 4)), tag=f"{bi}")
        expected = expected_rate(brand, world.start, minutes)
        events = [ev for ev in world.events if ev.brand == brand.name]
        bg_rate = expected * noise_multiplier(brand, minutes, rng)

        # background
        counts = rng.poisson(bg_rate)
        for at in _arrivals(counts, world.start, rng):
            lang = _pick_lang(brand, rng)
            kind = _pick_kind(brand.sentiment_mix, rng)
            rec = sampler.draw(lang, kind)
            source = _pick_source(rng)
            if source == "news":
                author = _OUTLETS[int(rng.integers(0, len(_OUTLETS)))]
                followers = int(np.exp(rng.uniform(math.log(1e4), math.log(1e6))))
            else:
                author, followers = book.regular()
            b.make(
                brand,
                source,
                at,
                rec,
                brandify(rec.text, brand.handle, lang),
                author,
                followers,
                "background",
            )

        # brand's own posts (daytime, local)
        n_own = rng.poisson(brand.own_posts_per_day * world.days)
        own_w = expected / expected.sum()
        for m in sorted(rng.choice(minutes, size=n_own, p=own_w)):
            at = world.start + timedelta(minutes=int(m), seconds=int(rng.integers(0, 60)))
            rec = sampler.draw(brand.main_language, "pos" if rng.random() < 0.5 else "neu")
            body = AIRLINE_HANDLE_RE.sub("", rec.text).strip() or rec.text
            b.make(brand, _pick_source(rng), at, rec, body, brand.handle, brand.followers, "own")

        # events
        for ev in events:
            ei = world.events.index(ev)
            _generate_event(b, brand, ev, ei, expected, rng, sampler, book)

    _add_replies(b, world)
    b.mentions.sort(key=lambda m: (m.created_at, m.id))
    return b.mentions


def _generate_event(
    b: _Builder,
    brand: BrandSpec,
    ev: EventSpec,
    ei: int,
    expected: np.ndarray,
    rng: np.random.Generator,
    sampler: TextSampler,
    book: AuthorBook,
) -> None:
    world = b.world
    origin = f"event:{ei}"
    counts = rng.poisson(event_excess(ev, expected, world.start))
    times = _arrivals(counts, world.start, rng)
    if not times:
        return
    tails: tuple[str, ...]
    if ev.kind == "firestorm":
        main_kind = {"customer_service": "neg_cs", "negative_review": "neg_review"}.get(ev.cause or "", "neg")
        other_kind = "neu"
        tails = _DUP_TAILS_NEG
    elif ev.kind == "praise":
        main_kind, other_kind, tails = "pos", "neu", _DUP_TAILS_POS
    else:  # bump: the brand's usual mix
        main_kind, other_kind, tails = "", "", ("",)

    trigger_id: str | None = None
    if ev.trigger_post:
        at = ev.onset - timedelta(minutes=float(rng.uniform(5, 30)))
        rec = sampler.draw(ev.lang, "neu")
        trigger_id = b.make(
            brand, "twitter", max(at, world.start), rec, rec.text, brand.handle, brand.followers, origin
        ).id

    seeds: list[tuple[Mention, TextRecord]] = []
    n = len(times)
    high_reach_slots = set()
    if ev.n_high_reach:
        early = max(1, int(n * 0.3))
        high_reach_slots = {
            int(i) for i in rng.choice(early, size=min(ev.n_high_reach, early), replace=False)
        }
    for i, at in enumerate(times):
        if main_kind:
            kind = main_kind if rng.random() < ev.negative_share else other_kind
        else:
            kind = _pick_kind(brand.sentiment_mix, rng)
        high = i in high_reach_slots
        author, followers = book.fresh(high_reach=high) if (high or rng.random() < 0.8) else book.regular()
        source = "twitter" if high else _pick_source(rng)
        reply_to = trigger_id if trigger_id is not None and rng.random() < 0.35 else None
        if seeds and kind == main_kind and rng.random() < ev.dup_share:
            seed_m, seed_rec = seeds[int(rng.integers(0, len(seeds)))]
            if source == "twitter" and rng.random() < 0.6:
                body = f"RT @{seed_m.author}: {seed_m.text}"
            else:
                body = seed_m.text + tails[int(rng.integers(0, len(tails)))]
            b.make(brand, source, at, seed_rec, body, author, followers, origin, reply_to)
            continue
        rec = sampler.draw(ev.lang, kind)
        m = b.make(
            brand,
            source,
            at,
            rec,
            brandify(rec.text, brand.handle, ev.lang),
            author,
            followers,
            origin,
            reply_to,
        )
        if kind == main_kind and ev.dup_share > 0 and len(seeds) < ev.n_dup_seeds and (high or i < n * 0.25):
            seeds.append((m, rec))

    if ev.kind == "firestorm" and ev.cause == "account_compromise":
        # the compromised account itself posts harmful content early in the event
        for _ in range(int(rng.integers(2, 5))):
            at = ev.onset + timedelta(minutes=float(rng.uniform(0, max(ev.ramp_min, 10))))
            rec = sampler.draw(ev.lang, "neg")
            b.make(brand, "twitter", at, rec, rec.text, brand.handle, brand.followers, origin)


def _add_replies(b: _Builder, world: WorldSpec) -> None:
    """The brands answer some customers (``reply_to``); fewer, slower answers during firestorms."""
    brands = {br.name: (i, br) for i, br in enumerate(world.brands)}
    firestorm_spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for ev in world.events:
        if ev.kind == "firestorm":
            firestorm_spans.setdefault(ev.brand, []).append((ev.onset, ev.end))
    samplers: dict[str, tuple[np.random.Generator, TextSampler]] = {}
    for name, (i, br) in brands.items():
        rng = np.random.default_rng([world.seed, i, 2])
        samplers[name] = (rng, TextSampler(b.pool, rng, br.airline_share))
    replies: list[tuple[BrandSpec, Mention, datetime]] = []
    for m in b.mentions:
        _, br = brands[m.brand]
        if m.source not in REPLYABLE_SOURCES or m.author == br.handle or m.kind == "pos":
            continue
        rng, _ = samplers[m.brand]
        in_storm = any(a <= m.created_at <= e for a, e in firestorm_spans.get(m.brand, []))
        share = br.reply_share * (0.3 if in_storm else 1.0)
        if rng.random() >= share:
            continue
        delay = float(np.exp(rng.normal(math.log(25 if not in_storm else 90), 0.8)))
        at = m.created_at + timedelta(minutes=delay)
        if at < world.end:
            replies.append((br, m, at))
    for br, m, at in replies:
        rng, sampler = samplers[br.name]
        rec = sampler.draw(br.main_language, "neu")
        body = f"@{m.author} " + AIRLINE_HANDLE_RE.sub("", rec.text).strip()
        b.make(br, m.source, at, rec, body, br.handle, br.followers, "reply", reply_to=m.id)


# --------------------------------------------------------------------------------------------- output


def event_label(ev: EventSpec, world: WorldSpec, mentions: Sequence[Mention] | None = None) -> dict[str, Any]:
    d = asdict(ev)
    d["onset"] = iso(ev.onset)
    d["peak_at"] = iso(ev.peak_at)
    d["plateau_end"] = iso(ev.plateau_end)
    d["end"] = iso(ev.end)
    if mentions is not None:
        ei = world.events.index(ev)
        d["n_mentions"] = sum(1 for m in mentions if m.origin == f"event:{ei}")
    return d


def labels_of(world: WorldSpec, mentions: Sequence[Mention]) -> dict[str, Any]:
    return {
        "seed": world.seed,
        "start": iso(world.start),
        "scored_start": iso(world.scored_start),
        "end": iso(world.end),
        "n_mentions": len(mentions),
        "brands": [
            {
                "name": br.name,
                "handle": br.handle,
                "languages": br.languages,
                "base_per_day": br.base_per_day,
                "tz_offset_h": br.tz_offset_h,
            }
            for br in world.brands
        ],
        "events": [event_label(ev, world, mentions) for ev in world.events],
    }


def workspace_toml(name: str, brands: Sequence[BrandSpec]) -> str:
    def arr(xs: Iterable[str]) -> str:
        return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in xs) + "]"

    lines = ["[workspace]", f"name = {json.dumps(name)}", ""]
    for br in brands:
        keywords = br.keywords or [br.name.lower(), f"@{br.handle}"]
        lines += [
            "[[brands]]",
            f"name = {json.dumps(br.name, ensure_ascii=False)}",
            f"languages = {arr(sorted(br.languages, key=lambda k: -br.languages[k]))}",
            f"keywords = {arr(keywords)}",
            f"own_handles = {arr([br.handle])}",
            f"trigger_terms = {arr(br.trigger_terms)}",
            "alert_urls = []",
            "",
        ]
    return "\n".join(lines)


def write_stream(mentions: Sequence[Mention], path: Path) -> None:
    """JSON Lines, gzipped (reproducibly: no name, mtime 0) when the path ends in .gz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(m.to_json(), ensure_ascii=False) + "\n" for m in mentions).encode("utf-8")
    if path.suffix == ".gz":
        with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


# --------------------------------------------------------------------------------------------- planning

BENCH_START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday

_NAME_A = (
    "Aurora",
    "Kestrel",
    "Zefir",
    "Lumen",
    "Borealis",
    "Cedar",
    "Halcyon",
    "Orbit",
    "Vistula",
    "Meridian",
    "Sokol",
    "Tundra",
    "Nimbus",
    "Pioneer",
    "Amber",
    "Granite",
    "Baltica",
    "Solace",
    "Riverton",
    "Wawel",
    "Helix",
    "Juniper",
    "Marble",
    "Osprey",
)
_NAME_B = (
    "Air",
    "Bank",
    "Mobile",
    "Foods",
    "Telecom",
    "Motors",
    "Energy",
    "Fashion",
    "Games",
    "Pharma",
    "Rail",
    "Market",
    "Insurance",
    "Travel",
    "Coffee",
    "Cosmetics",
    "Logistics",
    "Media",
)

# archetype -> (languages, tz offsets to pick from, airline_share, max base rate per day)
ARCHETYPES: dict[str, tuple[dict[str, float], tuple[float, ...], float, float]] = {
    "airline_en": ({"en": 1.0}, (-5.0, -6.0, -8.0), 0.8, 3000.0),
    "consumer_en": ({"en": 1.0}, (0.0, -5.0, -8.0), 0.0, 3000.0),
    "pl": ({"pl": 1.0}, (1.0,), 0.0, 1500.0),
    "pl_en": ({"pl": 0.85, "en": 0.15}, (1.0,), 0.0, 1500.0),
    "multi_en": ({"en": 0.7, "es": 0.1, "de": 0.1, "fr": 0.1}, (0.0, 1.0), 0.2, 1500.0),
    "de": ({"de": 0.9, "en": 0.1}, (1.0,), 0.0, 250.0),
    "es": ({"es": 0.9, "en": 0.1}, (1.0, -3.0), 0.0, 250.0),
    "fr": ({"fr": 0.9, "en": 0.1}, (1.0,), 0.0, 250.0),
    "it": ({"it": 0.9, "en": 0.1}, (1.0,), 0.0, 250.0),
    "pt": ({"pt": 0.9, "en": 0.1}, (-3.0, 0.0), 0.0, 250.0),
}
ARCHETYPE_CYCLE = (
    "airline_en",
    "consumer_en",
    "pl",
    "multi_en",
    "de",
    "consumer_en",
    "pl_en",
    "airline_en",
    "pl",
    "es",
    "consumer_en",
    "fr",
    "pl",
    "it",
    "consumer_en",
    "pt",
)
FOREIGN_LANGS = ("en", "pl", "de", "es", "fr", "it", "pt")
# week types: (probability, firestorms, praise spikes)
WEEK_TYPES = ((0.30, 0, 0), (0.40, 1, 0), (0.10, 0, 1), (0.10, 1, 1), (0.10, 2, 0))
MIN_FIRESTORM_EXCESS = 30.0  # a firestorm brings at least this many extra mentions (expected)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def plan_world(
    seed: int, n_brands: int = 10, weeks: int = 4, warmup_days: int = 7, start: datetime = BENCH_START
) -> WorldSpec:
    """A random but seed-fixed world: brands, and their firestorms, praise spikes and harmless bumps.

    The first ``warmup_days`` carry background only (history for the detectors); then ``weeks``
    scored weeks, each independently quiet (30 %), with one firestorm (40 %), one praise spike (10 %),
    one of each (10 %) or two firestorms (10 %).  Harmless bumps (1.5-2.5x, usual sentiment mix) occur
    about 0.8 times a week everywhere.
    """
    rng = np.random.default_rng([seed, 0])
    days = warmup_days + 7 * weeks
    names: set[str] = set()
    brands: list[BrandSpec] = []
    strata = rng.permutation(n_brands)
    for i in range(n_brands):
        arche = ARCHETYPE_CYCLE[(i + seed) % len(ARCHETYPE_CYCLE)]
        langs, tzs, airline_share, max_rate = ARCHETYPES[arche]
        while True:
            name = f"{_NAME_A[int(rng.integers(len(_NAME_A)))]} {_NAME_B[int(rng.integers(len(_NAME_B)))]}"
            if name not in names:
                names.add(name)
                break
        if arche.startswith("airline"):
            name = name.rsplit(" ", 1)[0] + " Air"
            if name in names and name != next(iter(names)):
                name = f"{name} {i}"
            names.add(name)
        u = (float(strata[i]) + rng.random()) / n_brands
        base = min(20.0 * 150.0**u, max_rate)
        neg = float(rng.uniform(0.12, 0.35))
        pos = float(rng.uniform(0.15, 0.40))
        handle = re.sub(r"[^a-z0-9]", "", name.lower())[:15] + ("_pl" if "pl" in langs else "")
        brands.append(
            BrandSpec(
                name=name,
                handle=handle,
                languages=dict(langs),
                base_per_day=round(base, 1),
                tz_offset_h=float(tzs[int(rng.integers(len(tzs)))]),
                weekend_factor=float(rng.uniform(0.55, 1.2)),
                sentiment_mix=(neg, 1.0 - neg - pos, pos),
                airline_share=airline_share,
                followers=int(_log_uniform(rng, 2e3, 2e6)),
                own_posts_per_day=float(rng.uniform(1, 6)),
                reply_share=float(rng.uniform(0.0, 0.15)),
                day_noise_shape=float(rng.uniform(12, 40)),
                hour_noise_shape=float(rng.uniform(6, 20)),
            )
        )
    events: list[EventSpec] = []
    for bi, br in enumerate(brands):
        brng = np.random.default_rng([seed, bi, 0])
        expected = expected_rate(br, start, days * 1440)
        own: list[EventSpec] = []
        for w in range(weeks):
            week0 = warmup_days + 7 * w
            u = brng.random()
            acc = 0.0
            n_fire = n_praise = 0
            for p, nf, npr in WEEK_TYPES:
                acc += p
                if u < acc:
                    n_fire, n_praise = nf, npr
                    break
            kinds = ["firestorm"] * n_fire + ["praise"] * n_praise
            for kind in kinds:
                ev = _place_event(brng, br, kind, start, week0, expected, own, days)
                if ev is not None:
                    own.append(ev)
        for _ in range(int(brng.poisson(0.8 * days / 7))):
            ev = _place_event(
                brng, br, "bump", start, int(brng.integers(0, days - 1)), expected, own, days, span_days=1
            )
            if ev is not None:
                own.append(ev)
        events.extend(sorted(own, key=lambda e: e.onset))
    return WorldSpec(
        seed=seed,
        start=start,
        days=days,
        brands=brands,
        events=events,
        warmup_days=warmup_days,
        id_prefix="b",
    )


def _place_event(
    rng: np.random.Generator,
    br: BrandSpec,
    kind: str,
    start: datetime,
    day0: int,
    expected: np.ndarray,
    others: Sequence[EventSpec],
    days: int,
    span_days: int = 7,
) -> EventSpec | None:
    for _ in range(50):
        day = day0 + int(rng.integers(0, span_days))
        local_hour = rng.uniform(6.0, 23.0) if kind != "bump" else rng.uniform(8.0, 22.0)
        onset = start + timedelta(days=day, hours=float(local_hour - br.tz_offset_h))
        onset = onset.replace(second=0, microsecond=0)
        ev = _draw_event(rng, br, kind, onset)
        gap = timedelta(hours=12 if kind != "bump" else 6)
        if onset < start + timedelta(days=day0) - timedelta(hours=12) or ev.end + gap > start + timedelta(
            days=days
        ):
            continue
        if any(ev.onset < o.end + gap and o.onset < ev.end + gap for o in others):
            continue
        if kind == "firestorm":
            shape = event_shape(ev, start, len(expected))
            excess = float(((ev.multiple - 1.0) * expected * shape).sum())
            if excess < MIN_FIRESTORM_EXCESS:  # small brands: a firestorm is relatively bigger
                ev.multiple = round(min(40.0, 1.0 + (ev.multiple - 1.0) * MIN_FIRESTORM_EXCESS / excess), 2)
        return ev
    return None


def _draw_event(rng: np.random.Generator, br: BrandSpec, kind: str, onset: datetime) -> EventSpec:
    if kind == "firestorm":
        cause = CAUSES[int(rng.choice(len(CAUSES), p=[0.4, 0.25, 0.15, 0.1, 0.1]))]
        lang = br.main_language
        if rng.random() < 0.2:
            others = [lg for lg in FOREIGN_LANGS if lg != lang]
            lang = others[int(rng.integers(len(others)))]
        viral = rng.random() < 0.4
        return EventSpec(
            brand=br.name,
            kind=kind,
            onset=onset,
            multiple=round(_log_uniform(rng, 3.0, 20.0), 2),
            ramp_min=round(_log_uniform(rng, 5, 60)),
            plateau_min=round(_log_uniform(rng, 60, 360)),
            decay_min=round(_log_uniform(rng, 30, 180)),
            lang=lang,
            cause=cause,
            negative_share=round(float(rng.uniform(0.75, 0.95)), 2),
            dup_share=round(float(rng.uniform(0.3, 0.7) if viral else rng.uniform(0.0, 0.1)), 2),
            n_dup_seeds=int(rng.integers(1, 4)),
            n_high_reach=int(rng.integers(1, 4)) if rng.random() < 0.5 else 0,
            trigger_post=cause in ("communication_error", "controversial_action") and rng.random() < 0.7,
        )
    if kind == "praise":
        return EventSpec(
            brand=br.name,
            kind=kind,
            onset=onset,
            multiple=round(_log_uniform(rng, 4.0, 15.0), 2),
            ramp_min=round(_log_uniform(rng, 5, 30)),
            plateau_min=round(_log_uniform(rng, 45, 150)),
            decay_min=round(_log_uniform(rng, 30, 90)),
            lang=br.main_language,
            negative_share=round(float(rng.uniform(0.8, 0.95)), 2),
            dup_share=round(float(rng.uniform(0.2, 0.6)) if rng.random() < 0.5 else 0.0, 2),
            n_dup_seeds=int(rng.integers(1, 3)),
            n_high_reach=int(rng.integers(0, 3)),
        )
    return EventSpec(
        brand=br.name,
        kind="bump",
        onset=onset,
        multiple=round(float(rng.uniform(1.5, 2.5)), 2),
        ramp_min=round(float(rng.uniform(10, 40))),
        plateau_min=round(float(rng.uniform(30, 120))),
        decay_min=round(float(rng.uniform(20, 60))),
        lang=br.main_language,
    )
