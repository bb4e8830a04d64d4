"""The plan as a pull-request comment (GitHub-flavoured Markdown, CONTRACT 5).

First things first: the verdict and counts (or exactly `No changes.`), the ownership moves
of `plan --base`, a table by rule and one by new owner, then held items, conflicts and
warnings, then the changes grouped by rule, one `<details>` block per group, and a hidden
marker line last that a workflow uses to find and update its own comment.

The document never exceeds its budget. Every row (of every table and list) has a rank; rows
are taken most important first while they fit: the summary tables, then held items,
conflicts and warnings, then change rows round-robin across groups (each group's state
changes before its assignee changes), so the biggest groups lose their last rows first and
every rule keeps examples. A footer says what was left out and where the full plan is.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.model import Change, Field, Plan
from reconciler.render.common import NO_CHANGES, plan_summary_line, plural
from reconciler.render.inert import comment_safe, escape, escape_html
from reconciler.render.markdown_rows import (
    PINS,
    Row,
    change_rows,
    conflict_rows,
    held_rows,
    issue_cell,
    owner_rows,
    rule_rows,
    warning_rows,
)
from reconciler.render.moves import ownership_markdown

# GitHub refuses a comment body over 65,536 characters; the default leaves room for a
# workflow to add a line of its own.
DEFAULT_MAX_CHARS = 65_000
# GitHub's step summary takes at most 1 MiB per step.
STEP_SUMMARY_MAX_BYTES = 1_000_000
MARKER_PREFIX = "<!-- reconciler plan"
DEFAULT_FULL_PLAN_HINT = (
    "`reconciler plan --format text`, or the JSON plan that `--out FILE` writes"
)

Size = Callable[[str], int]


def comment_size(text: str) -> int:
    """Length in UTF-16 code units, the widest way a comment limit can be counted."""
    return len(text.encode("utf-16-le")) // 2


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def marker_line(name: str) -> str:
    """The hidden line naming the config: `<!-- reconciler plan: NAME -->`."""
    return f"{MARKER_PREFIX}: {comment_safe(name)[:300]} -->"


def render_markdown(
    plan: Plan,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    config_name: str | None = None,
    full_plan_hint: str | None = None,
    size: Size = comment_size,
) -> str:
    """The plan for a pull-request comment, at most `max_chars` by `size`.

    `config_name` (the config paths as given) goes into the marker line, the plan's config
    digest when it is None; `full_plan_hint` tells the footer where the full plan is.
    """
    hint = full_plan_hint or DEFAULT_FULL_PLAN_HINT
    sections = _Sections(plan)
    marker = marker_line(config_name or plan.config_digest or "config")
    rows = sorted(sections.rows, key=lambda row: row.rank)
    kept = _fit(rows, sections, marker, hint, max_chars, size)
    while True:
        text = sections.document(kept, marker, hint)
        if size(text) <= max_chars or not kept:
            break
        kept = kept[:-1]
    if size(text) > max_chars:
        # Only a budget smaller than the verdict and marker gets here: cut, never exceed.
        text = text[: max(max_chars - 1, 0) // 2] + "\n"
    return text


def _fit(
    rows: Sequence[Row],
    sections: _Sections,
    marker: str,
    hint: str,
    max_chars: int,
    size: Size,
) -> list[Row]:
    """The most important rows whose (estimated) document fits the budget."""
    # The footer's longest form is reserved up front; the exact check follows in the caller.
    budget = max_chars - size(sections.document([], marker, hint)) - 200
    kept: list[Row] = []
    opened: set[str] = set()
    for row in rows:
        cost = size(row.text) + 1
        if row.section not in opened:
            cost += size(sections.opening(row.section)) + 2
        if cost > budget:
            continue
        budget -= cost
        opened.add(row.section)
        kept.append(row)
    return sorted(kept, key=lambda row: row.rank)


@dataclass(frozen=True)
class _Group:
    key: str
    title: str
    changes: tuple[Change, ...]


class _Sections:
    """Every row of the document, and how the kept ones are laid out."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.groups = _groups(plan)
        self.rows: list[Row] = [
            *rule_rows(plan),
            *owner_rows(plan),
            *held_rows(plan),
            *conflict_rows(plan),
            *warning_rows(plan),
        ]
        for index, group in enumerate(self.groups):
            self.rows.extend(change_rows(plan, group.key, group.changes, index))
        self.totals = Counter(row.section for row in self.rows)
        self._openings = self._make_openings()

    def opening(self, section: str) -> str:
        """The heading, table header or `<details>` that precedes a section's rows."""
        return self._openings[section]

    def _make_openings(self) -> dict[str, str]:
        # Built once: the budget asks for a section's opening for every row it weighs.
        openings = {
            "rules": _table_header(
                ["Rule", "State changes", "Assignee changes", "Held", "Conflicts"], numeric=4
            ),
            "owners": _table_header(["New owner", "Assignee changes"], numeric=1),
            "held": "#### Held (wanted, not written)\n\n"
            + _table_header(["Issue", "Field", "Current -> Wanted", "Reason", "Rule", "Source"]),
            "conflicts": "#### Conflicts (the first matching rule decides)\n\n"
            + _table_header(["Issue", "Field", "Winner", "Losers"]),
            "warnings": "#### Warnings\n\n",
        }
        for group in self.groups:
            openings[group.key] = _details_opening(group, self.plan)
        return openings

    def document(self, kept: Sequence[Row], marker: str, hint: str) -> str:
        by_section: dict[str, list[str]] = {}
        for row in sorted(kept, key=lambda row: row.order):
            by_section.setdefault(row.section, []).append(row.text)
        blocks = [self._verdict()]
        blocks.extend(self._ownership())
        for section in ("rules", "owners", "held", "conflicts", "warnings"):
            if section in by_section:
                blocks.append(self.opening(section) + "\n".join(by_section[section]))
        shown_groups = [group for group in self.groups if group.key in by_section]
        if shown_groups:
            blocks.append("#### Changes by rule")
        for group in shown_groups:
            table = self.opening(group.key) + "\n".join(by_section[group.key])
            blocks.append(table + "\n\n</details>")
        footer = self._footer(by_section, hint)
        if footer:
            blocks.append(footer)
        blocks.append(marker)
        return "\n\n".join(blocks) + "\n"

    def _verdict(self) -> str:
        if not self.plan.changes:
            return NO_CHANGES
        return f"### {plan_summary_line(self.plan)}"

    def _ownership(self) -> list[str]:
        # What `plan --base` finds the config change does to ownership belongs right under
        # the verdict, before any detail; it is summary, bounded, and always kept.
        if self.plan.ownership is None:
            return []
        issue = functools.partial(issue_cell, self.plan)
        return [ownership_markdown(self.plan.ownership, self.plan.users, issue)]

    def _footer(self, by_section: dict[str, list[str]], hint: str) -> str:
        left_out = []
        changes_total = len(self.plan.changes)
        changes_shown = sum(len(by_section.get(group.key, [])) for group in self.groups)
        if changes_shown < changes_total:
            left_out.append(f"{changes_total - changes_shown} of {plural(changes_total, 'change')}")
        names = {
            "held": "held item",
            "conflicts": "conflict",
            "warnings": "warning",
            "rules": "rule row",
            "owners": "owner row",
        }
        for section, noun in names.items():
            total = self.totals.get(section, 0)
            shown = len(by_section.get(section, []))
            if shown < total:
                left_out.append(f"{total - shown} of {plural(total, noun)}")
        if not left_out:
            return ""
        what = ", ".join(left_out)
        return f"**Not shown: {what}** (this comment has a size limit). Full plan: {hint}."


