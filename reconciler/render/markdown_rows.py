"""The rows of the Markdown plan, each with its section, its rank (what the budget keeps
first) and its place in the section."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.model import Change, Field, Plan, is_uuid
from reconciler.render.common import NONE_LABEL, issue_description, value_label
from reconciler.render.inert import escape

PINS = "(pins)"

# Rank tiers, most important first.
_RULES, _OWNERS, _HELD, _CONFLICTS, _WARNINGS, _CHANGES = range(6)


@dataclass(frozen=True)
class Row:
    section: str
    text: str
    rank: tuple[int, int, int]
    order: int


def issue_cell(plan: Plan, issue_id: str, description: str = "") -> str:
    """The issue id, linked to its Datadog page when the plan knows the UI host."""
    label = f"`{issue_id}`" if is_uuid(issue_id) else escape(issue_id)
    url = plan.issue_url(issue_id) if is_uuid(issue_id) else None
    cell = f"[{label}]({url})" if url else label
    return cell + (f"<br>{escape(description)}" if description else "")


def _cells(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _user(plan: Plan, user_id: str | None) -> str:
    label = value_label(Field.ASSIGNEE, user_id, plan.users)
    return f"`{label}`" if is_uuid(label) else escape(label)


def rule_rows(plan: Plan) -> list[Row]:
    """Per deciding rule: state changes, assignee changes, held, conflicts won; a total."""
    counts: dict[str, Counter[str]] = {}
    firsts: dict[str, tuple[str, int]] = {}

    def count(rule: str | None, what: str, file: str = "", line: int = 0) -> None:
        name = rule if rule is not None else PINS
        counts.setdefault(name, Counter())[what] += 1
        firsts.setdefault(name, (file, line))

    for change in plan.changes:
        count(change.rule, change.field.value, change.source.file, change.source.line)
    for held in plan.held:
        count(held.rule, "held", held.source.file, held.source.line)
    for conflict in plan.conflicts:
        count(conflict.winner, "conflicts", "\U0010ffff")
    if not counts:
        return []
    names = sorted(counts, key=lambda n: (n == PINS, *firsts[n], n))
    rows = []
    for index, name in enumerate(names):
        c = counts[name]
        label = f"`{name}`" if name != PINS and _plain(name) else escape(name)
        cells = [label, str(c["state"]), str(c["assignee"]), str(c["held"]), str(c["conflicts"])]
        rows.append(Row("rules", _cells(cells), (_RULES, index + 1, 0), index))
    by_field = plan.by_field()
    total = [
        "**all**",
        str(by_field["state"]),
        str(by_field["assignee"]),
        str(len(plan.held)),
        str(len(plan.conflicts)),
    ]
    rows.append(Row("rules", _cells(total), (_RULES, 0, 0), len(names)))
    return rows


def owner_rows(plan: Plan) -> list[Row]:
    """Assignee changes per new owner, most first; `(none)` for unassignments."""
    owners = Counter(c.after for c in plan.changes if c.field is Field.ASSIGNEE)
    ranked = sorted(
        owners.items(),
        key=lambda item: (-item[1], value_label(Field.ASSIGNEE, item[0], plan.users)),
    )
    return [
        Row("owners", _cells([_user(plan, user_id), str(n)]), (_OWNERS, index, 0), index)
        for index, (user_id, n) in enumerate(ranked)
    ]


def held_rows(plan: Plan) -> list[Row]:
    rows = []
    for index, held in enumerate(plan.held):
        cells = [
            issue_cell(plan, held.issue_id),
            held.field.value,
            f"{escape(held.current)} -> {escape(held.wanted)}",
            held.reason.value,
            f"`{held.rule}`" if held.rule and _plain(held.rule) else escape(held.rule or "pin"),
            escape(held.source.file_line),
        ]
        rows.append(Row("held", _cells(cells), (_HELD, index, 0), index))
    return rows


def conflict_rows(plan: Plan) -> list[Row]:
    rows = []
    for index, conflict in enumerate(plan.conflicts):
        cells = [
            issue_cell(plan, conflict.issue_id),
            conflict.field.value,
            escape(conflict.winner),
            ", ".join(escape(loser) for loser in conflict.losers),
        ]
        rows.append(Row("conflicts", _cells(cells), (_CONFLICTS, index, 0), index))
    return rows


def warning_rows(plan: Plan) -> list[Row]:
    return [
        Row("warnings", f"- {escape(warning)}", (_WARNINGS, index, 0), index)
        for index, warning in enumerate(plan.warnings)
    ]


def change_rows(plan: Plan, section: str, changes: Sequence[Change], group: int) -> list[Row]:
    """One group's change rows; its state changes rank before its assignee changes."""
    importance = sorted(range(len(changes)), key=lambda i: (changes[i].field is Field.ASSIGNEE, i))
    position = {index: rank for rank, index in enumerate(importance)}
    return [
        Row(section, _change_row(plan, change), (_CHANGES, position[i], group), i)
        for i, change in enumerate(changes)
    ]


def _change_row(plan: Plan, change: Change) -> str:
    if change.field is Field.ASSIGNEE:
        before, after = _user(plan, change.before), _user(plan, change.after)
    else:
        before = escape(change.before or NONE_LABEL)
        after = escape(change.after or NONE_LABEL)
    transition = f"{before} -> {after}"
    if change.field is Field.ASSIGNEE and change.keep_state is not None:
        transition += f"<br>keeps state {change.keep_state.value}"
    by = (
        f"pin at {escape(change.source.file_line)}"
        if change.rule is None
        else (escape(change.source.file_line))
    )
    if change.note:
        by += f"<br>{escape(change.note)}"
    cells = [
        issue_cell(plan, change.issue_id, issue_description(change.issue)),
        change.field.value,
        transition,
        by,
    ]
    return _cells(cells)


def _plain(name: str) -> bool:
    """A rule name as the validator allows it, safe inside a code span as it is."""
    return bool(name) and all(ch.isalnum() or ch in "_.-" for ch in name)
