from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from golden.support import (
    ISSUE_A,
    big_plan,
    check_golden,
    empty_plan,
    held_only_plan,
    hostile_plan,
    huge_plan,
    rich_plan,
)

from reconciler.model import Change, Field, IssueSummary, Plan, Source
from reconciler.render import render_markdown
from reconciler.render.inert import ZWJ, escape, neutralise
from reconciler.render.markdown import (
    DEFAULT_MAX_CHARS,
    MARKER_PREFIX,
    comment_size,
    marker_line,
    utf8_size,
)

LINKED = dataclasses.replace(rich_plan(), ui_host="app.datadoghq.eu")


def github_html(markdown: str) -> str:
    """The comment as GitHub's own engine renders it (raw HTML let through, as GitHub
    does before its sanitiser, so a leaked tag would show)."""
    html: str = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE
    )
    return html


@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("plan_empty.md", empty_plan, id="empty"),
        pytest.param("plan_rich.md", lambda: LINKED, id="rich"),
        pytest.param("plan_held_only.md", held_only_plan, id="held-only"),
        pytest.param("plan_big.md", big_plan, id="big"),
        pytest.param("plan_huge.md", huge_plan, id="huge-3000"),
        pytest.param("plan_hostile.md", hostile_plan, id="hostile-free-text"),
    ],
)
def test_render_markdown_matches_golden(name: str, make: Callable[[], Plan]) -> None:
    check_golden(name, render_markdown(make(), config_name="triage/"))


def test_no_changes_comes_first_and_alone_on_its_line() -> None:
    text = render_markdown(empty_plan(), config_name="triage/")
    assert text == "No changes.\n\n<!-- reconciler plan: triage/ -->\n"
    held_only = render_markdown(held_only_plan())
    assert held_only.startswith("No changes.\n\n")
    assert held_only.index("#### Held") < held_only.index("#### Conflicts")


def test_verdict_and_counts_come_first() -> None:
    text = render_markdown(LINKED)
    assert text.splitlines()[0] == (
        "### Plan: 5 changes on 3 issues (2 state, 3 assignee), 2 held, 1 conflict."
    )
    order = ["| Rule |", "| New owner |", "#### Held", "#### Conflicts", "#### Warnings"]
    order += ["#### Changes by rule", MARKER_PREFIX]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)


def test_a_3000_change_plan_fits_with_its_counts_first_and_a_footer() -> None:
    plan = huge_plan()
    text = render_markdown(plan)
    assert comment_size(text) <= DEFAULT_MAX_CHARS
    head = text[:1000]
    assert "3000 changes on 3000 issues (2000 state, 1000 assignee), 6 held, 5 conflicts" in head
    assert "| **all** | 2000 | 1000 | 6 | 5 |" in head
    shown = len(re.findall(r"^\| \[`0a1b2c3d", text, flags=re.MULTILINE)) - 6 - 5
    footer = re.search(r"\*\*Not shown: (\d+) of 3000 changes\*\*", text)
    assert footer is not None and int(footer.group(1)) == 3000 - shown
    assert 100 < shown < 3000
    assert text.rstrip().endswith("<!-- reconciler plan: sha256:" + "e" * 64 + " -->")


@pytest.mark.parametrize("max_chars", [1000, 3000, 10_000, 30_000, 65_536], ids=str)
def test_budget_is_never_exceeded_and_held_and_conflicts_come_before_changes(
    max_chars: int,
) -> None:
    plan = huge_plan()
    text = render_markdown(plan, max_chars=max_chars)
    assert comment_size(text) <= max_chars
    assert text.startswith("### Plan: 3000 changes")
    if max_chars >= 10_000:
        ids = [item.issue_id for item in plan.held] + [c.issue_id for c in plan.conflicts]
        for issue_id in ids:
            assert f"[`{issue_id}`]" in text


def test_rows_are_dropped_round_robin_so_every_rule_keeps_examples() -> None:
    text = render_markdown(huge_plan(), max_chars=30_000)
    details = re.findall(r"<details>\n<summary>(.*?)</summary>\n\n(.*?)\n\n</details>", text, re.S)
    assert len(details) == 12
    rows = [len(table.splitlines()) - 2 for _, table in details]
    assert min(rows) >= 1 and max(rows) - min(rows) <= 1


