"""JSON:API documents of the Datadog API <-> model value objects; pure, no network.

The real API differs from its OpenAPI spec in small ways (api-notes sections 4 and
12): empty strings stand for absent values, error bodies come as JSON:API objects
or as plain strings, and some attributes are simply missing. This module absorbs
all of that so the rest of the code only sees `model` objects.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeGuard, TypeVar

from reconciler.errors import ResponseShapeError
from reconciler.model import Issue, Regression, SearchRequest, State, User, is_uuid

ISSUE_TYPE = "issue"
_V = TypeVar("_V")
_ERROR_DETAIL_LIMIT = 300

# --------------------------------------------------------------------------- request bodies


def search_body(request: SearchRequest) -> dict[str, Any]:
    """The SearchIssues body (api-notes section 1); track and persona only when set."""
    attributes: dict[str, Any] = {
        "query": request.query,
        "from": request.from_ms,
        "to": request.to_ms,
    }
    if request.track is not None:
        attributes["track"] = request.track.value
    if request.persona is not None:
        attributes["persona"] = request.persona.value
    if request.states:
        attributes["states"] = [state.value for state in request.states]
    if request.assignee_ids:
        attributes["assignee_ids"] = list(request.assignee_ids)
    if request.team_ids:
        attributes["team_ids"] = list(request.team_ids)
    if request.order_by:
        attributes["order_by"] = request.order_by
    return {"data": {"type": "search_request", "attributes": attributes}}


def state_body(issue_id: str, state: State) -> dict[str, Any]:
    """The UpdateIssueState body."""
    return {
        "data": {
            "id": issue_id,
            "type": "error_tracking_issue",
            "attributes": {"state": state.value},
        }
    }


def assignee_body(user_id: str) -> dict[str, Any]:
    """The UpdateIssueAssignee body (the type is `assignee`, not `user`)."""
    return {"data": {"id": user_id, "type": "assignee"}}


# --------------------------------------------------------------------------- helpers


def _text(value: object) -> str | None:
    """A string attribute, with the API's empty strings (and non-strings) read as absent."""
    if isinstance(value, str) and value != "":
        return value
    return None


def _int(value: object) -> int | None:
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return None


def _is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether `value` is a JSON object; `dict` first, as the ABC check costs ~1us a call."""
    return type(value) is dict or isinstance(value, Mapping)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    """`value` as a JSON object; raises ResponseShapeError naming `what` otherwise."""
    if not _is_object(value):
        raise ResponseShapeError(f"{what} is not a JSON object")
    return value


def _list(value: object, what: str) -> Sequence[Any]:
    """`value` as a JSON array; raises ResponseShapeError naming `what` otherwise."""
    if not isinstance(value, list):
        raise ResponseShapeError(f"{what} is not a JSON array")
    return value


def _id(resource: Mapping[str, Any], what: str) -> str:
    """The non-empty `id` of a resource; raises ResponseShapeError when there is none."""
    value = _text(resource.get("id"))
    if value is None:
        raise ResponseShapeError(f"{what} has no id")
    return value


def _related_id(relationships: Mapping[str, Any], name: str) -> str | None:
    """The id of a to-one relationship, None when absent or null."""
    link = relationships.get(name)
    if type(link) is not dict and not _is_object(link):
        return None
    data = link.get("data")
    if type(data) is not dict and not _is_object(data):
        return None
    value = data.get("id")
    return value if isinstance(value, str) and value else None


def _related_ids(relationships: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The ids of a to-many relationship, in order."""
    link = relationships.get(name)
    data = link.get("data") if _is_object(link) else None
    if not isinstance(data, list):
        return ()
    ids = (_text(item.get("id")) for item in data if _is_object(item))
    return tuple(i for i in ids if i is not None)


# --------------------------------------------------------------------------- issues


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
    resolved_at = _text(value.get("resolved_at"))
    regressed_at = _text(value.get("regressed_at"))
    version = _text(value.get("regressed_at_version"))
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


_NO_COUNTS = SearchCounts()


# The plain text attributes of an issue, in `Issue` field order.
_TEXT_ATTRIBUTES = ("service", "error_type", "error_message", "file_path", "function_name")
_STATES = {state.value: state for state in State}


