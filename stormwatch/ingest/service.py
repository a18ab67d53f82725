"""Storing incoming mentions exactly once, and quarantining what cannot be stored.

Records are written in batches, each in one transaction with its quarantined records, and every
insert skips a mention already stored (same brand, source and external id). A run killed at any
point and started again therefore ends with each record stored exactly once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from stormwatch.i18n.catalogue import translate
from stormwatch.i18n.refusal import Phrase
from stormwatch.ingest.mention import MentionIn
from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.ingest.parsing import RecordError, names_zone, parse_mention
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.store import limits
from stormwatch.store.db import Store, insert_ignoring_conflicts
from stormwatch.workspace.service import BrandLimitReached, ensure_brand

log = logging.getLogger(__name__)

BATCH_SIZE = 500
SUMMARY = (
    "read %(read)s, stored %(stored)s new, skipped %(duplicates)s already stored, quarantined %(quarantined)s"
)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one record was quarantined, in the words of an error report."""

    origin: str
    line: int
    field: str | None
    error: str  # English: what the quarantine keeps
    phrase: Phrase | None = None  # the same, said in any language of the catalogue

    def said_in(self, locale: str) -> str:
        """``file:line: field: why`` in ``locale`` (the file, line and field name stay as they are)."""
        why = self.phrase.said_in(locale) if self.phrase is not None else self.error
        where = f"{self.origin}:{self.line}"
        return f"{where}: {self.field}: {why}" if self.field else f"{where}: {why}"

    def __str__(self) -> str:
        return self.said_in("en")


@dataclass
class IngestReport:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    problems: list[Problem] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)  # lines (API: indexes) stored or already stored
    zoneless_times: int = 0  # accepted records whose created_at named no time zone (read as UTC)

    def summary(self, locale: str = "en") -> str:
        return translate(SUMMARY, locale) % {
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
        }

    @property
    def nothing_accepted(self) -> bool:
        """Every record read was quarantined: the file is probably not what it should be."""
        return self.read > 0 and self.quarantined == self.read


