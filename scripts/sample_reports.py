"""Write the sample reports in ``docs/reports/``: PDFs and their first pages as PNG.

    uv run --group dev python scripts/sample_reports.py

Replays the bundled demo stream into a fresh SQLite store, then plays the team's part in the
firestorm on the demo's own clock (acknowledged after 9 minutes, holding statement published
after 41, two steps done, resolved, reviewed with its lessons), and writes the crisis report in
English and Polish and the review of the demo's ten days in Polish, in the colours a workspace
file's ``[report]`` would give. Needs Chromium (``/usr/bin/chromium``) and poppler-utils.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stormwatch.analysis.text_analyzer import TextAnalyzer  # noqa: E402
from stormwatch.demo.runner import WORKSPACE_FILE, replay_sample  # noqa: E402
from stormwatch.ingest.service import MentionIngestor  # noqa: E402
from stormwatch.live import LivePipeline  # noqa: E402
from stormwatch.playbook.loader import PlaybookLibrary  # noqa: E402
from stormwatch.report.documents import as_format, crisis_html, review_html  # noqa: E402
from stormwatch.response import drafts, review, service  # noqa: E402
from stormwatch.response.publishing import OutgoingPost, PublishReceipt  # noqa: E402
from stormwatch.store.db import Store  # noqa: E402
from stormwatch.web import queries  # noqa: E402
from stormwatch.workspace.config import ReportSettings, load_config  # noqa: E402
from stormwatch.workspace.service import apply_config  # noqa: E402

OUT = REPO / "docs" / "reports"
BRANDING = ReportSettings(colour="#0b4f6c", accent="#c44536")
FIRST_PAGES = 2


class Network:
    """The brand's account, as a connector in dry-run mode would answer."""

    def publish(self, post: OutgoingPost) -> PublishReceipt:
        return PublishReceipt(target="twitter", reference="https://x.com/northwindair/status/1")


def _respond(store: Store, workspace_id: int, key: str) -> None:
    """The team's part, on the demo's clock."""
    library = PlaybookLibrary.load()
    with store.session() as session:
        crisis = service.get_crisis(session, key, workspace_id)
        opened = crisis.opened_at
        service.attach_playbook(session, crisis, library, opened)
    with service.acting_in(workspace_id):
        service.acknowledge(store, key, "Anna Kowalska", now=opened + timedelta(minutes=9))
        service.complete_step(store, key, "acknowledge", "Anna Kowalska", now=opened + timedelta(minutes=9))
        draft = drafts.draft_response(
            store,
            key,
            "holding_statement",
            lang="en",
            actor="Anna Kowalska",
            values={
                "issue": "calls and chats to our service desk went unanswered this afternoon",
                "action": "Everyone who wrote to us gets an answer today.",
            },
            now=opened + timedelta(minutes=30),
        )
        drafts.approve_response(store, draft, "Ben Carter", now=opened + timedelta(minutes=38))
        drafts.publish_response(store, draft, Network(), "Anna Kowalska", now=opened + timedelta(minutes=41))
        service.set_status(store, key, "monitoring", "Ben Carter", now=opened + timedelta(hours=4))
        service.resolve(store, key, "Ben Carter", "Backlog answered.", now=opened + timedelta(hours=11))
        review.create_review(
            store,
            key,
            "Ben Carter",
            what_worked="The holding statement went out within the hour and the complaints eased after it.",
            what_to_improve="Nobody owned the service desk's backlog until the evening.",
            lessons=["Name a backlog owner in the first 30 minutes.", "Add 'on hold' to the trigger terms."],
            now=opened + timedelta(days=1),
        )


def _png(pdf: Path) -> list[Path]:
    prefix = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", str(FIRST_PAGES), str(pdf), str(prefix)], check=True
    )
    return sorted(pdf.parent.glob(f"{prefix.name}-*.png"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        store = Store.open(f"sqlite:///{Path(scratch) / 'demo.db'}")
        with store.session() as session:
            workspace_id = apply_config(session, load_config(WORKSPACE_FILE)).id
        live = LivePipeline(store, TextAnalyzer.load(), workspace_id)
        live.warm_up()
        replay_sample(MentionIngestor(store, workspace_id), live, speed=1e9)
        with store.session() as session:
            (crisis,) = queries.crises(session, workspace_id)
        key = crisis["id"]
        _respond(store, workspace_id, key)
        documents = {
            "crisis-report-en": crisis_html(store, workspace_id, key, locale="en", branding=BRANDING),
            "crisis-report-pl": crisis_html(store, workspace_id, key, locale="pl", branding=BRANDING),
            "review-pl": review_html(
                store,
                workspace_id,
                *_demo_days(store, workspace_id),
                brand=None,
                locale="pl",
                branding=BRANDING,
            ),
        }
        store.engine.dispose()
    for name, html in documents.items():
        pdf = OUT / f"{name}.pdf"
        pdf.write_bytes(as_format(html, "pdf"))
        print(pdf.relative_to(REPO), *(png.relative_to(REPO) for png in _png(pdf)))


def _demo_days(store: Store, workspace_id: int) -> tuple[date, date]:
    with store.session() as session:
        latest = queries.latest_mention_at(session, workspace_id)
    assert latest is not None
    return (latest - timedelta(days=9)).date(), latest.date()


if __name__ == "__main__":
    main()
