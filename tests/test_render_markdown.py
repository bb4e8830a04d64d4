from __future__ import annotations

import re

import pytest
from golden.support import (
    ISSUE_A,
    big_plan,
    check_golden,
    empty_plan,
    held_only_plan,
    rich_plan,
)

from reconciler.model import Change, Field, IssueSummary, Plan, Source
from reconciler.render import render_markdown
from reconciler.render.markdown import DETAILS_THRESHOLD, escape


@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("plan_empty.md", empty_plan, id="empty"),
        pytest.param("plan_rich.md", rich_plan, id="rich"),
        pytest.param("plan_held_only.md", held_only_plan, id="held-only"),
        pytest.param("plan_big.md", big_plan, id="big"),
    ],
)
def test_render_markdown_matches_golden(name, make):
    check_golden(name, render_markdown(make()))


def test_empty_plan_says_no_changes():
    assert render_markdown(empty_plan()) == "No changes.\n"


def test_heading_carries_the_summary():
    first = render_markdown(rich_plan()).splitlines()[0]
    assert first == "### Plan: 5 changes on 3 issues (2 state, 3 assignee), 2 held, 1 conflict."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a | b", "a \\| b", id="pipe"),
        pytest.param("call `len`", "call \\`len\\`", id="backtick"),
        pytest.param("<script>", "&lt;script&gt;", id="html"),
        pytest.param("line\nbreak", "line break", id="newline"),
        pytest.param("*bold* _it_ [x]", "\\*bold\\* \\_it\\_ \\[x\\]", id="markup"),
        pytest.param("back\\slash", "back\\\\slash", id="backslash"),
    ],
)
def test_escape(raw, expected):
    assert escape(raw) == expected


def test_error_message_cannot_break_the_table():
    issue = IssueSummary(error_message="a | b `c`\nd")
    change = Change(ISSUE_A, Field.STATE, "OPEN", "RESOLVED", Source("t.yaml", 1, 1), "r", issue)
    row = render_markdown(Plan(changes=(change,))).splitlines()[-1]
    assert len(re.findall(r"(?<!\\)\|", row)) == 6
    assert "a \\| b \\`c\\` d" in row


def test_big_tables_fold_into_details():
    folded = render_markdown(big_plan(DETAILS_THRESHOLD + 1))
    assert "<details>\n<summary>11 changes</summary>" in folded
    assert "<details>" not in render_markdown(big_plan(DETAILS_THRESHOLD))


def test_held_only_plan_lists_held_and_conflicts_then_no_changes():
    text = render_markdown(held_only_plan())
    assert "#### Held" in text
    assert "#### Conflicts" in text
    assert text.endswith("\n\nNo changes.\n")