class MentionIngestor:
    """Writes parsed mentions of one workspace into the store."""

    def __init__(
        self,
        store: Store,
        workspace_id: int,
        *,
        batch_size: int = BATCH_SIZE,
        window: TimeWindow = DEFAULT_WINDOW,
        limit_brands: bool = False,
        known_brands: Collection[str] | None = None,
    ) -> None:
        """``limit_brands`` (pushes): mentions of a brand the workspace does not have create it only
        up to the workspace's ``max_brands``; beyond, they are quarantined with the reason.
        ``known_brands`` (imports): a record of any other brand is quarantined instead of creating
        that brand."""
        self.store = store
        self.workspace_id = workspace_id
        self.batch_size = batch_size
        self.window = window
        self.limit_brands = limit_brands
        self.known_brands = frozenset(known_brands) if known_brands is not None else None
        self._brand_ids: dict[str, int] = {}

    def ingest(
        self,
        records: Iterable[RawRecord],
        *,
        origin: str,
        brand: str | None = None,
        on_problem: Callable[[Problem], None] | None = None,
    ) -> IngestReport:
        report = IngestReport()
        mentions: list[MentionIn] = []
        rejects: list[tuple[RawRecord, Problem]] = []
        refused_brands: dict[str, str] = {}
        for record in records:
            report.read += 1
            outcome = _parse(record, origin, brand, self.window)
            if not isinstance(outcome, Problem):
                outcome = self._check_brand(record, origin, outcome)
            if self.limit_brands and isinstance(outcome, MentionIn):
                outcome = self._brand_allowed(outcome, record, origin, refused_brands)
            if isinstance(outcome, Problem):
                rejects.append((record, outcome))
                if on_problem:
                    on_problem(outcome)
            else:
                mentions.append(outcome)
                report.accepted.append(record.line)
                report.zoneless_times += not names_zone(record.fields, "created_at")
            if len(mentions) + len(rejects) >= self.batch_size:
                self._write_batch(mentions, rejects, origin, report)
                mentions, rejects = [], []
        self._write_batch(mentions, rejects, origin, report)
        log.info("ingested %s: %s", origin, report.summary())
        return report

    def _check_brand(self, record: RawRecord, origin: str, mention: MentionIn) -> MentionIn | Problem:
        if self.known_brands is None or mention.brand in self.known_brands:
            return mention
        phrase = Phrase(
            "'%(brand)s' is not a brand of this workspace (brands: %(known)s); add it to the workspace file",
            {"brand": mention.brand, "known": ", ".join(sorted(self.known_brands)) or "-"},
        )
        return Problem(origin, record.line, "brand", str(phrase), phrase)

    def _write_batch(
        self,
        mentions: list[MentionIn],
        rejects: list[tuple[RawRecord, Problem]],
        origin: str,
        report: IngestReport,
    ) -> None:
        if not mentions and not rejects:
            return
        with self.store.writing() as session:
            stored = self._insert_mentions(session, mentions)
            self._quarantine(session, rejects, origin)
        report.stored += stored
        report.duplicates += len(mentions) - stored
        report.quarantined += len(rejects)
        report.problems.extend(problem for _, problem in rejects)

    def _insert_mentions(self, session: Session, mentions: list[MentionIn]) -> int:
        if not mentions:
            return 0
        rows = [self._row(session, mention) for mention in mentions]
        statement = insert_ignoring_conflicts(session, Mention, ["brand_id", "source", "external_id"])
        # RETURNING counts what was really inserted on every backend (rowcount does not).
        # Core executemany with one cached statement: compiling a 500-row VALUES each time is slow.
        return len(session.connection().execute(statement.returning(Mention.id), rows).all())

    def _quarantine(self, session: Session, rejects: list[tuple[RawRecord, Problem]], origin: str) -> None:
        if not rejects:
            return
        rows = [
            {
                "origin": _fitted(origin, limits.ORIGIN_LENGTH),
                "line": problem.line,
                "field": _fitted(problem.field, limits.FIELD_LENGTH),
                "error": storable_text(problem.error),
                "raw": storable_text(raw),
                "raw_digest": hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest(),
            }
            for record, problem in rejects
            for raw in (record.text(),)
        ]
        statement = insert_ignoring_conflicts(session, QuarantinedRecord, ["origin", "line", "raw_digest"])
        session.connection().execute(statement, rows)

    def _row(self, session: Session, mention: MentionIn) -> dict[str, Any]:
        assert mention.brand is not None  # _parse rejects mentions without a brand
        return {
            "brand_id": self._brand_id(session, mention.brand),
            "source": mention.source,
            "external_id": mention.external_id,
            "url": mention.url,
            "author": mention.author,
            "author_followers": mention.author_followers,
            "text": mention.text,
            "lang": mention.lang,
            "created_at": mention.created_at,
            "likes": mention.likes,
            "shares": mention.shares,
            "comments": mention.comments,
            "reply_to": mention.reply_to,
        }

    def _brand_allowed(
        self, mention: MentionIn, record: RawRecord, origin: str, refused: dict[str, str]
    ) -> MentionIn | Problem:
        # The brand is created (or refused) here, before its batch, so that a refusal can name
        # the record; a brand created for a batch that then fails is only an empty brand.
        assert mention.brand is not None
        if mention.brand not in self._brand_ids and mention.brand not in refused:
            try:
                with self.store.session() as session:
                    self._brand_id(session, mention.brand)
            except BrandLimitReached as error:
                refused[mention.brand] = str(error)
        if mention.brand in refused:
            return Problem(origin, record.line, "brand", refused[mention.brand])
        return mention

    def _brand_id(self, session: Session, name: str) -> int:
        if name not in self._brand_ids:
            brand = ensure_brand(session, self.workspace_id, name, limited=self.limit_brands)
            self._brand_ids[name] = brand.id
        return self._brand_ids[name]


def storable_text(text: str) -> str:
    """``text`` as every database can keep it: NUL and lone surrogates (what made a record
    unacceptable, often) written as escapes, so the quarantined record itself is never lost."""
    if "\x00" in text:
        text = text.replace("\x00", "\\u0000")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _fitted(text: str | None, length: int) -> str | None:
    """``text`` cut to a column of ``length``, keeping its end (a long path's file name)."""
    if text is None or len(text) <= length:
        return text
    return "…" + text[-(length - 1) :]


def _parse(record: RawRecord, origin: str, brand: str | None, window: TimeWindow) -> MentionIn | Problem:
    if record.fields is None:
        error = _phrase(record.error) if record.error else Phrase("unreadable record")
        return Problem(origin, record.line, None, str(error), error)
    try:
        mention = parse_mention(record.fields, brand=brand, window=window)
    except RecordError as error:
        return Problem(origin, record.line, error.field, error.message, error.phrase)
    if mention.brand is None:
        phrase = Phrase("missing (give --brand or a brand field)")
        return Problem(origin, record.line, "brand", str(phrase), phrase)
    return mention


def _phrase(error: str | Phrase) -> Phrase:
    """A reader's error as a phrase (the connectors' own errors are English text, shown as is)."""
    return error if isinstance(error, Phrase) else Phrase("%(reason)s", {"reason": error})
