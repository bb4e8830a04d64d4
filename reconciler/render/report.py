"""The ownership report (CONTRACT 8) as text and as JSON."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from reconciler.model import Conflict, Coverage, Held, Report
from reconciler.render.common import NONE_LABEL, clean, json_text, plural

NO_SERVICE = "(no service)"


def percent(part: int, whole: int) -> str:
    """`81.8%`, rounded down so a shown value never passes a gate the exact one fails."""
    value = Decimal(100) if not whole else Decimal(part * 100) / Decimal(whole)
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_DOWN)}%"


def coverage_line(coverage: Coverage) -> str:
    """`18 of 22 open and acknowledged issues owned (81.8%), 3,412 of 4,010 events (85.0%)`"""
    by_events = percent(coverage.events_owned, coverage.events_total)
    return (
        f"{coverage.owned:,} of {coverage.total:,} open and acknowledged issues owned "
        f"({percent(coverage.owned, coverage.total)}), {coverage.events_owned:,} of "
        f"{coverage.events_total:,} events ({by_events})"
    )


def render_report_json(report: Report) -> str:
    """The report document of CONTRACT 8, 2-space indented, keys in the contract's order."""
    return json_text(report.to_json())


def render_report_text(report: Report) -> str:
    """The report for a terminal: scope and coverage, owners, teams, unowned issues by
    service, then what in the config does nothing, held items and conflicts."""
    scope = report.scope
    sections = [
        [
            f"Ownership after apply: scope {clean(scope.query)!r} over {scope.window}, "
            f"{plural(report.issues, 'issue')} in scope.",
            f"Coverage: {coverage_line(report.coverage)}.",
        ],
        ["Owners (open and acknowledged issues):"]
        + [
            f"  {clean(o.label or o.assignee)}: {plural(o.issues, 'issue')}, "
            f"{o.events:,} events, {o.impacted_users:,} impacted users"
            for o in report.owners
        ]
        + ([] if report.owners else [f"  {NONE_LABEL}"]),
    ]
    if report.teams:
        sections.append(
            ["Teams (open and acknowledged issues):"]
            + [
                f"  {clean(t.name or t.team)}: {plural(t.issues, 'issue')}, {t.owned:,} owned"
                for t in report.teams
            ]
        )
    unowned = ["Unowned after apply, by service:"]
    for group in report.unowned:
        unowned.append(
            f"  {clean(group.service or NO_SERVICE)}: {plural(group.issues, 'issue')}, "
            f"{group.events:,} events, {group.impacted_users:,} impacted users"
        )
        unowned.extend(
            f"    {top.issue_id}  {clean(top.error_type or '', 80)}  {top.events:,} events"
            for top in group.top
        )
    sections.append(unowned if report.unowned else [*unowned, f"  {NONE_LABEL}"])
    sections.extend(_config_sections(report))
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def _config_sections(report: Report) -> list[list[str]]:
    sections: list[list[str]] = []
    if report.rules_without_matches:
        sections.append(
            ["Rules that matched no issue:"] + [f"  {n}" for n in report.rules_without_matches]
        )
    if report.shadowed_rules:
        sections.append(
            ["Shadowed rules (earlier rules or pins decide every issue they match):"]
            + [f"  {name}" for name in report.shadowed_rules]
        )
    if report.missing_pins:
        sections.append(
            ["Pins whose issue no longer exists:"]
            + [f"  {pin.issue_id} at {pin.source}" for pin in report.missing_pins]
        )
    if report.held:
        sections.append(["Held (wanted, not written):"] + [_held(h) for h in report.held])
    if report.conflicts:
        sections.append(
            ["Conflicts (the first matching rule decides):"]
            + [_conflict(c) for c in report.conflicts]
        )
    return sections


def _held(held: Held) -> str:
    decider = f"rule {held.rule}" if held.rule else "pin"
    return (
        f"  {held.issue_id} {held.field.value}: {held.current} -> {held.wanted} held "
        f"({held.reason.value}), {decider} at {held.source.file_line}"
    )


def _conflict(conflict: Conflict) -> str:
    return (
        f"  {conflict.issue_id} {conflict.field.value}: {conflict.winner} wins over "
        f"{', '.join(conflict.losers)}"
    )
