"""Fast tuning loop: analyse tune worlds once, then replay detection + crises in process.

    uv run python -m bench.detection.tune [--seed 1101 ...] [--cache /tmp/stormwatch-tune] [--jobs 2]

The fast-tier language analysis dominates ``stormwatch detect``; it does not change while detectors
are tuned. This tool generates each world once, enriches it once (``MentionAnalyzer``, as the CLI
does) and caches the enriched stream; each later run replays only the detectors and the crisis
manager (the same loop as ``Pipeline.process``), scores the alerts with ``score.py`` and lists which
signal opened every false alarm and praise crisis and which signal first caught each firestorm.

Use it on **tune** seeds only (the default is the ``tune`` set): given a test seed it would print
exactly the diagnostics that must not be looked at while tuning.  The published figure is
``run.py --seeds test``.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import multiprocessing
import pickle
import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from bench.detection.run import SEED_SETS
from bench.detection.score import BIG_MULTIPLE, COOLDOWN, PRAISE_AFTER, PRE_ONSET, Alert, Score, score_world
from bench.detection.timeline import (
    DEFAULT_SHARED_DATA,
    TextPool,
    generate,
    labels_of,
    parse_iso,
    plan_world,
    workspace_toml,
    write_stream,
)
from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import EnrichedMention, MentionAnalyzer
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection import detectors, stories, surges, unanswered
from stormwatch.detection.cli import _mentions
from stormwatch.pipeline import BATCH_SIZE, Pipeline
from stormwatch.workspace.config import WorkspaceConfig, load_config

DEFAULT_CACHE = Path("/tmp/stormwatch-tune")
ALERTING = ("opened", "escalated", "reopened")  # the update kinds `stormwatch detect` prints


def cached_world(seed: int, cache: Path) -> tuple[list[EnrichedMention], dict[str, Any], WorkspaceConfig]:
    d = cache / f"seed{seed}"
    blob = d / "enriched.pickle"
    if not blob.exists():
        from stormwatch.analysis.text_analyzer import TextAnalyzer

        d.mkdir(parents=True, exist_ok=True)
        world = plan_world(seed)
        mentions = generate(world, TextPool.load(DEFAULT_SHARED_DATA))
        stream = d / "stream.jsonl"
        write_stream(mentions, stream)
        (d / "workspace.toml").write_text(workspace_toml(f"Benchmark seed {seed}", world.brands))
        (d / "labels.json").write_text(json.dumps(labels_of(world, mentions), ensure_ascii=False))
        analyzer = MentionAnalyzer(TextAnalyzer.load(deep=False))
        with stream.open(encoding="utf-8") as source:
            iterator = _mentions(source)
            enriched: list[EnrichedMention] = []
            while batch := list(islice(iterator, BATCH_SIZE)):
                enriched.extend(analyzer.enrich(batch))
        blob.write_bytes(pickle.dumps(enriched, protocol=pickle.HIGHEST_PROTOCOL))
    labels = json.loads((d / "labels.json").read_text())
    return pickle.loads(blob.read_bytes()), labels, load_config(d / "workspace.toml")


class _CachedAnalysis:
    """The judge of a replay whose mentions were analysed before (never asked)."""

    def judge(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[TextJudgement]:
        raise AssertionError("the tune replay takes mentions already enriched")


_NO_JUDGE = _CachedAnalysis()


def replay(enriched: Sequence[EnrichedMention], workspace: WorkspaceConfig) -> list[CrisisUpdate]:
    # The product's own loop (Pipeline.act_on), without the analysis already cached.
    pipeline = Pipeline(_NO_JUDGE, workspace.brand)
    return pipeline.act_on(enriched).updates


def signal_tag(update: CrisisUpdate) -> str:
    s = update.signal
    if s is None:
        return "?"
    window = int(s.window.total_seconds() // 60)
    return f"{s.kind}/{window}m"


def diagnose(seed: int, labels: dict[str, Any], updates: list[CrisisUpdate], verbose: bool) -> Counter[str]:
    """Tags of what opened false alarms / praise crises, and what first caught firestorms."""
    tags: Counter[str] = Counter()
    scored_start, end = parse_iso(labels["scored_start"]), parse_iso(labels["end"])
    events = labels["events"]
    opened = [u for u in updates if u.kind == "opened" and scored_start <= u.at < end]
    for u in opened:
        evs = [e for e in events if e["brand"] == u.brand]
        if any(_within(u, e, COOLDOWN) for e in evs if e["kind"] == "firestorm"):
            continue
        praise = any(_within(u, e, PRAISE_AFTER) for e in evs if e["kind"] == "praise")
        tag = ("PRAISE " if praise else "FA ") + signal_tag(u)
        tags[tag] += 1
        if verbose:
            print(f"  {seed} {tag} {u.brand} {u.at:%m-%d %H:%M} sev{u.severity} {u.reason[:260]}")
    for e in events:
        if e["kind"] != "firestorm" or float(e["multiple"]) < BIG_MULTIPLE:
            continue
        hit = next(
            (
                u
                for u in updates
                if u.kind in ALERTING and u.brand == e["brand"] and _within(u, e, timedelta())
            ),
            None,
        )
        tags["FIRST " + (signal_tag(hit) if hit else "MISSED")] += 1
        if verbose and hit is None:
            print(f"  {seed} MISSED {e['brand']} {e['onset']} x{float(e['multiple']):.1f} {e.get('cause')}")
    return tags


def _within(u: CrisisUpdate, e: dict[str, Any], after: timedelta) -> bool:
    return parse_iso(e["onset"]) - PRE_ONSET <= u.at <= parse_iso(e["end"]) + after


RULES = {
    "SurgeRule": (surges, "SurgeDetector"),
    "StoryRule": (stories, "StoryDetector"),
    "UnansweredRule": (unanswered, "UnansweredDetector"),
}


def override_rules(assignments: Sequence[str]) -> None:
    """Patch the detectors that ``detectors_for`` builds so they use the overridden rules."""
    fields: dict[str, dict[str, Any]] = {}
    for assignment in assignments:
        name, value = assignment.split("=", 1)
        cls, field = name.split(".", 1)
        fields.setdefault(cls, {})[field] = ast.literal_eval(value)
    for cls, values in fields.items():
        module, detector = RULES[cls]
        rule = getattr(module, cls)(**values)
        setattr(detectors, detector, functools.partial(getattr(module, detector), rule=rule))


def score_updates(labels: dict[str, Any], updates: Sequence[CrisisUpdate]) -> Score:
    """Score a replay's crisis openings and escalations as ``run.py`` scores the CLI's output lines."""
    return score_world(labels, [Alert.from_json(u.as_json()) for u in updates if u.kind in ALERTING])


def replay_seed(seed: int, cache: Path, verbose: bool) -> tuple[Score, Counter[str], str]:
    """Replay one cached world: its score, its diagnostic tags and its one-line summary."""
    enriched, labels, workspace = cached_world(seed, cache)
    updates = replay(enriched, workspace)
    sc = score_updates(labels, updates)
    s = sc.summary()
    line = (
        f"seed {seed}: recall4x {s['recall_4x']:.3f} median {s['median_delay_min']:.1f} "
        f"FA {s['false_alarms']} ({s['false_alarms_per_brand_week']:.3f}) "
        f"praise {s['praise_spikes_alerted']}/{s['praise_spikes']}"
    )
    return sc, diagnose(seed, labels, updates, verbose), line


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, action="append", help="seed(s); default: the tune set")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every false alarm and miss")
    ap.add_argument("--jobs", type=int, default=1, help="worlds replayed in parallel (processes)")
    ap.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="CLASS.FIELD=VALUE",
        help="override a rule default for this run, e.g. SurgeRule.min_z=5 or StoryRule.min_copy_authors=5",
    )
    args = ap.parse_args(argv)
    override_rules(args.rule)
    seeds = args.seed or SEED_SETS["tune"]
    work = functools.partial(replay_seed, cache=args.cache, verbose=args.verbose)
    if args.jobs > 1:
        # Workers are forked after the overrides are applied, so they replay the same rules.
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(work, seeds, chunksize=1)
    else:
        results = list(map(work, seeds))
    total, tags = Score(), Counter[str]()
    for sc, seed_tags, line in results:
        total.add(sc)
        tags += seed_tags
        print(line)
    s = total.summary()
    delays = Score.delays([f for f in total.firestorms if f.multiple >= BIG_MULTIPLE])
    print(
        f"ALL: recall4x {s['recall_4x']:.3f} ({s['firestorms_4x']}) median {s['median_delay_min']:.1f} "
        f"p90 {s['p90_delay_min']:.0f} mean {statistics.mean(delays):.1f} "
        f"FA {s['false_alarms']} ({s['false_alarms_per_brand_week']:.3f}) bumps {s['bump_alarms']} "
        f"praise {s['praise_spikes_alerted']}/{s['praise_spikes']} crises {s['praise_crises']}"
    )
    for tag, n in sorted(tags.items()):
        print(f"  {tag}: {n}")


if __name__ == "__main__":
    main()
