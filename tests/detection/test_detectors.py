from dataclasses import replace
from datetime import timedelta

from stormwatch.detection.baseline import HourlyBaseline, binomial_tail, negative_binomial_tail, poisson_tail
from stormwatch.detection.detectors import NegativeSurgeDetector, TriggerTermDetector
from stormwatch.detection.signal import Signal
from stormwatch.detection.surges import SurgeDetector

from .streams import START, burst, in_time_order, mention, steady


def _run(detector: NegativeSurgeDetector | TriggerTermDetector, stream: list) -> list[Signal]:  # type: ignore[type-arg]
    return [signal for item in stream for signal in detector.observe(item)]


def test_poisson_tail() -> None:
    assert poisson_tail(2, 5.0) == 1.0
    assert 0.0008 < poisson_tail(12, 4.0) < 0.0012  # P(X >= 12 | 4) = 0.00093
    assert poisson_tail(60, 5.0) < 1e-30


def test_negative_binomial_tail() -> None:
    assert negative_binomial_tail(3, 4.0, 0.5) == 1.0
    # dispersion 0.5 is shape 2: P(X = k) = (k + 1) (1/3)^2 (2/3)^k for mean 4
    exact = sum((k + 1) / 9 * (2 / 3) ** k for k in range(12, 2000))
    assert abs(negative_binomial_tail(12, 4.0, 0.5) - exact) < 1e-12
    # no extra noise is a Poisson count; extra noise makes the same jump less surprising
    assert abs(negative_binomial_tail(12, 4.0, 1e-12) - poisson_tail(12, 4.0)) < 1e-15
    assert negative_binomial_tail(12, 4.0, 0.05) > poisson_tail(12, 4.0)


def test_the_count_tail_level_follows_the_brands_volume() -> None:
    """Every negative post runs the tests, so a busy brand's level is stricter: the expected chance
    passes per week stay the same for every brand (until the cap for the quietest)."""

    def level_after(per_hour: int) -> tuple[float, float]:
        detector = SurgeDetector("Acme")
        _run(detector, list(steady(hours=72, per_hour=per_hour, negative_share=0.25)))
        weekly_negatives = 7 * detector.negatives.usual_per_day
        assert abs(weekly_negatives - 7 * 24 * per_hour * 0.25) < 0.25 * weekly_negatives
        return detector._count_tail_level(), weekly_negatives

    busy, busy_negatives = level_after(per_hour=100)
    quiet, quiet_negatives = level_after(per_hour=4)
    rule = SurgeDetector("Acme").rule
    assert busy < quiet <= rule.max_count_tail
    assert abs(busy * busy_negatives - rule.chance_passes_per_week) < 1e-12
    assert abs(quiet * quiet_negatives - rule.chance_passes_per_week) < 1e-12


def test_binomial_tail() -> None:
    assert binomial_tail(0, 5, 0.3) == 1.0
    assert abs(binomial_tail(5, 5, 0.3) - 0.3**5) < 1e-12
    assert abs(binomial_tail(7, 9, 0.35) - 0.0111822) < 1e-6  # sum of C(9, k) .35^k .65^(9-k), k >= 7


def test_baseline_learns_the_daily_rhythm() -> None:
    baseline = HourlyBaseline()
    for day in range(5):
        for hour in range(24):
            busy = 9 <= hour < 18
            for minute in range(30 if busy else 3):
                baseline.add(START + timedelta(days=day, hours=hour, minutes=minute))
    day_rate = baseline.expected_per_hour(START + timedelta(days=5, hours=12))
    night_rate = baseline.expected_per_hour(START + timedelta(days=5, hours=3))
    assert 25 < day_rate < 35
    assert 2 < night_rate < 4


def test_a_negative_surge_is_detected_within_minutes() -> None:
    history = list(steady(hours=48, per_hour=20))
    onset = START + timedelta(hours=48, minutes=5)
    storm = burst(
        onset, minutes=60, count=120, sentiment="negative", first_number=10_000, cause="customer_service"
    )
    signals = _run(NegativeSurgeDetector("Acme"), in_time_order(history, storm))
    assert signals, "the surge was missed"
    first = signals[0]
    assert first.at - onset <= timedelta(minutes=10)
    assert first.cause == "customer_service"
    assert first.ratio >= 3
    assert "Negative mentions of Acme rose to" in first.summary
    assert first.example_ids[0] in {m.mention.external_id for m in storm}


