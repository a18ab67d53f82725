"""Rule-based checks of a public text, each with its explanation (pure; no model, no score magic).

A drill's published texts are checked against what crisis handbooks ask of them: the wave's
language, no blame on the customer, an apology or empathy where the cause calls for one, no
promise the brand cannot keep, a length the network takes. Each check says why it passed or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stormwatch.drill.scenario import Scenario

NETWORK_LIMITS = {
    "twitter": 280,
    "x": 280,
    "instagram": 2200,
    "tiktok": 2200,
    "facebook": 5000,
    "linkedin": 3000,
}
DEFAULT_LIMIT = 1500
STOPWORDS = {
    "en": {"the", "and", "we", "you", "are", "is", "to", "of", "for", "our", "this", "with", "that", "it", "will", "your", "on"},
    "pl": {"i", "w", "na", "nie", "się", "jest", "to", "że", "z", "do", "za", "dla", "jak", "co", "przez", "państwa", "nas", "są"},
}  # fmt: skip
BLAME = {
    "en": [r"\byour (own )?fault\b", r"\byou should have\b", r"\bif you had\b", r"\bdid(n't| not) (read|check|follow)\b",
           r"\bas stated in (our|the) terms\b", r"\bcustomer error\b", r"\byou failed to\b", r"\bcheck(ed)? the app\b"],
    "pl": [r"\bpaństwa win[aąy]\b", r"\btwoja win[aąy]\b", r"\bnależało\b", r"\bpowinni państwo (byli|było)\b",
           r"\bnie (doczyta|sprawdzi)", r"\bzgodnie z regulaminem\b", r"\bbłąd (klienta|po stronie klienta)\b"],
}  # fmt: skip
EMPATHY = {
    "en": [r"\bsorry\b", r"\bapologi[sz]e\b", r"\bwe understand\b", r"\bfrustrat", r"\bregret\b"],
    "pl": [r"\bprzeprasz", r"\bprzykro\b", r"\brozumiemy\b", r"\bżałujemy\b"],
}
FORBIDDEN = {
    "en": [
        "never happen again",
        "we guarantee",
        "100%",
        "full refund to everyone",
        "compensation for everyone",
    ],
    "pl": [
        "nigdy więcej się nie powtórzy",
        "gwarantujemy",
        "100%",
        "pełny zwrot dla wszystkich",
        "odszkodowanie dla wszystkich",
    ],
}
# Causes where the public expects to hear "we are sorry" (a controversial stance may be defended).
APOLOGY_CAUSES = ("customer_service", "negative_review", "communication_error", "account_compromise", "mixed")


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str  # language | no_blame | apology | no_forbidden_promise | length
    passed: bool
    template: str  # the explanation, an English msgid with {placeholders} (translated in reports)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def explanation(self) -> str:
        return self.template.format(**self.values)


def guess_language(text: str) -> str | None:
    """en or pl by common words and Polish letters; None when the text gives too little to tell."""
    words = re.findall(r"[\wąćęłńóśźż]+", text.lower())
    polish = sum(word in STOPWORDS["pl"] for word in words) + 2 * len(re.findall(r"[ąćęłńśźż]", text.lower()))
    english = sum(word in STOPWORDS["en"] for word in words)
    if polish == english:
        return None
    return "pl" if polish > english else "en"


def check_text(text: str, lang: str, scenario: Scenario, wave_lang: str | None = None) -> list[CheckResult]:
    """``wave_lang``: the language of the wave running when the text was published (a mixed PL/EN
    scenario answers each wave in its own language); without it, any of the scenario's languages."""
    return [
        _language(text, lang, [wave_lang] if wave_lang else list(scenario.languages)),
        _no_blame(text),
        _apology(text, scenario),
        _no_forbidden_promise(text, scenario),
        _length(text, scenario),
    ]


def _language(text: str, lang: str, expected: list[str]) -> CheckResult:
    written = guess_language(text) or lang
    if written in expected:
        return CheckResult(
            "language", True, "written in {written}, the language of the wave", {"written": written}
        )
    return CheckResult(
        "language",
        False,
        "written in {written}, but the wave speaks {expected}",
        {"written": written, "expected": "/".join(expected)},
    )


def _no_blame(text: str) -> CheckResult:
    lowered = text.lower()
    for patterns in BLAME.values():
        for pattern in patterns:
            if match := re.search(pattern, lowered):
                return CheckResult(
                    "no_blame", False, "“{words}” puts the blame on the customer", {"words": match.group(0)}
                )
    return CheckResult("no_blame", True, "no wording that blames the customer")


def _apology(text: str, scenario: Scenario) -> CheckResult:
    needed = scenario.checks.apology_expected and scenario.cause in APOLOGY_CAUSES
    lowered = text.lower()
    found = next((m.group(0) for ps in EMPATHY.values() for p in ps if (m := re.search(p, lowered))), None)
    if found:
        return CheckResult("apology", True, "shows empathy (“{words}”)", {"words": found})
    if not needed:
        return CheckResult("apology", True, "this cause does not call for an apology")
    return CheckResult("apology", False, "no apology or empathy, which this crisis calls for")


def _no_forbidden_promise(text: str, scenario: Scenario) -> CheckResult:
    lowered = text.lower()
    phrases = [*FORBIDDEN["en"], *FORBIDDEN["pl"], *scenario.checks.forbidden_promises]
    for phrase in phrases:
        if phrase.lower() in lowered:
            return CheckResult(
                "no_forbidden_promise",
                False,
                "promises “{words}”, which the brand cannot guarantee",
                {"words": phrase},
            )
    return CheckResult("no_forbidden_promise", True, "no promise the playbook forbids")


def _length(text: str, scenario: Scenario) -> CheckResult:
    limit = scenario.checks.max_length or NETWORK_LIMITS.get(scenario.network, DEFAULT_LIMIT)
    if len(text) <= limit:
        return CheckResult(
            "length",
            True,
            "{length} characters, within the {limit} the network takes",
            {"length": len(text), "limit": limit},
        )
    return CheckResult(
        "length",
        False,
        "{length} characters, over the {limit} the network takes",
        {"length": len(text), "limit": limit},
    )