def parse_issue(
    resource: object,
    labels: Mapping[str, str] | None = None,
    teams: Mapping[str, str] | None = None,
    counts: SearchCounts = _NO_COUNTS,
) -> Issue:
    """An `issue` resource as an Issue, its assignee labelled from `labels` (user id ->
    email or handle), its teams named from `teams` (team id -> name), with the `counts`
    of the search result that returned it; raises ResponseShapeError on a missing id or
    state."""
    # A plan parses every issue of the org: the common shapes take the short paths
    # (`type(x) is ...`), anything else the general helpers, which read it the same way.
    data = resource if type(resource) is dict else _mapping(resource, "issue")
    issue_id = data.get("id")
    if type(issue_id) is not str or not issue_id:
        issue_id = _id(data, "issue")
    attributes = data.get("attributes")
    if type(attributes) is not dict:
        attributes = _mapping(attributes, f"issue {issue_id} attributes")
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
    if not _is_object(relationships):
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
    assignee_id = _related_id(relationships, "assignee")
    team_ids = _related_ids(relationships, "team_owners") if "team_owners" in relationships else ()
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
        platform=_text(get("platform")),
        languages=tuple(lang for lang in languages if _text(lang))
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
    return parse_issue(_mapping(document, "response").get("data"))


@dataclass(frozen=True)
class SearchPage:
    """One search answer: the issue ids in result order, and the issues `included` held,
    and the counts of each result whose issue was not included (its GET has none)."""

    issue_ids: tuple[str, ...]
    included: Mapping[str, Issue]
    counts: Mapping[str, SearchCounts] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[str, ...]:
        """Result ids whose issue was not in `included` (they need a GET)."""
        return tuple(i for i in self.issue_ids if i not in self.included)


class IssueMemo:
    """Issues already parsed while reading the live side once, by id.

    Searches that overlap (slices of one rule, rules that select the same issues)
    return the same issue many times; with a memo each issue is parsed once, and the
    first answer that carried it gives its snapshot. Safe to share between threads:
    the look-up and the parse happen under one lock, so two searches answered at the
    same moment cannot both parse an issue (parsing holds the GIL anyway, so the
    lock costs no parallelism).
    """

    def __init__(self) -> None:
        self._issues: dict[str, Issue] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._issues)

    def get(self, issue_id: object) -> Issue | None:
        """The issue parsed before with this id, if any (no lock: a dict read is atomic)."""
        return self._issues.get(issue_id) if isinstance(issue_id, str) else None

    def issue(self, raw: Mapping[str, Any], parse: Callable[[], Issue]) -> Issue:
        """The issue parsed before with the id of `raw`, or `parse()` kept as it."""
        issue_id = raw.get("id")
        if not isinstance(issue_id, str):
            return parse()  # no id to remember it by: parse raises the shape error
        with self._lock:
            issue = self._issues.get(issue_id)
            if issue is None:
                issue = self._issues[issue_id] = parse()
            return issue


def parse_search_document(document: object, memo: IssueMemo | None = None) -> SearchPage:
    """An IssuesSearchResponse; raises ResponseShapeError on a malformed result.

    With a `memo`, an issue it knows is taken from it rather than parsed again.
    """
    body = _mapping(document, "response")
    ids: list[str] = []
    # (total_count, impacted_users) by issue id; a SearchCounts is made only where needed.
    found_counts: dict[str, tuple[int | None, int | None]] = {}
    for position, raw in enumerate(_list(body.get("data"), "data")):
        result = raw if type(raw) is dict else _mapping(raw, f"search result {position}")
        relationships = result.get("relationships")
        issue_id = (
            _related_id(relationships, "issue")
            if type(relationships) is dict or _is_object(relationships)
            else None
        )
        # The result id equals its issue id (api-notes section 4); use it when the link is absent.
        issue_id = issue_id or _id(result, f"search result {position}")
        if not is_uuid(issue_id):
            # It would become part of a URL: `..` would take the keys to another endpoint.
            raise ResponseShapeError(
                f"search result {position} names issue {issue_id[:40]!r}, which is not a UUID"
            )
        ids.append(issue_id)
        attributes = result.get("attributes")
        if type(attributes) is dict or _is_object(attributes):
            # Some results omit impacted_users (api-notes section 4): unknown, not zero.
            total = _int(attributes.get("total_count"))
            impacted = _int(attributes.get("impacted_users"))
            if total is not None or impacted is not None:
                found_counts[issue_id] = (total, impacted)
    raw_included = _list(body.get("included", []), "included")
    labels: dict[str, str] = {}
    teams: dict[str, str] = {}
    issues: list[Mapping[str, Any]] = []
    for raw in raw_included:
        kind = raw.get("type") if _is_object(raw) else None
        if kind == ISSUE_TYPE:
            issues.append(raw)
        elif kind == "user":
            # The API may send an included user with every field empty: no label then.
            user = parse_user(raw)
            label = user.email or user.handle or user.name
            if label:
                labels[user.id] = label
        elif kind == "team":
            team_id, name = _team(raw)
            if team_id and name:
                teams[team_id] = name
    included: dict[str, Issue] = {}
    for raw in issues:
        issue = memo.get(raw.get("id")) if memo is not None else None
        if issue is None:
            issue_id = _text(raw.get("id"))
            pair = found_counts.get(issue_id) if issue_id else None
            found = SearchCounts(*pair) if pair else _NO_COUNTS
            parse = partial(parse_issue, raw, labels, teams, found)
            issue = memo.issue(raw, parse) if memo is not None else parse()
        included[issue.id] = issue
    counts = {
        issue_id: SearchCounts(*found_counts[issue_id])
        for issue_id in ids
        if issue_id not in included and issue_id in found_counts
    }
    return SearchPage(issue_ids=tuple(ids), included=included, counts=counts)


