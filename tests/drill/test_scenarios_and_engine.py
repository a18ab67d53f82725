"""Scenario files, the drill clock and the pure engine: validation with file:line, branches on
actions and on inactions, waves that grow or calm down, injects fired by hand, skipping ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stormwatch.drill import checks, engine, loader
from stormwatch.drill.clock import DrillClock
from stormwatch.drill.loader import ScenarioError

SCENARIOS, PROBLEMS = loader.load_all()
T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_six_bundled_scenarios_one_per_cause_plus_mixed_two_in_polish() -> None:
    assert PROBLEMS == []
    causes = sorted(s.scenario.cause for s in SCENARIOS.values())
    assert causes == sorted(
        [
            "communication_error",
            "negative_review",
            "controversial_action",
            "account_compromise",
            "customer_service",
            "mixed",
        ]
    )
    assert sum("pl" in s.scenario.languages for s in SCENARIOS.values()) >= 2
    for loaded in SCENARIOS.values():
        sources = {p.source for i in loaded.scenario.injects for p in i.posts}
        authors = {p.author for i in loaded.scenario.injects for p in i.posts}
        assert len(authors) >= 6, loaded.scenario.name  # many voices, not one template
        assert any(b.when.startswith("no_") for b in loaded.scenario.branches), "an inaction branch"
        assert sources, loaded.scenario.name


def test_errors_name_file_and_line(tmp_path: Path) -> None:
    good = (loader.BUNDLED_DIR / "customer_service_cancellations.yaml").read_text(encoding="utf-8")
    broken = good.replace(
        "    when: no_holding_statement\n    within: 30m\n", "    when: no_holding_statement\n", 1
    )
    broken = broken.replace("at: 30m\n    lang: en", "at: soon\n    lang: en", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        loader.load_scenario_file(path)
    lines = broken.splitlines()
    messages = [str(p) for p in caught.value.problems]
    at_line = next(i for i, line in enumerate(lines, 1) if "at: soon" in line)
    assert any(m.startswith(f"{path}:{at_line}: ") and "not a duration" in m for m in messages), messages
    assert any("is an inaction: say within how long" in m for m in messages), messages


def test_the_clock_pauses_resumes_and_skips_and_maps_past_wall_times() -> None:
    clock = DrillClock.start(T0, speed=10)
    assert clock.position(T0 + timedelta(minutes=1)) == timedelta(minutes=10)
    clock.pause(T0 + timedelta(minutes=2))
    assert clock.position(T0 + timedelta(minutes=5)) == timedelta(minutes=20)
    clock.skip(T0 + timedelta(minutes=5), timedelta(minutes=15))
    clock.resume(T0 + timedelta(minutes=6))
    assert clock.position(T0 + timedelta(minutes=7)) == timedelta(minutes=45)
    assert clock.position(T0 + timedelta(minutes=1)) == timedelta(minutes=10)  # history kept
    assert DrillClock.from_json(clock.to_json()) == clock


CS = SCENARIOS["customer_service_cancellations"].scenario


def _count(plan: engine.Plan, inject: str) -> int:
    return sum(p.inject == inject for p in plan.posts)


def test_silence_fires_the_news_story_and_doubles_the_later_wave() -> None:
    end = CS.duration
    quiet = engine.plan(CS, end, [])
    assert [f.branch for f in quiet.fired] == ["silence_story"]
    assert quiet.fired[0].at == timedelta(minutes=30)
    assert _count(quiet, "news_silence") == 1
    assert _count(quiet, "second_wave") == 100  # 50 doubled
    # The same silence, but a good statement at minute 20: no story, the later wave calms down.
    answered = engine.plan(
        CS,
        end,
        [
            engine.Action("holding_statement", timedelta(minutes=20)),
            engine.Action("public_reply_ok", timedelta(minutes=20)),
        ],
    )
    assert [f.branch for f in answered.fired] == ["calm_after_statement"]
    assert _count(answered, "news_silence") == 0 and _count(answered, "second_wave") == 20


def test_a_reply_that_blames_the_customer_starts_a_fresh_wave_timed_from_it() -> None:
    at = timedelta(minutes=20)
    reply = [engine.Action("holding_statement", at), engine.Action("reply_blames_customer", at)]
    plan = engine.plan(CS, CS.duration, reply)
    assert [f.branch for f in plan.fired] == ["blame_backlash"]
    blame = [p for p in plan.posts if p.inject == "blame_wave"]
    assert len(blame) == 40 and min(p.at for p in blame) == at + timedelta(minutes=3)
    before = engine.plan(CS, at, reply)
    assert not any(p.inject == "blame_wave" for p in before.posts)  # not before it is due


def test_posts_keep_their_times_when_skipping_and_a_hand_fired_inject_comes_now() -> None:
    plan = engine.plan(CS, timedelta(minutes=40), [])
    assert all(p.at <= timedelta(minutes=40) for p in plan.posts)
    assert engine.plan(CS, timedelta(minutes=40), []).posts == plan.posts  # the same, asked again
    fired = engine.plan(
        CS, timedelta(minutes=10), [engine.Action("manual_inject", timedelta(minutes=8), "influencer_video")]
    )
    (video,) = [p for p in fired.posts if p.inject == "influencer_video"]
    assert video.at == timedelta(minutes=8) and video.post.followers == 312000


def test_echoes_are_other_people_sharing_the_written_posts() -> None:
    wave = engine.expand(CS.inject("first_cancellations"), timedelta(0))
    written = {p.author for p in CS.inject("first_cancellations").posts}
    echoes = wave[len(written) :]
    assert len({p.post.author for p in echoes}) > 30
    assert all(p.post.author not in written for p in echoes)
    assert all(p.post.text.startswith("RT @") or p.post.source not in ("twitter", "x") for p in echoes)


def test_checks_explain_why_a_text_fails() -> None:
    good = "We're so sorry for today's cancellations. Rebooking is free at northwind.example/help."
    results = {r.name: r for r in checks.check_text(good, "en", CS)}
    assert all(r.passed for r in results.values()), [r.explanation for r in results.values()]
    bad = (
        "As stated in our terms, you should have checked the app. We guarantee it will never happen again. "
        * 3
    )
    results = {r.name: r for r in checks.check_text(bad, "en", CS)}
    assert not results["no_blame"].passed and "blame" in results["no_blame"].explanation
    assert not results["apology"].passed
    assert not results["no_forbidden_promise"].passed
    assert not results["length"].passed and "280" in results["length"].explanation
    polish = {r.name: r for r in checks.check_text("Przepraszamy, pracujemy nad tym.", "pl", CS)}
    assert not polish["language"].passed and "en" in polish["language"].explanation
