from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from golden.support import (
    ALICE,
    ISSUE_A,
    ISSUE_B,
    check_golden,
    empty_plan,
    held_only_plan,
    rich_plan,
)

from reconciler.model import (
    Change,
    ChangeResult,
    Field,
    IssueSummary,
    Plan,
    ResultStatus,
    Source,
)
from reconciler.render import render_results_text, render_text, render_text_notes


@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("plan_empty.txt", empty_plan, id="empty"),
        pytest.param("plan_rich.txt", rich_plan, id="rich"),
        pytest.param("plan_held_only.txt", held_only_plan, id="held-only"),
    ],
)
def test_render_text_matches_golden(name: str, make: Callable[[], Plan]) -> None:
    check_golden(name, render_text(make()))


def test_empty_plan_is_exactly_no_changes() -> None:
    assert render_text(empty_plan()) == "No changes.\n"


def test_held_only_plan_ends_with_no_changes() -> None:
    text = render_text(held_only_plan())
    assert text.endswith("\n\nNo changes.\n")
    assert "regressed" in text
    assert "payments wins over backend, legacy-noise" in text


def test_notes_are_the_held_and_conflict_sections_alone() -> None:
    notes = render_text_notes(held_only_plan())
    assert render_text(held_only_plan()) == notes + "\nNo changes.\n"
    assert render_text_notes(empty_plan()) == ""


def test_closing_line_counts_changes_issues_fields_held_and_conflicts() -> None:
    last = render_text(rich_plan()).splitlines()[-1]
    assert last == "Plan: 5 changes on 3 issues (2 state, 3 assignee), 2 held, 1 conflict."


def test_closing_line_uses_singulars() -> None:
    change = Change(ISSUE_A, Field.STATE, "OPEN", "IGNORED", Source("a.yaml", 1, 1), "r")
    last = render_text(Plan(changes=(change,))).splitlines()[-1]
    assert last == "Plan: 1 change on 1 issue (1 state, 0 assignee), 0 held, 0 conflicts."


def test_assignee_shows_user_label_when_known_and_uuid_otherwise() -> None:
    text = render_text(rich_plan())
    assert "~ assignee: (none) -> alice@example.com" in text
    assert "~ assignee: (none) -> 33333333-cccc-4ccc-8ccc-333333333333" in text
    assert "~ assignee: bob@example.com -> (none)" in text


def test_pin_shows_its_source_and_note() -> None:
    assert "pin at triage.yaml:30 (fixed by #1234)" in render_text(rich_plan())


def test_no_colour_unless_asked() -> None:
    assert "\x1b[" not in render_text(rich_plan())
    coloured = render_text(rich_plan(), color=True)
    assert "\x1b[33m~\x1b[0m state: OPEN -> RESOLVED" in coloured
    assert coloured.replace("\x1b[33m", "").replace("\x1b[35m", "").replace("\x1b[1m", "").replace(
        "\x1b[0m", ""
    ) == render_text(rich_plan())


def test_warnings_can_be_left_to_the_caller() -> None:
    assert "Warnings:" in render_text(rich_plan())
    assert "Warnings:" not in render_text(rich_plan(), include_warnings=False)


def test_terminal_escapes_and_newlines_in_messages_are_neutralised() -> None:
    issue = IssueSummary(error_message="boom\x1b[2J\nsecond line")
    change = Change(ISSUE_B, Field.STATE, "OPEN", "RESOLVED", Source("a.yaml", 1, 1), "r", issue)
    text = render_text(Plan(changes=(change,)))
    assert "\x1b" not in text
    assert "    boom [2J second line\n" in text


def test_long_messages_are_shortened() -> None:
    issue = IssueSummary(error_message="x" * 500)
    change = Change(ISSUE_B, Field.STATE, "OPEN", "RESOLVED", Source("a.yaml", 1, 1), "r", issue)
    line = render_text(Plan(changes=(change,))).splitlines()[1]
    assert line == "    " + "x" * 97 + "..."


def _result(
    field: Field, status: ResultStatus, error: str | None = None, current: str | None = None
) -> ChangeResult:
    before, after = ("OPEN", "RESOLVED") if field is Field.STATE else (None, ALICE)
    change = Change(ISSUE_A, field, before, after, Source("a.yaml", 2, 3), "r")
    return ChangeResult(change, status, error, current)


def test_results_text_matches_golden() -> None:
    results = [
        _result(Field.ASSIGNEE, ResultStatus.APPLIED),
        _result(Field.STATE, ResultStatus.FAILED, "PUT /state failed with HTTP 400: bad\nstate"),
        _result(Field.STATE, ResultStatus.STALE, current="IGNORED"),
        _result(Field.STATE, ResultStatus.SKIPPED),
    ]
    check_golden("results.txt", render_results_text(results, users={ALICE: "alice@example.com"}))


def test_results_text_closing_line_for_no_results() -> None:
    assert render_results_text([]) == "Apply: 0 applied, 0 failed, 0 stale, 0 skipped.\n"


def test_results_text_colours_only_when_asked() -> None:
    result = _result(Field.STATE, ResultStatus.FAILED, "boom")
    assert "\x1b[31mfailed   \x1b[0m" in render_results_text([result], color=True)
    assert "\x1b" not in render_results_text([result])


def test_result_time_is_not_part_of_text() -> None:
    # The text form is for people; times belong to the --log-file lines.
    stamp = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    assert stamp not in render_results_text([_result(Field.STATE, ResultStatus.APPLIED)])


def test_links_show_each_issue_page_only_when_asked_and_known() -> None:
    linked = dataclasses.replace(rich_plan(), ui_host="app.datadoghq.eu")
    lines = render_text(linked, links=True).splitlines()
    url = f"https://app.datadoghq.eu/error-tracking?issueId={ISSUE_A}"
    assert lines[lines.index(f"~ issue {ISSUE_A}") + 1] == f"    {url}"
    assert url not in render_text(linked)
    assert "error-tracking" not in render_text(rich_plan(), links=True)
