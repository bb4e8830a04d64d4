"""The live side: what Datadog reports, and the seam through which it is reached.

`Issue`, `User` and `Regression` are as the API reports them; a `SearchRequest`
is one call of the search endpoint; `IssueApi` is the one seam through which
selection and the applier reach Datadog (the real client, or a fake in tests);
`Observed` is everything selection fetched, as the planner receives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from reconciler.errors import PinNotFoundError, PlanFailed, UserLookupError
from reconciler.model.desired import Pin
from reconciler.model.enums import Persona, State, Track, is_uuid


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
    # (team id, name) of the owning teams the API described; a GET describes none.
    team_labels: tuple[tuple[str, str], ...] = ()
    # The search result's counts (a GET has none): events, and users they reached.
    total_count: int | None = None
    impacted_users: int | None = None
    # Guard fields ("last_seen", "regression") the API sent but the tool could not read:
    # the guards treat them as "still firing" / "regressed", never as absent (CONTRACT 4.4).
    unreadable: frozenset[str] = frozenset()

    def summary(self) -> IssueSummary:
        """The short description shown beside a change (CONTRACT 6, `issue`)."""
        return IssueSummary(self.service, self.error_type, self.error_message)


@dataclass(frozen=True)
class IssueSummary:
    """What a plan keeps of an issue to describe it beside a change (CONTRACT 6, `issue`)."""

    service: str | None = None
    error_type: str | None = None
    error_message: str | None = None

    def to_json(self) -> dict[str, str | None]:
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
    assignee_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    order_by: str | None = None  # TOTAL_COUNT, FIRST_SEEN, IMPACTED_SESSIONS or PRIORITY


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


@dataclass(frozen=True)
class Observed:
    """Everything observing fetched, as the planner receives it.

    `issues` holds every issue a search returned or a pin fetched; `selections` which
    ids each rule's search returned (before `from_states` is applied); `users` the
    user each email or handle of the config names; `missing_pins` the pins whose issue
    answered 404, kept as data so `plan` can refuse them and a report can list them;
    `api_url` and `ui_host` where it was observed (the UI host is None when unknown).
    """

    issues: Mapping[str, Issue]
    selections: Mapping[str, frozenset[str]]  # rule name -> issue ids
    users: Mapping[str, User] = field(default_factory=dict)  # reference -> user
    missing_pins: tuple[Pin, ...] = ()
    api_url: str = ""
    ui_host: str | None = None

    def user_id(self, reference: str) -> str:
        """The UUID an email, handle or UUID names (UUIDs lowercased, as the API answers).

        Raises UserLookupError for a reference that was not looked up.
        """
        if is_uuid(reference):
            return reference.lower()
        user = self.users.get(reference)
        if user is None:
            raise UserLookupError(reference, "was not looked up; observe the config again")
        return user.id

    def labels(self) -> dict[str, str]:
        """User id -> label for display: assignees as the issues name them, then the
        users the config names (their lookup is the better label)."""
        labels = {
            issue.assignee_id: issue.assignee_label
            for issue in self.issues.values()
            if issue.assignee_id and issue.assignee_label
        }
        labels.update({user.id: user.label for user in self.users.values()})
        return labels

    def team_labels(self) -> dict[str, str]:
        """Team id -> name, for the teams the observed issues name."""
        return {
            team_id: name for issue in self.issues.values() for team_id, name in issue.team_labels
        }

    def raise_if_missing_pins(self) -> None:
        """Raises PlanFailed with a PinNotFoundError per pin whose issue does not exist."""
        if self.missing_pins:
            raise PlanFailed(
                [PinNotFoundError(pin.issue_id, pin.source.file_line) for pin in self.missing_pins]
            )