def test_budget_counts_utf16_units_and_the_step_summary_counts_bytes() -> None:
    wide = "\U0001f525" * 40  # each is two UTF-16 units and four UTF-8 bytes
    issue = IssueSummary(error_message=wide)
    changes = tuple(
        Change(f"0a1b2c3d-0000-4000-8000-{n:012d}", Field.STATE, "OPEN", "RESOLVED",
               Source("t.yaml", 1, 1), "r", issue)
        for n in range(200)
    )  # fmt: skip
    plan = Plan(changes=changes)
    assert comment_size(render_markdown(plan, max_chars=5000)) <= 5000
    assert utf8_size(render_markdown(plan, max_chars=5000, size=utf8_size)) <= 5000


def test_free_text_is_inert_when_github_renders_it() -> None:
    text = render_markdown(hostile_plan())
    html = github_html(text)
    assert "<script" not in html and "<img" not in html
    assert re.search(r"(?<![A-Za-z0-9_])@someone", html.replace("@" + ZWJ, "")) is None
    assert "@" + ZWJ + "someone" in html
    assert "#12" not in html and "#" + ZWJ + "12" in html
    assert "GH-7" not in html and "deadbeef1234" not in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(
        h.startswith("https://app.datadoghq.com/error-tracking?issueId=") for h in hrefs
    )


def test_tables_stay_intact_with_one_details_per_group_and_links() -> None:
    plan = huge_plan()
    text = render_markdown(plan)
    html = github_html(text)
    tables = re.findall(r"<table>(.*?)</table>", html, re.S)
    assert len(tables) == 2 + 1 + 1 + 12  # rules, owners, held, conflicts, 12 groups
    for table in tables:
        header = len(re.findall(r"<th[ >]", table))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
            assert len(re.findall(r"<td[ >]", row)) == header
    assert html.count("<details>") == html.count("</details>") == 12
    links = re.findall(
        r'<a href="https://app.datadoghq.com/error-tracking\?issueId=([0-9a-f-]+)"', html
    )
    assert len(links) > 100
    assert "<script" not in html


def test_hostile_table_cells_keep_their_columns() -> None:
    html = github_html(render_markdown(hostile_plan()))
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        header = len(re.findall(r"<th[ >]", table))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
            assert len(re.findall(r"<td[ >]", row)) == header


def test_links_only_with_a_ui_host() -> None:
    assert "error-tracking?issueId=" in render_markdown(LINKED)
    assert "error-tracking?issueId=" not in render_markdown(rich_plan())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a | b", "a \\| b", id="pipe"),
        pytest.param("call `len`", "call \\`len\\`", id="backtick"),
        pytest.param("<script>", "&lt;script&gt;", id="html"),
        pytest.param("line\nbreak", "line break", id="newline"),
        pytest.param("*bold* _it_ [x]", "\\*bold\\* \\_it\\_ \\[x\\]", id="markup"),
        pytest.param("back\\slash", "back\\\\slash", id="backslash"),
        pytest.param("@someone", "@" + ZWJ + "someone", id="mention"),
        pytest.param("alice@example.com", "alice@example.com", id="email"),
        pytest.param("fixed by #12", "fixed by #" + ZWJ + "12", id="issue-ref"),
    ],
)
def test_escape(raw: str, expected: str) -> None:
    assert escape(raw) == expected


def test_neutralise_breaks_autolinks() -> None:
    assert neutralise("https://x.example www.y.example") == (
        "https:" + ZWJ + "//x.example www" + ZWJ + ".y.example"
    )


def test_marker_names_the_config_and_cannot_end_early() -> None:
    assert marker_line("triage/ owners.yaml") == "<!-- reconciler plan: triage/ owners.yaml -->"
    assert "-->" not in marker_line("a-->b <x>")[:-3]


def test_error_message_cannot_break_the_table() -> None:
    issue = IssueSummary(error_message="a | b `c`\nd")
    change = Change(ISSUE_A, Field.STATE, "OPEN", "RESOLVED", Source("t.yaml", 1, 1), "r", issue)
    row = next(
        line for line in render_markdown(Plan(changes=(change,))).splitlines() if "a \\|" in line
    )
    assert len(re.findall(r"(?<!\\)\|", row)) == 5
    assert "a \\| b \\`c\\` d" in row
