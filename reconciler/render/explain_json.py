"""The JSON explanation of one issue (CONTRACT 9).

Beyond the contract's keys, each field carries `guard` (the numbers behind a hold:
now, last seen, grace, regression time, unreadable fields; null when not held) and the
assignee field carries `keep_state` (CONTRACT 4.6), so a script can read everything the
text shows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reconciler.model import (
    Decision,
    Explanation,
    Field,
    Hold,
    Pin,
    RuleVerdict,
    is_uuid,
    issue_url,
)
from reconciler.planfile import FORMAT_VERSION
from reconciler.render.common import json_text


def iso_utc(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC with a Z, to the second, as the plan writes it."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_id(value: str | None) -> str | None:
    """An assignee id as plans write it: UUIDs lower-cased."""
    return value.lower() if value is not None and is_uuid(value) else value


def render_explain_json(explanation: Explanation) -> str:
    """The explanation as a 2-space indented JSON document, keys in contract order."""
    issue = explanation.issue
    document = {
        "format_version": FORMAT_VERSION,
        "issue_id": issue.id,
        "issue": issue.summary().to_json(),
        "state": issue.state.value,
        "assignee": user_id(issue.assignee_id),
        "rules": [_rule(verdict) for verdict in explanation.rules],
        "pin": _pin(explanation.pin),
        "fields": {
            field.value: _field(field, explanation.decisions.get(field))
            for field in (Field.STATE, Field.ASSIGNEE)
        },
        "changes": [
            {**change.to_json(), "url": issue_url(explanation.ui_host, change.issue_id)}
            for change in explanation.changes
        ],
    }
    return json_text(document)


def _rule(verdict: RuleVerdict) -> dict[str, Any]:
    return {
        "rule": verdict.rule.name,
        "source": str(verdict.rule.source),
        "returned": verdict.returned,
        "state_allowed": verdict.state_allowed,
        "decides": [field.value for field in verdict.decides],
        "beaten_on": [field.value for field in verdict.beaten_on],
    }


def _pin(pin: Pin | None) -> dict[str, Any] | None:
    if pin is None:
        return None
    managed = ((Field.STATE, pin.state), (Field.ASSIGNEE, pin.assignee))
    sets = [field.value for field, value in managed if value is not None]
    return {"source": str(pin.source), "sets": sets, "note": pin.note}


def _field(field: Field, decision: Decision | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "decided_by": None,
        "wanted": None,
        "losers": [],
        "held": None,
        "guard": None,
    }
    if decision is not None:
        data.update(
            decided_by=decision.rule if decision.rule is not None else "pin",
            wanted=decision.wanted,
            losers=list(decision.losers),
            held=decision.held.reason.value if decision.held else None,
            guard=_guard(decision.held) if decision.held else None,
        )
    if field is Field.ASSIGNEE:
        keep = decision.keep_state if decision is not None else None
        data["keep_state"] = keep.value if keep else None
    return data


def _guard(hold: Hold) -> dict[str, Any]:
    return {
        "now": iso_utc(hold.now_ms),
        "last_seen": iso_utc(hold.last_seen_ms) if hold.last_seen_ms is not None else None,
        "grace_s": hold.grace_s,
        "regressed_at": hold.regressed_at,
        "unreadable": sorted(hold.unreadable),
    }
