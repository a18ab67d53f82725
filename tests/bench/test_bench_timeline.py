"""Timeline generator: reproducible, held-out texts only, stated rate multiples; the demo stream."""

from __future__ import annotations

import gzip
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.detection.timeline import (
    DEFAULT_SHARED_DATA,
    BrandSpec,
    EventSpec,
    TextPool,
    WorldSpec,
    expected_rate,
    generate,
    is_held_out,
    labels_of,
    plan_world,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "stormwatch" / "demo"
needs_data = pytest.mark.skipif(not DEFAULT_SHARED_DATA.exists(), reason="../shared/data not available")
START = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def pool() -> TextPool:
    return TextPool.load(DEFAULT_SHARED_DATA)


def small_world(seed: int = 5) -> WorldSpec:
    big = BrandSpec(
        name="Big", handle="bigco", languages={"en": 0.8, "de": 0.2}, base_per_day=2000.0, airline_share=0.5
    )
    pl = BrandSpec(name="Mala", handle="mala_pl", languages={"pl": 1.0}, base_per_day=80.0, tz_offset_h=1.0)
    fire = EventSpec(
        brand="Big",
        kind="firestorm",
        onset=START + timedelta(days=1, hours=14),
        multiple=10.0,
        ramp_min=15,
        plateau_min=180,
        decay_min=60,
        lang="en",
        cause="customer_service",
        dup_share=0.4,
        n_high_reach=2,
    )
    praise = EventSpec(
        brand="Mala",
        kind="praise",
        onset=START + timedelta(days=1, hours=10),
        multiple=6.0,
        ramp_min=10,
        plateau_min=90,
        decay_min=30,
        lang="pl",
    )
    return WorldSpec(seed=seed, start=START, days=2, brands=[big, pl], events=[fire, praise])


@needs_data
def test_fixed_seed_same_output(pool: TextPool) -> None:
    a = [m.to_json() for m in generate(small_world(), pool)]
    b = [m.to_json() for m in generate(small_world(), pool)]
    c = [m.to_json() for m in generate(small_world(seed=6), pool)]
    assert a == b
    assert a != c
    assert plan_world(3, n_brands=4, weeks=2) == plan_world(3, n_brands=4, weeks=2)


@needs_data
def test_only_held_out_texts(pool: TextPool) -> None:
    assert all(
        is_held_out({"dataset": r.ref.split(":", 1)[0], "id": r.ref.split(":", 1)[1]}) for r in pool.records
    )
    mentions = generate(small_world(), pool)
    refs = {m.ref for m in mentions}
    assert refs <= {r.ref for r in pool.records}
    # independently: every referenced record exists in the data and is held out
    seen = 0
    for path in DEFAULT_SHARED_DATA.glob("*.jsonl"):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if f"{rec['dataset']}:{rec['id']}" in refs:
                    assert is_held_out(rec)
                    seen += 1
    assert seen >= len(refs)


@needs_data
def test_stream_shape(pool: TextPool) -> None:
    world = small_world()
    mentions = generate(world, pool)
    rows = [m.to_json() for m in mentions]
    assert len({r["id"] for r in rows}) == len(rows)
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    ids = {r["id"]: r["created_at"] for r in rows}
    for r in rows:
        assert {"id", "source", "created_at", "text", "author", "brand", "lang", "url"} <= set(r)
        assert isinstance(r["author_followers"], int)
        assert "2026-03-02T00:00:00Z" <= r["created_at"] < "2026-03-04T00:00:00Z"
        if "reply_to" in r:
            assert ids[r["reply_to"]] <= r["created_at"]
    assert any(r["author"] == "bigco" and "reply_to" in r for r in rows)
    assert sum(r["author_followers"] >= 100_000 for r in rows if r["brand"] == "Big") >= 2


@needs_data
def test_firestorm_plateau_has_stated_multiple(pool: TextPool) -> None:
    world = small_world()
    mentions = generate(world, pool)
    fire = world.events[0]
    exp = expected_rate(world.brands[0], world.start, world.days * 1440)
    a = int((fire.peak_at - world.start).total_seconds() // 60)
    b = int((fire.plateau_end - world.start).total_seconds() // 60)
    observed = sum(
        1 for m in mentions if m.brand == "Big" and fire.peak_at <= m.created_at < fire.plateau_end
    )
    ratio = observed / float(exp[a:b].sum())
    assert 0.85 * fire.multiple < ratio < 1.15 * fire.multiple
    # and the hour before onset is at the usual rate
    a0 = a - int(fire.ramp_min) - 60
    before = sum(
        1
        for m in mentions
        if m.brand == "Big" and world.start + timedelta(minutes=a0) <= m.created_at < fire.onset
    )
    assert before / float(exp[a0 : a - int(fire.ramp_min)].sum()) < 2.0
    lab = labels_of(world, mentions)["events"][0]
    assert lab["n_mentions"] > 0.8 * (fire.multiple - 1) * float(exp[a:b].sum())
    neg = [m for m in mentions if m.origin == "event:0" and m.kind == "neg"]
    assert len(neg) > 0.6 * lab["n_mentions"]


@needs_data
def test_planned_world_rate_multiples_over_many_events(pool: TextPool) -> None:
    world = plan_world(11, n_brands=3, weeks=2)
    kinds = {e.kind for e in world.events}
    assert "firestorm" in kinds
    for ev in world.events:
        assert ev.onset >= world.scored_start - timedelta(hours=12) or ev.kind == "bump"
        assert ev.end < world.end
        if ev.kind == "firestorm":
            assert 3.0 <= ev.multiple <= 40.0


def test_expected_rate_rhythm() -> None:
    br = BrandSpec(name="X", handle="x", languages={"en": 1.0}, base_per_day=1440.0, weekend_factor=0.6)
    exp = expected_rate(br, START, 7 * 1440)
    assert float(exp.sum()) == pytest.approx(7 * 1440.0, rel=1e-3)
    day = exp[:1440]
    assert day[3 * 60] < 0.2 * day[13 * 60]  # night trough vs daytime
    assert exp[5 * 1440 : 7 * 1440].sum() < exp[:1440].sum() * 2 * 0.7  # weekend quieter


def test_demo_stream_committed() -> None:
    path = DEMO / "sample_stream.jsonl.gz"
    assert path.stat().st_size < 1_000_000
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert 2000 < len(rows) < 20_000  # a week of history, then the 3 replayed days
    assert len({r["id"] for r in rows}) == len(rows)
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    assert {r["brand"] for r in rows} == {"Northwind Air", "Polana"}
    assert all(r.get("lang") for r in rows)
    labels = json.loads((DEMO / "sample_stream.labels.json").read_text())
    kinds = {(e["brand"], e["kind"]) for e in labels["events"]}
    assert kinds == {("Northwind Air", "firestorm"), ("Polana", "praise")}
    fire = next(e for e in labels["events"] if e["kind"] == "firestorm")
    # within ~20 min of onset the rate is >= 6x the same hour of the previous day
    t = datetime.fromisoformat(fire["peak_at"].replace("Z", "+00:00"))

    def count(a: datetime, b: datetime) -> int:
        lo, hi = a.strftime("%Y-%m-%dT%H:%M:%SZ"), b.strftime("%Y-%m-%dT%H:%M:%SZ")
        # the customers' posts (the brand's own replies fall during the storm: that is its story)
        return sum(
            1
            for r in rows
            if r["brand"] == "Northwind Air" and r["author"] != "northwindair" and lo <= r["created_at"] < hi
        )

    now = count(t, t + timedelta(hours=2))
    usual = count(t - timedelta(days=1), t - timedelta(days=1) + timedelta(hours=2))
    assert now >= 6 * usual
    assert "@united" not in " ".join(r["text"] for r in rows).lower()
    assert (DEMO / "workspace.toml").exists()


@needs_data
def test_demo_stream_is_reproducible(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_demo_stream
    finally:
        sys.path.pop(0)
    assert build_demo_stream.main(["--out-dir", str(tmp_path)]) == 0
    for name in ("sample_stream.jsonl.gz", "sample_stream.labels.json", "workspace.toml"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name
