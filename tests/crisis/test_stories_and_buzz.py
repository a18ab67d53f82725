from datetime import UTC, datetime, timedelta

from stormwatch.analysis.models import Cause
from stormwatch.crisis.manager import CrisisManager
from stormwatch.detection.service import DetectionEngine
from stormwatch.detection.signal import Example, Signal
from stormwatch.workspace.config import BrandConfig

from ..detection.streams import START, burst, in_time_order, steady

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _signal(
    minutes: int, kind: str, cause: Cause | None, story: str | None = None, terms: tuple[str, ...] = ()
) -> Signal:
    return Signal(
        brand="Acme",
        kind=kind,
        at=T0 + timedelta(minutes=minutes),
        observed=12,
        expected=2.0 if kind.endswith("surge") else 0.0,
        window=timedelta(minutes=30),
        cause=cause,
        reach=1000,
        example_ids=("a",),
        summary=f"{kind} seen.",
        story=story,
        terms=terms,
        examples=(Example("a", "critic", 1000, "acme lost my bag"),),
    )


def test_one_crisis_per_brand_and_story() -> None:
    manager = CrisisManager()
    opened = manager.on_signal(_signal(0, "negative_surge", "customer_service"))
    assert opened is not None and opened.kind == "opened"
    assert "Read first: @critic (1,000 followers): “acme lost my bag”" in opened.reason
    # the copy-paste story of the same storm joins it
    assert manager.on_signal(_signal(5, "story", "customer_service", "copies:x", ("bag", "lost"))) is None
    assert len(manager.crises) == 1
    # a hijacked account at the same time is another matter: its own crisis, severity ≥ 3
    hijack = manager.on_signal(_signal(7, "account_takeover", "account_compromise", "takeover:acme"))
    assert hijack is not None and hijack.kind == "opened" and hijack.severity >= 3
    assert hijack.crisis_key != opened.crisis_key and len(manager.crises) == 2
    # a later surge without a story joins the crisis of its cause
    manager.on_signal(_signal(9, "negative_surge", "customer_service"))
    assert manager.last_joined == opened.crisis_key


def test_a_praise_spike_is_buzz_not_a_crisis() -> None:
    engine = DetectionEngine(lambda name: BrandConfig(name=name, own_handles=["acme"]))
    manager = CrisisManager()
    history = list(steady(hours=72, per_hour=20))
    praise = burst(
        START + timedelta(hours=72), minutes=45, count=400, sentiment="positive", first_number=10**6
    )
    for mention in in_time_order(history, praise):
        for signal in engine.observe(mention):
            manager.on_signal(signal)
    assert manager.crises == {}
