"""Customer response times: who needs an answer, how fast the brand replied, breaches, backlog."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.ingest.models import Mention
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.response.reply_times import Post, needs_answer, reply_report, sla_breaches

from .conftest import T0, Workspace

HANDLES = ["northwindair"]


def _post(number: str, minutes: float, text: str, author: str = "jo", reply_to: str | None = None, sentiment: str = "neutral") -> dict[str, Any]:  # fmt: skip
    return {
        "id": number,
        "source": "twitter",
        "created_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "text": text,
        "author": author,
        "reply_to": reply_to,
        "brand": "Northwind Air",
        "sentiment": sentiment,
    }


STREAM = [
    _post("b0", -60, "New seat maps from today!", author="northwindair"),
    _post("q1", 0, "@northwindair when is my refund coming?", author="ann"),
    _post("c1", 0, "@NorthwindAir lost my bag, terrible", author="bob", sentiment="negative"),
    _post("c2", 10, "@northwindair awful service again", author="cy", sentiment="negative"),
    _post("p1", 11, "@northwindair great flight, thanks", author="di", sentiment="positive"),
    _post("n1", 12, "does anyone know the northwind baggage rules?", author="ed"),
    _post("r1", 15, "why did you change the seats", author="flo", reply_to="b0"),
    _post("a1", 20, "@ann it is on its way, sorry for the wait ^AK", author="northwindair", reply_to="q1"),
    _post("a2", 90, "@bob we found it, courier today ^BC", author="northwindair", reply_to="c1"),
    _post("a3", 95, "@bob and a voucher for the trouble ^AK", author="northwindair", reply_to="c1"),
    _post("q3", 170, "@northwindair is the lounge open?", author="gus"),
]
NOW = T0 + timedelta(minutes=180)


def test_what_needs_an_answer() -> None:
    def need(record: dict[str, Any]) -> str | None:
        post = Post(
            record["id"], record["author"], record["text"], T0, record["reply_to"], record["sentiment"]
        )
        return needs_answer(post, HANDLES, {"b0"})

    assert {r["id"]: need(r) for r in STREAM} == {
        "b0": None,  # the brand's own post
        "q1": "question",
        "c1": "complaint",
        "c2": "complaint",
        "p1": None,  # praise needs no answer
        "n1": None,  # not addressed to the brand
        "r1": "question",  # a reply to the brand's post
        "a1": None,
        "a2": None,
        "a3": None,
        "q3": "question",
    }


def _load(ws: Workspace) -> None:
    MentionIngestor(ws.store, ws.workspace_id).ingest(
        [RawRecord(i, "", {k: v for k, v in r.items() if k != "sentiment"}) for i, r in enumerate(STREAM, 1)],
        origin="test",
    )
    sentiments = {r["id"]: r["sentiment"] for r in STREAM}
    with ws.store.session() as session:
        for mention in session.scalars(select(Mention)):
            session.add(
                Enrichment(
                    mention_id=mention.id,
                    lang="en",
                    sentiment=sentiments[mention.external_id],
                    sentiment_score=0.0,
                )
            )


def test_first_reply_times_breaches_and_backlog_per_brand_and_person(workspace: Workspace) -> None:
    _load(workspace)
    report = reply_report(workspace.store, workspace.workspace_id, now=NOW)
    stats = report.brands["Northwind Air"]
    assert (stats.needing_answer, stats.answered, stats.waiting) == (5, 2, 3)
    # c1 answered after 90 min (> 60 SLA); c2 waiting 170 min and r1 165 min; q3 only 10 min.
    assert stats.breaches == 3
    assert stats.median_minutes == 55.0 and stats.within_sla_share == 0.5
    assert stats.backlog == {"under 15 min": 1, "15-60 min": 0, "1-4 h": 2, "4-24 h": 0, "over 24 h": 0}
    assert [w["id"] for w in stats.oldest_waiting] == ["c2", "r1", "q3"]
    assert report.brands["Polana"].needing_answer == 0
    # Only the first reply counts, credited by signature.
    assert report.people["Anna"].replies == 1 and report.people["Anna"].median_minutes == 20.0
    assert report.people["Ben"].replies == 1 and report.people["Ben"].late == 1
    assert sla_breaches(workspace.store, workspace.workspace_id, "Northwind Air", since=T0, now=NOW) == 3
    # Earlier, fewer breaches: at T0 + 50 min nobody has waited an hour yet.
    earlier = T0 + timedelta(minutes=50)
    assert (
        sla_breaches(
            workspace.store,
            workspace.workspace_id,
            "Northwind Air",
            since=T0 - timedelta(hours=2),
            now=earlier,
        )
        == 0
    )
