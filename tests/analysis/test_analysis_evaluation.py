"""Scoring rules of ``stormwatch eval`` on hand-made cases (the real run needs ../shared/data)."""

from typing import Any

from stormwatch.analysis.evaluation import macro_scores, target_checks


def test_macro_scores_average_over_gold_classes() -> None:
    recall, f1 = macro_scores(["pos", "pos", "neg", "neg"], ["pos", "neg", "neg", "neg"])
    assert recall == (0.5 + 1.0) / 2
    assert abs(f1 - (2 / 3 + 0.8) / 2) < 1e-9
    assert macro_scores(["pos", "neg"], ["neutral", "neutral"]) == (0.0, 0.0)


def _scores(recall: float, binary: float | None = None) -> dict[str, Any]:
    return {
        "both_tiers": {"n": 10, "macro_recall": recall, "macro_f1": recall, "binary_macro_recall": binary}
    }


def test_each_target_is_judged_on_its_own_minimum() -> None:
    report: dict[str, Any] = {
        "sentiment": {
            "mozetic2016_pl/pl": _scores(0.75, 0.81),
            "polemo2_medicine_sentences/pl": _scores(0.79),
            "umsab/de": _scores(0.66),
            "play_seller_comments/pl": _scores(0.94),
            "clarin_emo_poleval2024_train/pl": _scores(0.74),
        },
        "cause": {"macro_f1_given_negative": 0.74},
        "throughput_texts_per_s": {"analyze_end_to_end": 1200, "fast": 9000},
        "load_seconds": {"both_tiers": 2.5},
        "peak_rss_mb": 700,
    }
    met = {check["target"]: check["met"] for check in target_checks(report)}
    assert met == {
        "Polish tweets mozetic2016_pl/pl macro-recall >= 0.8": False,
        "Polish tweets mozetic2016_pl/pl pos/neg macro-recall >= 0.8": True,
        "PolEmo sentences polemo2_medicine_sentences/pl macro-recall >= 0.8": False,
        "Polish customer feedback play_seller_comments/pl macro-recall >= 0.93": True,
        "Polish reviews (CLARIN-Emo) clarin_emo_poleval2024_train/pl macro-recall >= 0.75": False,
        "other UMSAB languages umsab/de macro-recall >= 0.65": True,
        "cause customer_service vs negative_review macro-F1 >= 0.75": False,
        "analyze_end_to_end >= 1000/s": True,
        "fast >= 10000/s": False,
        "models load < 3 s": True,
        "peak memory < 1 GB (whole eval process)": True,
    }
