from datetime import UTC, datetime, timedelta

from stormwatch.crisis.waves import SignalSeen, stories_of, waves_of

T0 = datetime(2017, 4, 10, 22, 0, tzinfo=UTC)


def _seen(hours: float, story: str | None, terms: tuple[str, ...] = (), people: int = 10) -> SignalSeen:
    return SignalSeen(
        T0 + timedelta(hours=hours), "story" if story else "negative_surge", story, terms, people
    )


def test_a_matter_s_stories_and_waves_are_read_back_from_its_signals() -> None:
    """The dragging storm, a quiet night, the next day's apology story, then satire days later: three
    waves, three stories, each wave with the highest severity announced during it."""
    signals = [
        _seen(0.2, "terms:dragged", ("dragged", "passenger"), 53),
        _seen(0.3, None, people=125),
        _seen(0.5, "terms:dragged", ("dragged", "passenger"), 461),
        _seen(20.0, "terms:apology", ("ceo", "apology"), 80),
        _seen(21.5, None, people=200),
        _seen(134.0, "terms:snl", ("snl", "sketch"), 207),
    ]
    severities = [
        (T0 + timedelta(hours=0.2), 3),
        (T0 + timedelta(hours=0.5), 4),
        (T0 + timedelta(hours=20), 2),
    ]
    waves = waves_of(signals, severities)
    assert [(w.number, w.signals, w.severity, w.people) for w in waves] == [
        (1, 3, 4, 461),
        (2, 2, 2, 200),
        (3, 1, 0, 207),
    ]
    assert waves[1].stories == ["ceo, apology"] and waves[0].stories == ["dragged, passenger"]
    stories = stories_of(signals)
    assert [(s.key, s.signals, s.people) for s in stories] == [
        ("terms:dragged", 2, 461),
        ("terms:apology", 1, 80),
        ("terms:snl", 1, 207),
    ]
