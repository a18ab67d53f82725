"""A review's lessons become a proposed playbook version, applied only when approved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from stormwatch.playbook.loader import DEFAULTS_DIR, PROPOSED_SUFFIX, PlaybookLibrary, parse_playbook
from stormwatch.playbook.revision import (
    PlaybookChange,
    RevisionError,
    apply_proposal,
    propose_change,
    revise_text,
)

ORIGINAL = (DEFAULTS_DIR / "customer_service.yaml").read_text(encoding="utf-8")
TODAY = date(2026, 3, 9)


def test_a_revision_keeps_comments_bumps_the_version_and_says_why() -> None:
    changes = [
        PlaybookChange.parse("set_due:holding_statement=45"),
        PlaybookChange.parse("add_checklist:find_cause=Call the airport operations desk"),
        PlaybookChange.parse("set_ack_within:2=20"),
        PlaybookChange.parse("add_step:status_page=Post on the status page@comms+40"),
    ]
    revised = revise_text(ORIGINAL, changes, "After the March storm.", TODAY, "test")
    assert "# Customer-service failure: delays" in revised  # the file's own comments survive
    playbook = parse_playbook(revised, "test")
    assert playbook.version == 2
    assert playbook.step("holding_statement").due_minutes == 45
    assert playbook.step("find_cause").checklist[-1] == "Call the airport operations desk"
    assert playbook.rule_for(2).ack_within_minutes == 20
    assert playbook.step("status_page").role == "comms"
    assert [s.id for s in playbook.steps].index("status_page") < [s.id for s in playbook.steps].index(
        "holding_statement"
    )
    assert playbook.changelog[-1].model_dump() == {
        "version": 2,
        "date": "2026-03-09",
        "note": "After the March storm.",
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("set_due:no_such_step=10", "no step 'no_such_step'"),
        ("set_due:holding_statement=soon", "not a number"),
        ("set_ack_within:3=10", "no escalation rule with from_severity 3"),
        ("add_step:x=Do it@nobody+10", "role 'nobody' is not defined"),
    ],
)
def test_a_change_that_cannot_be_made_is_refused(spec: str, message: str) -> None:
    text = (
        ORIGINAL.replace("  - from_severity: 3\n", "  - from_severity: 2\n", 1) if "3=" in spec else ORIGINAL
    )
    with pytest.raises(ValueError, match=message):
        revise_text(text, [PlaybookChange.parse(spec)], "why", TODAY, "test")


def test_a_malformed_change_spec_is_explained() -> None:
    with pytest.raises(RevisionError, match="KIND:TARGET=VALUE"):
        PlaybookChange.parse("make it better")


def test_propose_then_apply_in_the_workspace_folder(tmp_path: Path) -> None:
    library = PlaybookLibrary.load(tmp_path)
    proposal = propose_change(
        library, "customer_service", [PlaybookChange.parse("set_due:update=300")], "why", TODAY
    )
    assert proposal.name == f"customer_service{PROPOSED_SUFFIX}"
    assert PlaybookLibrary.load(tmp_path).get("customer_service").playbook.version == 1  # not in force yet
    applied = apply_proposal(library, "customer_service")
    assert applied == tmp_path / "customer_service.yaml" and not proposal.exists()
    assert PlaybookLibrary.load(tmp_path).get("customer_service").playbook.step("update").due_minutes == 300
    assert (DEFAULTS_DIR / "customer_service.yaml").read_text(
        encoding="utf-8"
    ) == ORIGINAL  # defaults untouched


def test_a_proposal_overtaken_by_another_edit_is_not_applied(tmp_path: Path) -> None:
    library = PlaybookLibrary.load(tmp_path)
    propose_change(library, "customer_service", [PlaybookChange.parse("set_due:update=300")], "why", TODAY)
    (tmp_path / "customer_service.yaml").write_text(
        ORIGINAL.replace("version: 1", "version: 2"), encoding="utf-8"
    )
    with pytest.raises(RevisionError, match="changed meanwhile"):
        apply_proposal(PlaybookLibrary.load(tmp_path), "customer_service")


def test_without_a_workspace_folder_there_is_nowhere_to_propose() -> None:
    with pytest.raises(RevisionError, match="playbooks_dir"):
        propose_change(
            PlaybookLibrary.load(), "generic", [PlaybookChange.parse("set_due:update=300")], "why", TODAY
        )
