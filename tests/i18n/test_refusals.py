"""Refusals a person reads are said in Polish too (issue 23): every message raised through a
:class:`Refusal` (found in the source, so a new one cannot be forgotten), and the error pages'
sentences, have a Polish translation whose blanks are the English ones; so have the lines commands print
(`cli_line`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from stormwatch.i18n.catalogue import has, translate
from stormwatch.i18n.refusal import Refusal, Term, cli_language, said_in
from stormwatch.response.lifecycle import TransitionError, check_transition
from stormwatch.response.service import ResponseError
from stormwatch.web.errors import TITLES

PACKAGE = Path(__file__).resolve().parents[2] / "stormwatch"
REFUSALS = {
    "Phrase",
    "Refusal",
    "ResponseError",
    "TransitionError",
    "ActionError",
    "Forbidden",
    "AuthError",
    "NoWorkspace",
    "ConfigError",
    "RevisionError",
    "PublishError",
    "JsonInputError",
    "cli_line",
}
BLANK = re.compile(r"%\((\w+)\)s")


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _literals(node: ast.expr) -> list[str] | None:
    """The msgids an argument can be: a literal, or either literal of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _facts(node: ast.Call) -> set[str]:
    """The names of a refusal's facts (keywords) or a phrase's (its dict's keys)."""
    if _name(node.func) == "Phrase" and len(node.args) > 1 and isinstance(node.args[1], ast.Dict):
        return {
            k.value for k in node.args[1].keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
    return {k.arg for k in node.keywords if k.arg}


def _raised() -> list[tuple[str, str, set[str]]]:
    """(place, msgid, fact names) of every refusal and phrase built in the package; HTTP errors of
    the pages are read by people too, so their literal sentences count."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "i18n" / "refusal.py":
            continue  # where refusals and phrases are defined, not used
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name, first = _name(node.func), node.args[-1 if _name(node.func) == "HTTPException" else 0]
            if name in REFUSALS or (name == "HTTPException" and path.parent.name == "web"):
                place = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                msgids = _literals(first)
                if msgids is not None:
                    found.extend((place, msgid, _facts(node)) for msgid in msgids)
                elif name in REFUSALS:
                    found.append((place, "<not a literal>", set()))
    return found


def test_refusals_are_found_in_the_source() -> None:
    assert len(_raised()) > 40  # the finder itself works


@pytest.mark.parametrize(("place", "msgid", "names"), _raised())
def test_every_refusal_has_a_polish_translation_with_the_same_blanks(
    place: str, msgid: str, names: set[str]
) -> None:
    assert msgid != "<not a literal>", f"{place}: a refusal's message must be a literal msgid"
    if BLANK.search(msgid):
        assert set(BLANK.findall(msgid)) == names, f"{place}: blanks and facts differ"
    assert has(msgid, "pl"), f"{place}: no Polish for {msgid!r}"
    assert set(BLANK.findall(translate(msgid, "pl"))) == set(BLANK.findall(msgid)), place


def test_error_page_titles_are_translated() -> None:
    assert all(has(title, "pl") for title in [*TITLES.values(), "Not Found", "Back to the dashboard"])


def test_a_refusal_is_said_in_the_readers_language_with_its_facts() -> None:
    error = ResponseError(
        "crisis %(key)s is %(status)s; there is nothing to acknowledge", key="k-1", status=Term("resolved")
    )
    assert str(error) == "crisis k-1 is resolved; there is nothing to acknowledge"
    polish = error.said_in("pl")
    assert "k-1" in polish and translate("resolved", "pl") in polish and "nothing" not in polish


def test_nested_refusals_and_listed_terms_are_said_in_polish() -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition("reviewed", "responding")
    wrapped = ResponseError("%(key)s: %(reason)s", key="k-2", reason=caught.value)
    assert str(wrapped).startswith("k-2: a crisis that is reviewed cannot become responding")
    polish = wrapped.said_in("pl")
    assert polish.startswith("k-2: ") and "cannot" not in polish and translate("reviewed", "pl") in polish


def test_other_errors_keep_their_own_words() -> None:
    assert said_in(ValueError("plain"), "pl") == "plain"
    assert isinstance(ResponseError("no draft #%(draft)s", draft=3), (Refusal, ValueError))


def test_the_cli_language_comes_from_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORMWATCH_LANGUAGE", raising=False)
    assert cli_language() == "en"
    monkeypatch.setenv("STORMWATCH_LANGUAGE", "pl")
    assert cli_language() == "pl" and cli_language("en") == "en"
    with pytest.raises(ValueError, match="--language or STORMWATCH_LANGUAGE"):
        cli_language("de")
