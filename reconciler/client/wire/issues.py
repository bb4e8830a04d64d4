"""Issue resources as model Issues: attributes, guards, regressions, relationships."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from reconciler.errors import ResponseShapeError
from reconciler.model import Issue, Regression, State

from .values import as_mapping, is_object, read_text, related_id, related_ids, resource_id

ISSUE_TYPE = "issue"
_V = TypeVar("_V")


def _absent(value: object) -> bool:
    """Absent, null or the API's empty string."""
    return value is None or value == ""


def _epoch_ms(value: object) -> int | None:
    """An epoch-ms attribute; raises _Unreadable when it is present but not an integer."""
    if _absent(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Unreadable


class _Unreadable(Exception):
    """A guard attribute the API sent in a form the tool cannot read (internal)."""


_REGRESSION_KEYS = ("resolved_at", "regressed_at", "regressed_at_version")


def _regression(value: object) -> Regression | None:
    """The `regression` attribute; absent, null or empty means the issue never regressed.

    Raises _Unreadable when it is present but not an object of strings.
    """
    if _absent(value):
        return None
    if not isinstance(value, Mapping) or any(
        not _absent(value.get(key)) and not isinstance(value.get(key), str)
        for key in _REGRESSION_KEYS
    ):
        raise _Unreadable
    resolved_at = read_text(value.get("resolved_at"))
    regressed_at = read_text(value.get("regressed_at"))
    version = read_text(value.get("regressed_at_version"))
    if resolved_at is None and regressed_at is None and version is None:
        return None
    # A regression object with a missing timestamp still means "it came back".
    return Regression(
        resolved_at=resolved_at or "",
        regressed_at=regressed_at or "",
        regressed_at_version=version,
    )


_READABLE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SearchCounts:
    """What a search result says of its issue: events and the users they reached."""

    total_count: int | None = None
    impacted_users: int | None = None


NO_COUNTS = SearchCounts()  # what a search result without counts carries


# The plain text attributes of an issue, in `Issue` field order.
_TEXT_ATTRIBUTES = ("service", "error_type", "error_message", "file_path", "function_name")
_STATES = {state.value: state for state in State}


def parse_issue(
    resource: object,
    labels: Mapping[str, str] | None = None,
    teams: Mapping[str, str] | None = None,
    counts: SearchCounts = NO_COUNTS,
) -> Issue:
    """An `issue` resource as an Issue, its assignee labelled from `labels` (user id ->
    email or handle), its teams named from `teams` (team id -> name), with the `counts`
    of the search result that returned it; raises ResponseShapeError on a missing id or
    state."""
    # A plan parses every issue of the org: the common shapes take the short paths
    # (`type(x) is ...`), anything else the general helpers, which read it the same way.
    data = resource if type(resource) is dict else as_mapping(resource, "issue")
    issue_id = data.get("id")
    if type(issue_id) is not str or not issue_id:
        issue_id = resource_id(data, "issue")
    attributes = data.get("attributes")
    if type(attributes) is not dict:
        attributes = as_mapping(attributes, f"issue {issue_id} attributes")
    get = attributes.get
    raw_state = get("state")
    state = _STATES.get(raw_state) if type(raw_state) is str else None
    if state is None:
        try:
            state = State(str(raw_state))
        except ValueError as exc:
            raise ResponseShapeError(
                f"issue {issue_id} has an unknown state {raw_state!r}"
            ) from exc
    relationships = data.get("relationships")
    if not is_object(relationships):
        relationships = {}
    # Guards fail closed: a guard field present in a form we cannot read is recorded, and
    # the planner holds RESOLVED on it (CONTRACT 4.4), never reads it as absent.
    unreadable: set[str] = set()
    first_seen = get("first_seen")
    if type(first_seen) is not int:
        first_seen = _guarded(unreadable, "first_seen", _epoch_ms, attributes)
    last_seen = get("last_seen")
    if type(last_seen) is not int:
        last_seen = _guarded(unreadable, "last_seen", _epoch_ms, attributes)
    regression = get("regression")
    if regression is not None:
        regression = _guarded(unreadable, "regression", _regression, attributes)
    assignee_id = related_id(relationships, "assignee")
    team_ids = related_ids(relationships, "team_owners") if "team_owners" in relationships else ()
    service, error_type, error_message, file_path, function_name = [
        value if isinstance(value, str) and value else None for value in map(get, _TEXT_ATTRIBUTES)
    ]
    languages = get("languages")
    return Issue(
        id=issue_id,
        state=state,
        assignee_id=assignee_id,
        service=service,
        error_type=error_type,
        error_message=error_message,
        file_path=file_path,
        function_name=function_name,
        first_seen=first_seen,
        last_seen=last_seen,
        platform=read_text(get("platform")),
        languages=tuple(lang for lang in languages if read_text(lang))
        if isinstance(languages, list) and languages
        else (),
        regression=regression,
        team_ids=team_ids,
        assignee_label=labels.get(assignee_id) if labels and assignee_id else None,
        team_labels=tuple((t, teams[t]) for t in team_ids if t in teams) if teams else (),
        total_count=counts.total_count,
        impacted_users=counts.impacted_users,
        unreadable=frozenset(unreadable) if unreadable else _READABLE,
    )


def _guarded(
    unreadable: set[str],
    name: str,
    read: Callable[[object], _V],
    attributes: Mapping[str, Any],
) -> _V | None:
    """`read` of one guard attribute; None, with `name` added to `unreadable`, when the
    API sent it in a form `read` cannot read."""
    try:
        return read(attributes.get(name))
    except _Unreadable:
        unreadable.add(name)
        return None


def parse_issue_document(document: object) -> Issue:
    """An IssueResponse (`{data: issue, included?}`); raises ResponseShapeError."""
    return parse_issue(as_mapping(document, "response").get("data"))