def test_a_praise_spike_raises_nothing() -> None:
    history = list(steady(hours=48, per_hour=20))
    praise = burst(
        START + timedelta(hours=48), minutes=60, count=200, sentiment="positive", first_number=10_000
    )
    # A few misjudged posts in the spike: praise read as negative must still not look like a crisis.
    misread = [
        mention(p.mention.created_at, "negative", number=20_000 + i) for i, p in enumerate(praise[::8])
    ]
    assert _run(NegativeSurgeDetector("Acme"), in_time_order(history, praise, misread)) == []


def _faint(posts: list, score: float) -> list:  # type: ignore[type-arg]
    """The same posts read with little confidence (the fast tier's typical misreads)."""
    return [replace(p, judgement=replace(p.judgement, sentiment_score=score)) for p in posts]


def test_a_praise_spike_mostly_misread_as_negative_raises_nothing() -> None:
    history = list(steady(hours=48, per_hour=20))
    onset = START + timedelta(hours=48)
    praise = burst(onset, minutes=60, count=24, sentiment="positive", first_number=10_000)
    # More of the spike read (faintly) as negative than as positive: still buzz, not a crisis.
    misread = _faint(burst(onset, minutes=60, count=30, sentiment="negative", first_number=20_000), -0.1)
    assert _run(NegativeSurgeDetector("Acme"), in_time_order(history, praise, misread)) == []


def test_a_praise_spike_read_only_as_faint_criticism_raises_nothing() -> None:
    """The fast tier can read a whole praise spike as (faintly) negative, with no positives left for
    the praise guard to see; a firestorm's posts read clearly negative. A surge of faint negatives is
    a misread, the same surge read clearly is a storm."""
    history = list(steady(hours=48, per_hour=20))
    onset = START + timedelta(hours=48)
    spike = burst(onset, minutes=10, count=20, sentiment="negative", first_number=10_000)
    assert _run(NegativeSurgeDetector("Acme"), in_time_order(history, _faint(spike, -0.15))) == []
    assert _run(NegativeSurgeDetector("Acme"), in_time_order(history, spike))


def test_a_storm_with_faint_misread_praise_is_still_detected() -> None:
    history = list(steady(hours=48, per_hour=20))
    onset = START + timedelta(hours=48)
    storm = burst(onset, minutes=60, count=60, sentiment="negative", first_number=10_000)
    misread = _faint(burst(onset, minutes=60, count=15, sentiment="positive", first_number=20_000), 0.2)
    assert _run(NegativeSurgeDetector("Acme"), in_time_order(history, storm, misread))


def test_two_clear_positives_in_a_storm_do_not_make_it_praise() -> None:
    """A storm's first ten minutes: a dozen clear complaints, a few posts misread as faint praise
    and two clearly positive ones (an ordinary window holds a post or two of clear praise). The
    "half misread praise" rule needs three clearly positive posts before it calls a negative surge
    buzz: conviction already drops praise misread as faint criticism."""
    history = [
        replace(m, judgement=replace(m.judgement, sentiment_score=0.3))
        if m.judgement.sentiment == "positive"
        else m
        for m in steady(hours=48, per_hour=20)
    ]
    onset = START + timedelta(hours=48)
    storm = burst(onset, minutes=10, count=12, sentiment="negative", first_number=10_000)
    faint = _faint(burst(onset, minutes=10, count=6, sentiment="positive", first_number=20_000), 0.2)
    clear = burst(onset + timedelta(minutes=3), minutes=5, count=2, sentiment="positive", first_number=30_000)
    signals = _run(NegativeSurgeDetector("Acme"), in_time_order(history, storm, faint, clear))
    assert signals and signals[0].at - onset <= timedelta(minutes=10)


def test_ordinary_days_raise_nothing() -> None:
    assert (
        _run(NegativeSurgeDetector("Acme"), in_time_order(list(steady(hours=24 * 7, per_hour=20, seed=7))))
        == []
    )


def test_trigger_terms_match_case_and_diacritics_insensitively() -> None:
    detector = TriggerTermDetector("Polana", ["wyciek danych", "bojkot"], min_mentions=3)
    texts = ["WYCIEK DANYCH klientów!", "to jest wyciek danych", "Bojkot Polany", "zwykły post"]
    stream = [
        mention(START + timedelta(minutes=i), "negative", number=i, text=t) for i, t in enumerate(texts)
    ]
    signals = _run(detector, stream)
    assert len(signals) == 1
    assert set(signals[0].terms) == {"wyciek danych", "bojkot"}
    assert signals[0].observed == 3


def test_trigger_terms_in_positive_posts_are_ignored() -> None:
    detector = TriggerTermDetector("Acme", ["hacked"], min_mentions=1)
    assert _run(detector, [mention(START, "positive", number=1, text="Glad you were not hacked!")]) == []
