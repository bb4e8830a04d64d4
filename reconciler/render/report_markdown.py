"""The ownership report as GitHub-flavoured Markdown: coverage first, then who owns what,
what nobody owns, and what in the config does nothing. Free text is inert."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.model import Report, is_uuid, issue_url
from reconciler.render.common import NONE_LABEL
from reconciler.render.inert import comment_safe, escape
from reconciler.render.report import NO_SERVICE, coverage_line

REPORT_MARKER_PREFIX = "<!-- reconciler report"


def render_report_markdown(report: Report, *, config_name: str | None = None) -> str:
    """The report as Markdown, with a hidden marker line naming `config_name`."""
    scope = report.scope
    blocks = [
        f"### Ownership: {coverage_line(report.coverage)}",
        f"Scope: {_code(scope.query)} over {scope.window}, {report.issues:,} issues, as they "
        "will be after apply.",
        "#### Unowned, by service\n\n"
        + _table(
            ["Service", "Issues", "Events", "Impacted users", "Heaviest"],
            [
                [
                    escape(g.service or NO_SERVICE),
                    f"{g.issues:,}",
                    f"{g.events:,}",
                    f"{g.impacted_users:,}",
                    "<br>".join(
                        f"{_issue(report, t.issue_id)} {escape(t.error_type or '')} ({t.events:,})"
                        for t in g.top
                    ),
                ]
                for g in report.unowned
            ],
            numeric=(1, 2, 3),
        ),
        "#### Owners\n\n"
        + _table(
            ["Owner", "Issues", "Events", "Impacted users"],
            [
                [
                    _user(o.label, o.assignee),
                    f"{o.issues:,}",
                    f"{o.events:,}",
                    f"{o.impacted_users:,}",
                ]
                for o in report.owners
            ],
            numeric=(1, 2, 3),
        ),
    ]
    if report.teams:
        rows = [[escape(t.name or t.team), f"{t.issues:,}", f"{t.owned:,}"] for t in report.teams]
        blocks.append("#### Teams\n\n" + _table(["Team", "Issues", "Owned"], rows, (1, 2)))
    blocks.extend(_config_blocks(report))
    name = config_name or "config"
    blocks.append(f"{REPORT_MARKER_PREFIX}: {comment_safe(name)[:300]} -->")
    return "\n\n".join(blocks) + "\n"


def _config_blocks(report: Report) -> list[str]:
    lines = []
    if report.rules_without_matches:
        names = ", ".join(_code(n) for n in report.rules_without_matches)
        lines.append(f"- Rules that matched no issue: {names}")
    if report.shadowed_rules:
        names = ", ".join(_code(n) for n in report.shadowed_rules)
        lines.append(
            f"- Shadowed rules (earlier rules or pins decide every issue they match): {names}"
        )
    for pin in report.missing_pins:
        lines.append(f"- Pin at {escape(str(pin.source))}: issue `{pin.issue_id}` no longer exists")
    blocks = ["#### Config\n\n" + "\n".join(lines)] if lines else []
    if report.held:
        rows = [
            [
                _issue(report, h.issue_id),
                h.field.value,
                f"{h.current} -> {h.wanted}",
                h.reason.value,
                _code(h.rule) if h.rule else "pin",
                escape(h.source.file_line),
            ]
            for h in report.held
        ]
        header = ["Issue", "Field", "Current -> Wanted", "Reason", "Rule", "Source"]
        blocks.append("#### Held (wanted, not written)\n\n" + _table(header, rows))
    if report.conflicts:
        rows = [
            [
                _issue(report, c.issue_id),
                c.field.value,
                _code(c.winner),
                ", ".join(_code(n) for n in c.losers),
            ]
            for c in report.conflicts
        ]
        header = ["Issue", "Field", "Winner", "Losers"]
        blocks.append("#### Conflicts (the first matching rule decides)\n\n" + _table(header, rows))
    return blocks


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    if not rows:
        return NONE_LABEL
    align = "|" + "".join("--:|" if i in numeric else "---|" for i in range(len(header)))
    lines = ["| " + " | ".join(header) + " |", align]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _code(text: str) -> str:
    """A name in a code span when it can be one safely, else escaped text."""
    if text and "`" not in text and "|" not in text and text.isprintable():
        return f"`{text}`"
    return escape(text)


def _issue(report: Report, issue_id: str) -> str:
    url = issue_url(report.ui_host, issue_id) if is_uuid(issue_id) else None
    label = f"`{issue_id}`" if is_uuid(issue_id) else escape(issue_id)
    return f"[{label}]({url})" if url else label


def _user(label: str | None, user_id: str) -> str:
    return escape(label) if label else f"`{user_id}`"
