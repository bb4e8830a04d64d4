"""Turns live issues into a complete config of pins (`reconciler import`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.model import Issue


def _scalar(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar, escapes included.
    return json.dumps(text, ensure_ascii=False)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:120]


def _comment(issue: Issue) -> str:
    parts = [issue.service, issue.error_type, issue.error_message]
    return _one_line(": ".join(p for p in parts if p))


def pins_config(issues: Sequence[Issue], header: Sequence[str] = ()) -> str:
    """A `version: 1` config pinning every issue to its current state and assignee."""
    lines = [f"# {line}" for line in header]
    lines.append("version: 1")
    if not issues:
        lines.append("issues: {}")
        return "\n".join(lines) + "\n"
    lines.append("issues:")
    for issue in sorted(issues, key=lambda i: i.id):
        comment = _comment(issue)
        lines.append(f"  {issue.id}:" + (f"  # {comment}" if comment else ""))
        lines.append(f"    state: {issue.state.value}")
        assignee = _scalar(issue.assignee_id) if issue.assignee_id else "null"
        label = f"  # {_one_line(issue.assignee_label)}" if issue.assignee_label else ""
        lines.append(f"    assignee: {assignee}{label}")
    return "\n".join(lines) + "\n"
