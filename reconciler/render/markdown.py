"""The plan as a pull-request comment (GitHub-flavoured Markdown)."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.model import Change, Field, Plan, is_uuid
from reconciler.render.common import (
    NO_CHANGES,
    clean,
    issue_description,
    plan_summary_line,
    plural,
    value_label,
)

# Tables longer than this fold into a <details> block so the comment stays readable.
DETAILS_THRESHOLD = 10

# Characters that would end a table cell, open a code span, or start markup.
_ESCAPES = {
    "\\": "\\\\",
    "|": "\\|",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "~": "\\~",
    "[": "\\[",
    "]": "\\]",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
}


def escape(text: str) -> str:
    """Free text made safe for one table cell: one line, no markup, no cell breaks."""
    return "".join(_ESCAPES.get(char, char) for char in clean(text))


def _code(text: str) -> str:
    return f"`{text}`" if is_uuid(text) else escape(text)


def render_markdown(plan: Plan) -> str:
    """The plan for a pull-request comment: a summary heading, tables of changes, held and
    conflicts (folded when long), warnings, or `No changes.`."""
    blocks: list[str] = []
    if plan.changes:
        blocks.append(f"### {plan_summary_line(plan)}")
        blocks.append(_fold(_changes_table(plan), plural(len(plan.changes), "change")))
    if plan.held:
        blocks.append("#### Held (wanted, not written)")
        blocks.append(_fold(_held_table(plan), plural(len(plan.held), "held change")))
    if plan.conflicts:
        blocks.append("#### Conflicts (the first matching rule decides)")
        blocks.append(_fold(_conflicts_table(plan), plural(len(plan.conflicts), "conflict")))
    if plan.warnings:
        blocks.append("#### Warnings")
        blocks.append("\n".join(f"- {escape(warning)}" for warning in plan.warnings))
    if not plan.changes:
        blocks.append(NO_CHANGES)
    return "\n\n".join(blocks) + "\n"


def _fold(table: str, summary: str) -> str:
    rows = table.count("\n") - 1
    if rows <= DETAILS_THRESHOLD:
        return table
    return f"<details>\n<summary>{summary}</summary>\n\n{table}\n\n</details>"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _changes_table(plan: Plan) -> str:
    rows = []
    for change in plan.changes:
        issue = _code(change.issue_id)
        description = issue_description(change.issue)
        if description:
            issue += f"<br>{escape(description)}"
        rows.append(
            [
                issue,
                change.field.value,
                _transition(change, plan),
                _rule(change),
                escape(change.source.file_line),
            ]
        )
    return _table(["Issue", "Field", "Before -> After", "Rule", "Source"], rows)


def _transition(change: Change, plan: Plan) -> str:
    before = escape(value_label(change.field, change.before, plan.users))
    after = escape(value_label(change.field, change.after, plan.users))
    text = f"{before} -> {after}"
    if change.field is Field.ASSIGNEE and change.keep_state is not None:
        text += f"<br>keeps state {change.keep_state.value}"
    return text


def _rule(change: Change) -> str:
    if change.rule is not None:
        return escape(change.rule)
    return "pin: " + escape(change.note) if change.note else "pin"


def _held_table(plan: Plan) -> str:
    rows = [
        [
            _code(held.issue_id),
            held.field.value,
            f"{escape(held.current)} -> {escape(held.wanted)}",
            held.reason.value,
            escape(held.rule) if held.rule else "pin",
            escape(held.source.file_line),
        ]
        for held in plan.held
    ]
    return _table(["Issue", "Field", "Current -> Wanted", "Reason", "Rule", "Source"], rows)


def _conflicts_table(plan: Plan) -> str:
    rows = [
        [
            _code(conflict.issue_id),
            conflict.field.value,
            escape(conflict.winner),
            ", ".join(escape(loser) for loser in conflict.losers),
        ]
        for conflict in plan.conflicts
    ]
    return _table(["Issue", "Field", "Winner", "Losers"], rows)