def _groups(plan: Plan) -> list[_Group]:
    """Changes by deciding rule, in config order (by the rule's source), pins last."""
    by_rule: dict[str | None, list[Change]] = {}
    for change in plan.changes:
        by_rule.setdefault(change.rule, []).append(change)
    rules = sorted(
        (name for name in by_rule if name is not None),
        key=lambda name: (by_rule[name][0].source.file, by_rule[name][0].source.line, name),
    )
    groups = [_Group(f"rule:{name}", name, tuple(by_rule[name])) for name in rules]
    if None in by_rule:
        groups.append(_Group("pins", PINS, tuple(by_rule[None])))
    return groups


def _details_opening(group: _Group, plan: Plan) -> str:
    counts = Counter(change.field for change in group.changes)
    what = plural(len(group.changes), "change")
    detail = f"{counts[Field.STATE]} state, {counts[Field.ASSIGNEE]} assignee"
    if group.key == "pins":
        title = "pins"
    else:
        source = group.changes[0].source.file_line
        title = f"rule <code>{escape_html(group.title)}</code> ({escape_html(source)})"
    return f"<details>\n<summary>{title}: {what} ({detail})</summary>\n\n" + _table_header(
        ["Issue", "Field", "Before -> After", "Decided by"]
    )


def _table_header(header: Sequence[str], numeric: int = 0) -> str:
    """A header row and its delimiter row; the last `numeric` columns align right."""
    align = "---|" * (len(header) - numeric) + "--:|" * numeric
    return "| " + " | ".join(header) + " |\n|" + align + "\n"


__all__ = [
    "DEFAULT_MAX_CHARS",
    "MARKER_PREFIX",
    "STEP_SUMMARY_MAX_BYTES",
    "comment_size",
    "escape",
    "marker_line",
    "render_markdown",
    "utf8_size",
]
