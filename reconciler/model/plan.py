"""The plan side: what the planner finds to do, and what the applier reports.

`Change`, `Held` and `Conflict` are the planner's findings, each with a
JSON-ready form; `Plan` sorts them on creation and carries their checksum;
`ChangeResult` is the applier's outcome for one change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import PlanFileError, StrictConflictError, TooManyChangesError
from reconciler.model.desired import Source
from reconciler.model.enums import Field, HoldReason, ResultStatus, State
from reconciler.model.live import IssueSummary
from reconciler.model.moves import OwnershipDelta


@dataclass(frozen=True)
class Change:
    """One field of one issue to write, and why."""

    issue_id: str
    field: Field
    before: str | None
    after: str | None
    source: Source
    rule: str | None = None  # None for a pin
    issue: IssueSummary | None = None  # how the issue read when planned, for display
    keep_state: State | None = None  # assignee changes only (CONTRACT 4.6)
    note: str | None = None

    @property
    def sort_key(self) -> tuple[str, int]:
        return (self.issue_id, list(Field).index(self.field))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "issue_id": self.issue_id,
            "field": self.field.value,
            "before": self.before,
            "after": self.after,
            "rule": self.rule,
            "source": str(self.source),
            "issue": (self.issue.to_json() if self.issue else None),
        }
        if self.field is Field.ASSIGNEE:
            data["keep_state"] = self.keep_state.value if self.keep_state else None
        if self.note is not None:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class Held:
    """A wanted RESOLVED that the guards keep from being written."""

    issue_id: str
    field: Field
    wanted: str
    current: str
    reason: HoldReason
    source: Source
    rule: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "field": self.field.value,
            "wanted": self.wanted,
            "current": self.current,
            "reason": self.reason.value,
            "rule": self.rule,
            "source": str(self.source),
        }


@dataclass(frozen=True)
class Conflict:
    """Several matching rules name different values for one field of one issue."""

    issue_id: str
    field: Field
    winner: str
    losers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "field": self.field.value,
            "winner": self.winner,
            "losers": list(self.losers),
        }


def plan_checksum(changes: Sequence[Change], api_url: str, max_changes: int) -> str:
    """SHA-256 over everything that drives a write (CONTRACT 6): the sorted
    (issue_id, field, before, after, keep_state) tuples, `api_url` and `max_changes`."""
    rows = sorted(
        (c.issue_id, c.field.value, c.before, c.after, c.keep_state.value if c.keep_state else None)
        for c in changes
    )
    payload = json.dumps(
        {"changes": rows, "api_url": api_url, "max_changes": max_changes},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def issue_url(ui_host: str | None, issue_id: str) -> str | None:
    """The issue's page in the Datadog web UI, or None when the UI host is unknown."""
    return f"https://{ui_host}/error-tracking?issueId={issue_id}" if ui_host else None


@dataclass(frozen=True)
class Plan:
    """The difference between the config and the live issues; sorted on creation."""

    changes: tuple[Change, ...]
    held: tuple[Held, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    warnings: tuple[str, ...] = ()
    issues_in_scope: int = 0
    max_changes: int = 100
    generated_at: str = ""  # ISO 8601, UTC, "Z"
    api_url: str = ""
    config_digest: str = ""
    users: Mapping[str, str] = field(default_factory=dict)  # user id -> label, for display
    ui_host: str | None = None  # the web UI host issue links point at; None: no links
    ownership: OwnershipDelta | None = None  # `plan --base` only

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(sorted(self.changes, key=lambda c: c.sort_key)))
        object.__setattr__(
            self, "held", tuple(sorted(self.held, key=lambda h: (h.issue_id, h.field.value)))
        )
        object.__setattr__(
            self,
            "conflicts",
            tuple(sorted(self.conflicts, key=lambda c: (c.issue_id, c.field.value))),
        )

    @property
    def checksum(self) -> str:
        return plan_checksum(self.changes, self.api_url, self.max_changes)

    def issue_url(self, issue_id: str) -> str | None:
        return issue_url(self.ui_host, issue_id)

    @property
    def issues_to_change(self) -> int:
        return len({c.issue_id for c in self.changes})

    def by_field(self) -> dict[str, int]:
        """Changes per field, state first as in CONTRACT 6."""
        counts = {Field.STATE.value: 0, Field.ASSIGNEE.value: 0}
        for change in self.changes:
            counts[change.field.value] += 1
        return counts

    def raise_if_unsafe(self, *, force: bool = False) -> None:
        """Refuse a plan bigger than its max_changes unless forced (octoDNS's TooMuchChange).

        Raises TooManyChangesError.
        """
        if len(self.changes) > self.max_changes and not force:
            raise TooManyChangesError(len(self.changes), self.max_changes)

    def raise_if_conflicts(self) -> None:
        """Refuse a plan in which rules disagree (`--strict`); raises StrictConflictError."""
        if self.conflicts:
            raise StrictConflictError(len(self.conflicts))

    def raise_if_other_api(self, api_url: str, *, where: str) -> None:
        """Refuse a saved plan (read from `where`) made against another API than `api_url`.

        Raises PlanFileError.
        """
        if self.api_url != api_url:
            raise PlanFileError(
                where,
                f"it was made against {self.api_url}, not {api_url}; plan again against this API",
            )

    def summary(self) -> dict[str, Any]:
        return {
            "issues_in_scope": self.issues_in_scope,
            "issues_to_change": self.issues_to_change,
            "changes": len(self.changes),
            "by_field": self.by_field(),
            "held": len(self.held),
            "conflicts": len(self.conflicts),
        }


@dataclass(frozen=True)
class ChangeResult:
    """What happened to one planned change."""

    change: Change
    status: ResultStatus
    error: str | None = None
    current: str | None = None  # a stale change's live value (CONTRACT 7)

    def to_json(self) -> dict[str, Any]:
        c = self.change
        data = {
            "issue_id": c.issue_id,
            "field": c.field.value,
            "before": c.before,
            "after": c.after,
            "rule": c.rule,
            "source": str(c.source),
            "status": self.status.value,
            "error": self.error,
        }
        if self.status is ResultStatus.STALE:
            data["current"] = self.current
        return data
