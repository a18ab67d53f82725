"""The firehose filter, offline, on tests/sources/data/jetstream_sample.jsonl: a constructed sample
in Jetstream's documented wire format (not a live recording; see docs/connectors.md), with post
creates, updates and deletes, likes, reposts and follows, identity and account events, Arabic,
Japanese, Cyrillic and Polish text, and malformed lines. Also the source's batching of checkpoints."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.ingest.readers import RawRecord
from stormwatch.sources.firehose import POST, JetstreamFilter, Verdict, mention_records, read_events
from stormwatch.sources.firehose_stream import FLUSH_SECONDS, Batch
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig

SAMPLE = Path(__file__).parent / "data" / "jetstream_sample.jsonl"

WORKSPACE = WorkspaceConfig.model_validate(
    {
        "brands": [
            {
                "name": "Northwind Air",
                "keywords": ["northwind", "@northwindair"],
                "own_handles": ["northwindair.bsky.social"],
                "trigger_terms": ["boycott", "refund"],
            },
            {"name": "Żabka", "keywords": ["żab*", "Żabka Polska"], "trigger_terms": ["bojkot"]},
            {"name": "Orlen", "keywords": ["PKN Orlen"], "trigger_terms": ["bojkot"]},
        ]
    }
)
# (line of the sample, brand) of every post that must reach ingestion
KEPT = {
    (1, "Northwind Air"),
    (2, "Żabka"),
    (11, "Orlen"),
    (11, "Żabka"),
    (12, "Northwind Air"),  # Arabic text naming the brand in Latin letters
    (20, "Northwind Air"),  # "#northwind", a reply
    (25, "Żabka"),
    (26, "Northwind Air"),  # the brand's handle
}
MALFORMED = {10: "not JSON", 16: "not a JSON object", 18: "time_us", 19: "text is int", 24: "not JSON"}


def sample_filter(brands: list[BrandConfig] = WORKSPACE.brands) -> JetstreamFilter:
    return JetstreamFilter.for_brands(brands)


def verdicts() -> dict[int, Verdict]:
    jetstream = sample_filter()
    with SAMPLE.open(encoding="utf-8") as handle:
        return {line: jetstream.decide(text) for line, text in read_events(handle)}


def test_only_created_posts_naming_a_brand_are_kept_each_for_its_brands() -> None:
    kept = {(line, hit.brand) for line, verdict in verdicts().items() for hit in verdict.hits}
    # line 17 names Northwind but has no createdAt: kept by the filter, refused when made a mention
    assert kept == KEPT | {(17, "Northwind Air")}


def test_the_brands_own_account_is_kept_by_its_did_even_when_it_does_not_name_the_brand() -> None:
    own = WORKSPACE.brands[0].model_copy(update={"own_handles": ["northwindair.bsky.social", "did:plc:NW1"]})
    jetstream = sample_filter([own, *WORKSPACE.brands[1:]])
    post = {
        "kind": "commit",
        "time_us": 5,
        "commit": {
            "operation": "create",
            "collection": POST,
            "rkey": "k",
            "record": {
                "text": "free tickets for all, send your card number",
                "createdAt": "2026-12-05T10:00:00Z",
            },
        },
    }
    by_the_brand = jetstream.decide(json.dumps(post | {"did": "did:plc:nw1"}))
    by_someone_else = jetstream.decide(json.dumps(post | {"did": "did:plc:other"}))
    assert [hit.brand for hit in by_the_brand.hits] == ["Northwind Air"]
    assert mention_records(by_the_brand.event or {}, by_the_brand.hits)[0]["author"] == "did:plc:nw1"
    assert by_someone_else.hits == [] and by_someone_else.event is None


def test_other_events_pass_by_with_their_cursor() -> None:
    found = verdicts()
    passed = [line for line, verdict in found.items() if not verdict.hits and verdict.error is None]
    # nice weather, like, identity, account, Japanese, delete, update naming the brand, Cyrillic,
    # deactivated account, "Orlenowski", repost, image-only post, "northwindairlines", follow, Polish
    assert passed == [3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 21, 22, 23, 27, 28]
    assert all(found[line].time_us for line in passed)
    times = [found[line].time_us or 0 for line in passed]
    assert times == sorted(times)


def test_malformed_events_are_reported_and_the_rest_goes_on() -> None:
    found = verdicts()
    errors = {line: verdict.error for line, verdict in found.items() if verdict.error}
    assert sorted(errors) == sorted(MALFORMED)
    for line, words in MALFORMED.items():
        assert words in (errors[line] or ""), (line, errors[line])
    assert len(found) == 28  # every line was read, the ones after each bad line too


def test_kept_posts_become_one_mention_per_brand_with_the_at_uri_as_id() -> None:
    found = verdicts()
    records = mention_records(found[11].event or {}, found[11].hits)
    assert [record["brand"] for record in records] == ["Żabka", "Orlen"]
    assert {record["id"] for record in records} == {
        "at://did:plc:4llrhdclvdlmmynkwsmg5tdc/app.bsky.feed.post/3lbx011k2pq7s"
    }
    reply = mention_records(found[20].event or {}, found[20].hits)[0]
    assert reply["reply_to"] == "at://did:plc:u3k7w2yq5xbqz4m7hdd6c2ra/app.bsky.feed.post/3lbx001k2pq7s"
    assert reply["lang"] == "en" and reply["source"] == "bluesky"
    assert reply["url"] == "https://bsky.app/profile/did:plc:q6gjnaw2blty4crticxkmujt/post/3lbx020k2pq7s"
    try:
        mention_records(found[17].event or {}, found[17].hits)
    except KeyError as error:
        assert error.args == ("createdAt",)
    else:
        raise AssertionError("a post without createdAt must not become a mention")


def test_a_workspace_without_matching_brands_keeps_nothing() -> None:
    jetstream = sample_filter([BrandConfig(name="Contoso", keywords=["contoso"])])
    with SAMPLE.open(encoding="utf-8") as handle:
        assert not any(jetstream.decide(text).hits for _, text in read_events(handle))


def test_batch_stores_kept_posts_soon_and_moves_the_cursor_every_n_events() -> None:
    batch = Batch(checkpoint_events=3, cursor={"time_us": 5})
    batch.add(Verdict(10), [], now=0.0)
    assert not batch.due(0.0)
    record = RawRecord(1, "{}", {"created_at": "2025-11-24T17:00:01Z"})
    batch.add(Verdict(20), [record], now=0.1)
    assert not batch.due(0.2) and batch.due(0.1 + FLUSH_SECONDS)
    page = batch.take()
    assert page.records == [record] and page.cursor == {"time_us": 20} and page.newest is not None
    for time_us in (30, 25, 40):  # never backwards, even if an event is older
        batch.add(Verdict(time_us), [], now=1.0)
    assert batch.due(1.0) and batch.take().cursor == {"time_us": 40}
    batch.add(Verdict(None, error="not JSON"), [], now=2.0)
    assert batch.cursor == {"time_us": 40}  # an unreadable event does not move it


def test_the_documented_firehose_table_loads() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "connectors.md").read_text(encoding="utf-8")
    block = docs.split("```toml\n[sources.firehose]\n", 1)[1].split("```", 1)[0]
    config = WorkspaceConfig.model_validate(tomllib.loads("[sources.firehose]\n" + block))
    assert config.sources.firehose is not None and config.sources.firehose.enabled
    assert config.sources.firehose.url.startswith("wss://jetstream")


def test_a_recorded_stream_through_the_command_is_stored_once(tmp_path: Path) -> None:
    config = tmp_path / "workspace.toml"
    config.write_text(
        '[[brands]]\nname = "Northwind Air"\nkeywords = ["northwind", "@northwindair"]\n'
        'own_handles = ["northwindair.bsky.social"]\n'
        '[[brands]]\nname = "Żabka"\nkeywords = ["żab*", "Żabka Polska"]\n'
        '[[brands]]\nname = "Orlen"\nkeywords = ["PKN Orlen"]\n',
        encoding="utf-8",
    )
    common = [str(SAMPLE), "--config", str(config), "--database", f"sqlite:///{tmp_path / 'f.db'}"]
    first = CliRunner().invoke(app, ["sources", "firehose", *common])
    again = CliRunner().invoke(app, ["sources", "firehose", *common])
    assert first.exit_code == 0 and again.exit_code == 0, first.output
    # 7 posts, one of them (line 11) for two brands; 6 malformed lines
    assert "28 events, 7 posts naming a brand; read 14, stored 8 new" in first.output
    assert "stored 0 new, skipped 8 already stored, quarantined 6" in again.output
    assert f"quarantined {SAMPLE}:10: bluesky firehose: unreadable event (line 10): not JSON" in first.output
