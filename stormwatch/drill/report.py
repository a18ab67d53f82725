"""The drill report: injects and the team's actions side by side, the scorecard, what went well and
what to change, in the reader's language (HTML from ``templates/drill_report.html``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from stormwatch.i18n.catalogue import translate

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
MEASURE_NAMES = {
    "detection": "Detection",
    "acknowledge": "Time to acknowledge",
    "assign": "Time to assign",
    "holding_statement": "First holding statement",
    "steps_on_time": "Playbook steps on time",
    "approvals": "Approvals kept",
    "escalation": "Escalation",
    "text_checks": "Checks of public texts",
}
CHECK_NAMES = {
    "language": "Language",
    "no_blame": "No blame on the customer",
    "apology": "Apology or empathy",
    "no_forbidden_promise": "No forbidden promise",
    "length": "Length",
}


def say(item: dict[str, Any], locale: str) -> str:
    """A measure's or check's explanation in ``locale``: its template and word values translated."""
    values = {k: translate(v, locale) if isinstance(v, str) else v for k, v in item.get("values", {}).items()}
    return translate(item["template"], locale).format(**values)


def timeline(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Injects, branches, detection and the team's actions in one list by scenario minute."""
    rows = [{"minute": i["minute"], "side": "inject", "text": i["title"]} for i in state["injects"]]
    rows += [{"minute": b["minute"], "side": "branch", "text": b["note"]} for b in state["branches"]]
    rows += [
        {
            "minute": c["minute"],
            "side": "detected",
            "text": f"{c['key']} · {c['cause'] or '—'} · {c['severity']}",
        }
        for c in state["crises"]
        if c.get("minute") is not None
    ]
    rows += [
        {"minute": a["minute"], "side": "team", "text": f"{a['actor']}: {a['message']}"}
        for a in state["actions"]
    ]
    return sorted(rows, key=lambda row: (row["minute"], row["side"] != "inject"))


def render_report(state: dict[str, Any], locale: str = "en") -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    template = env.get_template("drill_report_standalone.html")
    return template.render(**report_context(state, locale))


def report_context(state: dict[str, Any], locale: str) -> dict[str, Any]:
    return {
        "_": lambda text: translate(text, locale),
        "locale": locale,
        "state": state,
        "card": state["scorecard"],
        "rows": timeline(state),
        "say": lambda item: say(item, locale),
        "measure_name": lambda name: translate(MEASURE_NAMES[name], locale),
        "check_name": lambda name: translate(CHECK_NAMES[name], locale),
    }