def _team(resource: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """An included `team` resource's id and name (its handle when it has no name)."""
    attributes = resource.get("attributes")
    if not _is_object(attributes):
        return _text(resource.get("id")), None
    name = _text(attributes.get("name")) or _text(attributes.get("handle"))
    return _text(resource.get("id")), name


# --------------------------------------------------------------------------- users


def parse_user(resource: object) -> User:
    """A `users` resource as a User; raises ResponseShapeError when it has no id."""
    data = _mapping(resource, "user")
    user_id = _id(data, "user")
    attributes = data.get("attributes")
    if not isinstance(attributes, Mapping):
        attributes = {}
    return User(
        id=user_id,
        email=_text(attributes.get("email")),
        handle=_text(attributes.get("handle")),
        name=_text(attributes.get("name")),
        disabled=attributes.get("disabled") is True,
        status=_text(attributes.get("status")),
    )


@dataclass(frozen=True)
class UsersPage:
    """One page of ListUsers; `total` is `meta.page.total_filtered_count` when sent."""

    users: tuple[User, ...]
    total: int | None


def parse_users_document(document: object) -> UsersPage:
    """A UsersResponse page; raises ResponseShapeError."""
    body = _mapping(document, "response")
    users = tuple(parse_user(raw) for raw in _list(body.get("data"), "data"))
    meta = body.get("meta")
    page = meta.get("page") if isinstance(meta, Mapping) else None
    total = _int(page.get("total_filtered_count")) if isinstance(page, Mapping) else None
    return UsersPage(users=users, total=total)


# --------------------------------------------------------------------------- errors


def _error_item(item: object) -> str | None:
    if isinstance(item, str):
        return item.strip() or None
    if isinstance(item, Mapping):
        for key in ("detail", "title", "status"):
            text = _text(item.get(key))
            if text is not None:
                return text
    return None


def decode(body: bytes) -> object:
    """A JSON body as Python values; raises ResponseShapeError when it is not JSON, or
    nested too deeply to decode (the decoder recurses once per level)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ResponseShapeError("the body is JSON nested too deeply to read") from None
    except ValueError:  # also UnicodeDecodeError, and integers of more than 4,300 digits
        raise ResponseShapeError("the response body is not JSON") from None


def error_detail(body: bytes, fallback: str, scrub: Callable[[str], str] = str) -> str:
    """The human reason in an error body: JSON:API error objects, the spec's list of
    strings, or the start of the body as sent; `fallback` when there is nothing. `scrub`
    cleans the text before it is cut to one short line."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return fallback
    try:
        document = decode(body)
    except ResponseShapeError:
        document = None
    errors = document.get("errors") if isinstance(document, Mapping) else None
    if isinstance(errors, list):
        details = [d for d in (_error_item(item) for item in errors) if d]
        if details:
            return _shorten(scrub("; ".join(details)))
    return _shorten(scrub(text))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _ERROR_DETAIL_LIMIT:
        return text
    return text[: _ERROR_DETAIL_LIMIT - 3] + "..."
