"""Value objects shared by every layer: issues, the desired config, plans and results.

Everything here is a frozen dataclass or an enum; nothing talks to the network
or the disk. `IssueApi` is the one seam through which selection and the applier
reach Datadog (the real client, or a fake in tests).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class State(StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    IGNORED = "IGNORED"
    EXCLUDED = "EXCLUDED"


class Track(StrEnum):
    TRACE = "trace"
    LOGS = "logs"
    RUM = "rum"


class Persona(StrEnum):
    ALL = "ALL"
    BROWSER = "BROWSER"
    MOBILE = "MOBILE"
    BACKEND = "BACKEND"


class AssignPolicy(StrEnum):
    IF_UNASSIGNED = "if_unassigned"
    ALWAYS = "always"


class Field(StrEnum):
    """A field the reconciler manages; the value order is the write order."""

    ASSIGNEE = "assignee"
    STATE = "state"


class HoldReason(StrEnum):
    GRACE = "grace"
    REGRESSED = "regressed"


class ResultStatus(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    STALE = "stale"
    SKIPPED = "skipped"


# Default `from_states` by a rule's target state (CONTRACT 4.1); None = no state.
DEFAULT_FROM_STATES: Mapping[State | None, tuple[State, ...]] = {
    State.RESOLVED: (State.OPEN, State.ACKNOWLEDGED),
    State.IGNORED: (State.OPEN,),
    State.ACKNOWLEDGED: (State.OPEN,),
    State.EXCLUDED: (State.OPEN, State.IGNORED),
    State.OPEN: (),
    None: (State.OPEN, State.ACKNOWLEDGED),
}

SEARCH_CAP = 100  # the search endpoint returns at most this many issues, with no cursor

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(text: str) -> bool:
    return bool(_UUID.match(text))


# --------------------------------------------------------------------------- observed side


@dataclass(frozen=True)
class Regression:
    resolved_at: str
    regressed_at: str
    regressed_at_version: str | None = None


@dataclass(frozen=True)
class Issue:
    """An Error Tracking issue as the API reports it (empty strings already mapped to None)."""

    id: str
    state: State
    assignee_id: str | None = None
    service: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    file_path: str | None = None
    function_name: str | None = None
    first_seen: int | None = None  # epoch ms
    last_seen: int | None = None  # epoch ms
    platform: str | None = None
    languages: tuple[str, ...] = ()
    regression: Regression | None = None
    team_ids: tuple[str, ...] = ()
    assignee_label: str | None = None  # the assignee's email or handle, when the API says

    def summary(self) -> dict[str, str | None]:
        """The short description shown beside a change (CONTRACT 6, `issue`)."""
        return {
            "service": self.service,
            "error_type": self.error_type,
            "error_message": self.error_message,
        }


@dataclass(frozen=True)
class User:
    id: str
    email: str | None = None
    handle: str | None = None
    name: str | None = None
    disabled: bool = False
    status: str | None = None

    @property
    def label(self) -> str:
        return self.email or self.handle or self.name or self.id


@dataclass(frozen=True)
class SearchRequest:
    """One call of the search endpoint; `from_ms` inclusive, `to_ms` exclusive."""

    query: str
    from_ms: int
    to_ms: int
    track: Track | None = None
    persona: Persona | None = None
    states: tuple[State, ...] = ()


class IssueApi(Protocol):
    """What selection, planning and the applier need from Datadog."""

    def search(self, request: SearchRequest) -> list[Issue]:
        """Issues matching one search call (at most SEARCH_CAP), with their details."""
        ...

    def get_issue(self, issue_id: str) -> Issue:
        """One issue; raises NotFoundError."""
        ...

    def set_state(self, issue_id: str, state: State) -> Issue:
        """PUT the state; returns the issue as the API left it."""
        ...

    def set_assignee(self, issue_id: str, user_id: str) -> Issue:
        """PUT the assignee; returns the issue as the API left it (state may have moved)."""
        ...

    def remove_assignee(self, issue_id: str) -> None:
        """DELETE the assignee (the API answers 204 with no body)."""
        ...

    def find_user(self, reference: str) -> User:
        """The user whose email or handle equals `reference` (case-insensitive);
        raises UserLookupError when there is none."""
        ...


# --------------------------------------------------------------------------- desired side


@dataclass(frozen=True)
class Source:
    """Where a rule or pin is written; rendered FILE:LINE:COL."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    @property
    def file_line(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Assignee:
    """A wanted assignee. `user` is None to unassign; otherwise a user reference
    (email, handle or UUID) as loaded, and a UUID once users are resolved."""

    user: str | None


@dataclass(frozen=True)
class Rule:
    name: str
    query: str
    from_states: tuple[State, ...]
    window_s: int
    grace_s: int
    source: Source
    track: Track | None = None
    persona: Persona | None = None
    state: State | None = None
    assignee: Assignee | None = None  # None: the rule does not manage the assignee
    assign: AssignPolicy = AssignPolicy.IF_UNASSIGNED
    resolve_regressions: bool = False
    allow_exclude: bool = False


@dataclass(frozen=True)
class Pin:
    issue_id: str
    source: Source
    grace_s: int
    state: State | None = None
    assignee: Assignee | None = None  # None: the pin does not manage the assignee
    note: str | None = None
    resolve_regressions: bool = False


@dataclass(frozen=True)
class Config:
    """A validated configuration, all files merged in order."""

    rules: tuple[Rule, ...]
    pins: tuple[Pin, ...]
    max_changes: int
    digest: str  # "sha256:..." over the files' bytes, in load order
    files: tuple[str, ...] = ()
    users: Mapping[str, str] = field(default_factory=dict)  # alias -> reference

    def user_references(self) -> dict[str, Source]:
        """Every email or handle the config names (UUIDs need no lookup), with its
        first position."""
        refs: dict[str, Source] = {}
        items: tuple[Rule | Pin, ...] = (*self.rules, *self.pins)
        for item in items:
            user = item.assignee.user if item.assignee else None
            if user is not None and not is_uuid(user):
                refs.setdefault(user, item.source)
        return refs


@dataclass(frozen=True)
class Observed:
    """The live side: every issue fetched, and which ids each rule's search returned."""

    issues: Mapping[str, Issue]
    selections: Mapping[str, frozenset[str]]  # rule name -> issue ids


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Change:
    """One field of one issue to write, and why."""

    issue_id: str
    field: Field
    before: str | None
    after: str | None
    source: Source
    rule: str | None = None  # None for a pin
    issue: Issue | None = None
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
            "issue": (self.issue.summary() if self.issue else None),
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


def plan_checksum(changes: Sequence[Change]) -> str:
    """SHA-256 over the sorted (issue_id, field, before, after) tuples."""
    rows = sorted((c.issue_id, c.field.value, c.before, c.after) for c in changes)
    payload = json.dumps(rows, separators=(",", ":"), sort_keys=False).encode()
    return "sha256:" + hashlib.sha256(payload).hexdigest()


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
        return plan_checksum(self.changes)

    @property
    def issues_to_change(self) -> int:
        return len({c.issue_id for c in self.changes})

    def by_field(self) -> dict[str, int]:
        counts = {f.value: 0 for f in Field}
        for change in self.changes:
            counts[change.field.value] += 1
        return {"state": counts["state"], "assignee": counts["assignee"]}

    def summary(self) -> dict[str, Any]:
        return {
            "issues_in_scope": self.issues_in_scope,
            "issues_to_change": self.issues_to_change,
            "changes": len(self.changes),
            "by_field": self.by_field(),
            "held": len(self.held),
            "conflicts": len(self.conflicts),
        }


# --------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class ChangeResult:
    """What happened to one planned change."""

    change: Change
    status: ResultStatus
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        c = self.change
        return {
            "issue_id": c.issue_id,
            "field": c.field.value,
            "before": c.before,
            "after": c.after,
            "rule": c.rule,
            "source": str(c.source),
            "status": self.status.value,
            "error": self.error,
        }
