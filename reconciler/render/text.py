"""The Terraform-style text plan and apply results (CONTRACT 5 and 7)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import groupby

from reconciler.model import Change, ChangeResult, Field, Plan, ResultStatus
from reconciler.render.common import (
    NO_CHANGES,
    clean,
    decided_by,
    issue_description,
    plan_summary_line,
    results_summary_line,
    value_label,
)
from reconciler.render.moves import ownership_text

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_MAGENTA = "\x1b[35m"

_STATUS_COLOURS = {
    ResultStatus.APPLIED: _GREEN,
    ResultStatus.UNCHANGED: _GREEN,
    ResultStatus.FAILED: _RED,
    ResultStatus.STALE: _YELLOW,
    ResultStatus.SKIPPED: _YELLOW,
}

Paint = Callable[[str, str], str]


def _painter(color: bool) -> Paint:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    return paint


def render_text(
    plan: Plan, *, color: bool = False, include_warnings: bool = True, links: bool = False
) -> str:
    """The plan for a terminal: one block per issue, held, conflicts, warnings, then the
    closing `Plan: ...` line, or exactly `No changes.` when nothing is to be written.

    ANSI colour only when `color` is true (the caller checks the terminal and NO_COLOR);
    `include_warnings=False` leaves warnings out for a caller that prints them to stderr;
    `links=True` adds each issue's Datadog web UI page under its id (when the plan knows the
    UI host).
    """
    paint = _painter(color)
    sections: list[list[str]] = []
    for block_id, group in groupby(plan.changes, key=lambda change: change.issue_id):
        block = _issue_block(list(group), plan.users, paint)
        url = plan.issue_url(block_id) if links else None
        if url:
            block.insert(1, f"    {url}")
        sections.append(block)
    sections.extend(_note_sections(plan, paint))
    if include_warnings and plan.warnings:
        lines = [paint("Warnings:", _YELLOW)]
        lines.extend(f"  - {clean(warning)}" for warning in plan.warnings)
        sections.append(lines)
    closing = paint(plan_summary_line(plan), _BOLD) if plan.changes else NO_CHANGES
    sections.append([closing])
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def render_text_notes(plan: Plan, *, color: bool = False) -> str:
    """The held and conflicts sections alone ("" when there are none), for a caller that
    keeps stdout to exactly `No changes.` and shows them on stderr."""
    sections = _note_sections(plan, _painter(color))
    return "\n\n".join("\n".join(section) for section in sections) + "\n" if sections else ""


def _note_sections(plan: Plan, paint: Paint) -> list[list[str]]:
    sections = []
    if plan.held:
        sections.append(_held_section(plan, paint))
    if plan.conflicts:
        sections.append(_conflict_section(plan, paint))
    if plan.ownership is not None:
        sections.append(ownership_text(plan.ownership, plan.users))
    return sections


def _issue_block(changes: list[Change], users: Mapping[str, str], paint: Paint) -> list[str]:
    first = changes[0]
    lines = [f"{paint('~', _YELLOW)} issue {first.issue_id}"]
    description = issue_description(first.issue)
    if description:
        lines.append(f"    {description}")
    for change in changes:
        before = value_label(change.field, change.before, users)
        after = value_label(change.field, change.after, users)
        lines.append(f"    {paint('~', _YELLOW)} {change.field.value}: {before} -> {after}")
        reason = decided_by(change)
        if change.note:
            reason += f" ({clean(change.note)})"
        lines.append(f"        {reason}")
        if change.field is Field.ASSIGNEE and change.keep_state is not None:
            lines.append(f"        keeps state {change.keep_state.value} if assigning moves it")
    return lines


def _held_section(plan: Plan, paint: Paint) -> list[str]:
    lines = [paint("Held (wanted, not written):", _YELLOW)]
    for held in plan.held:
        by = f"rule {held.rule}" if held.rule else "pin"
        lines.append(
            f"  issue {held.issue_id} {held.field.value}: {held.current} -> {held.wanted} "
            f"held: {held.reason.value} ({by} at {held.source.file_line})"
        )
    return lines


def _conflict_section(plan: Plan, paint: Paint) -> list[str]:
    lines = [paint("Conflicts (the first matching rule decides):", _MAGENTA)]
    for conflict in plan.conflicts:
        lines.append(
            f"  issue {conflict.issue_id} {conflict.field.value}: {conflict.winner} "
            f"wins over {', '.join(conflict.losers)}"
        )
    return lines


def render_results_text(
    results: Sequence[ChangeResult],
    *,
    users: Mapping[str, str] | None = None,
    color: bool = False,
) -> str:
    """One line per apply result, then `Apply: N applied, N failed, N stale, N skipped.`"""
    paint = _painter(color)
    labels = users or {}
    width = max(len(status.value) for status in ResultStatus)
    lines = []
    for result in results:
        change = result.change
        status = paint(result.status.value.ljust(width), _STATUS_COLOURS[result.status])
        before = value_label(change.field, change.before, labels)
        after = value_label(change.field, change.after, labels)
        line = f"{status}  {change.issue_id} {change.field.value}: {before} -> {after}"
        if result.status is ResultStatus.STALE:
            line += f" (now {value_label(change.field, result.current, labels)})"
        if result.error:
            line += f": {clean(result.error)}"
        lines.append(line)
    lines.append(results_summary_line(results))
    return "\n".join(lines) + "\n"
