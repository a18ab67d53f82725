"""The many-brand matcher: folding (case, Polish letters, full-width), word boundaries, prefixes,
attribution to every brand a post names, and trigger terms that never attribute alone."""

from __future__ import annotations

from stormwatch.sources.matcher import BrandMatcher, BrandTerms, fold

BRANDS = [
    BrandTerms("Żabka", ("żab*", "Żabka Polska"), ("zabkapolska",), ("bojkot",)),
    BrandTerms("Orlen", ("PKN Orlen",), ("orlen",), ("bojkot", "awaria")),
    BrandTerms("Northwind Air", ("northwind", "@northwindair"), ("northwindair",), ("boycott", "data leak")),
    BrandTerms("Łódź Bank", ("Łódź Bank",), (), ()),
    BrandTerms("ソニー", (), (), ()),
]


def brands(matcher: BrandMatcher, text: str) -> list[str]:
    return [hit.brand for hit in matcher.match(text)]


def test_fold_removes_case_diacritics_polish_l_width_and_extra_spaces() -> None:
    assert fold("ŁÓDŹ  Żółć\nＮｏｒｔｈ") == "lodz zolc north"
    assert fold("Straße") == "strasse"
    assert fold("plain ascii") == "plain ascii"


def test_case_and_diacritic_insensitive_in_polish_and_english() -> None:
    matcher = BrandMatcher(BRANDS)
    assert brands(matcher, "LODZ BANK znowu nie działa") == ["Łódź Bank"]
    assert brands(matcher, "łódź bank") == ["Łódź Bank"]
    assert brands(matcher, "NORTHWIND lost my bag") == ["Northwind Air"]
    assert brands(matcher, "Zabka przy rynku") == ["Żabka"]


def test_word_boundaries_and_prefix_terms() -> None:
    matcher = BrandMatcher(BRANDS)
    assert brands(matcher, "Orlenowski pojechał") == []  # inside a longer word
    assert brands(matcher, "northwindairlines is a different company") == []
    assert brands(matcher, "tankuję na orlenie") == []  # "orlen" has no '*': inflection not matched
    assert brands(matcher, "w Żabce nie ma chleba") == ["Żabka"]  # "żab*" takes the inflections
    assert brands(matcher, "Northwind's delay, again.") == ["Northwind Air"]
    assert brands(matcher, "thanks @northwindair!") == ["Northwind Air"]
    assert brands(matcher, "#northwind #fail") == ["Northwind Air"]


def test_names_of_several_words_are_also_found_written_as_one() -> None:
    matcher = BrandMatcher(BRANDS)
    assert brands(matcher, "#NorthwindAir never again") == ["Northwind Air"]
    assert brands(matcher, "#ŁódźBank") == ["Łódź Bank"]
    assert brands(matcher, "northwindairlines") == []  # still whole words only


def test_unspaced_scripts_match_inside_the_text() -> None:
    assert brands(BrandMatcher(BRANDS), "ソニーの新製品が壊れた") == ["ソニー"]


def test_a_post_naming_several_brands_goes_to_each_in_workspace_order() -> None:
    hits = BrandMatcher(BRANDS).match("Bojkot: Orlen i ŻABKA podnoszą ceny")
    assert [(hit.brand, hit.terms, hit.triggers) for hit in hits] == [
        ("Żabka", ["żab*", "Żabka"], ["bojkot"]),
        ("Orlen", ["Orlen", "orlen"], ["bojkot"]),
    ]


def test_trigger_terms_alone_keep_nothing() -> None:
    matcher = BrandMatcher(BRANDS)
    assert matcher.match("wielki bojkot i awaria") == []
    assert matcher.match("a data leak and a boycott") == []


def test_a_thousand_brands_sharing_words_are_told_apart() -> None:
    many = [BrandTerms(f"Brand {n} Foods", (f"brand{n}",), (f"brand{n}foods",), ()) for n in range(1000)]
    matcher = BrandMatcher(many)
    assert brands(matcher, "I love BRAND 17 foods and brand170") == ["Brand 17 Foods", "Brand 170 Foods"]
    assert brands(matcher, "brand 17 foodstuff") == []
    assert (
        matcher.term_count == 4000
    )  # "brand 17 foods" also as "brand17foods", the handle: one key, two terms


def test_empty_and_too_short_terms_are_ignored() -> None:
    matcher = BrandMatcher([BrandTerms("X", ("", "@", "a*"), (), ())])
    assert matcher.term_count == 0 and matcher.match("x a b") == []
