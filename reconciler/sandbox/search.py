"""The search endpoint's request validation, facets and the reference scan of every issue."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from reconciler.errors import QuerySyntaxError
from reconciler.model import SEARCH_CAP, Persona, SearchRequest, State, Track, is_uuid
from reconciler.query import MatchAll, Node, matches, parse
from reconciler.sandbox.errors import ApiAnswer
from reconciler.sandbox.records import SandboxIssue

_ORDERS = ("TOTAL_COUNT", "FIRST_SEEN", "IMPACTED_SESSIONS", "PRIORITY")
_E = TypeVar("_E", Track, Persona)


def _bad(detail: str) -> ApiAnswer:
    return ApiAnswer(400, detail)


def parse_criteria(body: object) -> SearchRequest:
    """The criteria of a search body; raises ApiAnswer worded like the real API."""
    data = body.get("data") if isinstance(body, dict) else None
    attrs = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attrs, dict):
        raise _bad("invalid json body: missing data.attributes")
    query = attrs.get("query")
    if not isinstance(query, str):
        raise _bad("invalid json body: query is required")
    from_ms, to_ms = attrs.get("from"), attrs.get("to")
    if not isinstance(from_ms, int) or not isinstance(to_ms, int):
        raise _bad("invalid json body: from and to are required (epoch milliseconds)")
    track = _enum(Track, "TrackType", attrs.get("track"))
    persona = _enum(Persona, "PersonaType", attrs.get("persona"))
    if track is None and persona is None:
        raise _bad("track or persona must be specified")
    order_by = attrs.get("order_by", "TOTAL_COUNT")
    if order_by not in _ORDERS:
        raise _bad(f"invalid json value for OrderBy: {order_by}")
    return SearchRequest(
        query=query,
        from_ms=from_ms,
        to_ms=to_ms,
        track=track,
        persona=persona,
        states=tuple(_states(attrs.get("states"))),
        assignee_ids=_uuids(attrs.get("assignee_ids"), "assignee_ids"),
        team_ids=_uuids(attrs.get("team_ids"), "team_ids"),
        order_by=str(order_by),
    )


def _enum(kind: type[_E], type_name: str, value: object) -> _E | None:
    if value is None:
        return None
    try:
        return kind(str(value))
    except ValueError:
        raise _bad(f"invalid json value for {type_name}: {value}") from None


def _states(value: object) -> list[State]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 20:
        raise _bad("invalid json body: states must be an array of at most 20 IssueState")
    states = []
    for item in value:
        try:
            states.append(State(item))
        except ValueError:
            raise _bad(f'invalid json value for IssueState: "{item}"') from None
    return states


def _uuids(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 50:
        raise _bad(f"invalid json body: {name} must be an array of at most 50 UUIDs")
    for item in value:
        if not isinstance(item, str) or not is_uuid(item):
            raise _bad(f"invalid UUID length: {len(str(item))}")
    return tuple(item.lower() for item in value)


def parse_query(query: str) -> Node:
    """The parsed event-search query (`*` or blank for everything); raises ApiAnswer."""
    if query.strip() in ("", "*"):
        return MatchAll()
    try:
        return parse(query)
    except QuerySyntaxError as exc:
        raise _bad(f"invalid query: {exc}") from exc


def compile_query(query: str) -> Callable[[SandboxIssue], bool]:
    """A predicate for the event-search query; raises ApiAnswer when it does not parse."""
    node = parse_query(query)
    if isinstance(node, MatchAll):
        return lambda _issue: True
    return lambda issue: matches(node, facet_lookup(issue))


def _languages(issue: SandboxIssue) -> Sequence[str]:
    return [*issue.languages, *(lang.lower() for lang in issue.languages)]


def _free_text(issue: SandboxIssue) -> Sequence[str]:
    fields = (issue.error_type, issue.error_message, issue.service, issue.file_path)
    return [text for text in (*fields, issue.function_name) if text]


# The values of an issue for each search facet; None gives the free-text fields. An
# unknown facet has no values, so `-@unknown:x` matches every issue.
FACETS: Mapping[str | None, Callable[[SandboxIssue], Sequence[str]]] = {
    None: _free_text,
    "service": lambda i: [i.service],
    "env": lambda i: [i.env] if i.env else [],
    "version": lambda i: [v for v in (i.last_seen_version, i.first_seen_version) if v],
    "@language": _languages,
    "@error.type": lambda i: [i.error_type],
    "@error.message": lambda i: [i.error_message],
    "@error.kind": lambda i: [i.error_type],
    "@error.file": lambda i: [i.file_path] if i.file_path else [],
    "@error.function": lambda i: [i.function_name] if i.function_name else [],
    "@platform": lambda i: [i.platform],
    "@issue.platform": lambda i: [i.platform],
    "@track": lambda i: [i.track.value],
    "@issue.state": lambda i: [i.state.value],
}
# Facets whose values a write can change; queries on them are re-checked after a write.
WRITABLE_FACETS = frozenset({"@issue.state"})


def facet_lookup(issue: SandboxIssue) -> Callable[[str | None], Sequence[str]]:
    """The values of an issue for each search facet; None gives the free-text fields."""

    def lookup(key: str | None) -> Sequence[str]:
        facet = FACETS.get(key)
        return facet(issue) if facet is not None else ()

    return lookup


def select(issues: Sequence[SandboxIssue], criteria: SearchRequest) -> list[SandboxIssue]:
    """The issues a search returns, best first, at most SEARCH_CAP; raises ApiAnswer.

    A scan of every issue: the reference the index (`SearchIndex`) is checked and
    measured against.
    """
    predicate = compile_query(criteria.query)
    chosen = [issue for issue in issues if keeps(issue, criteria) and predicate(issue)]
    chosen.sort(key=order_key(criteria.order_by or "TOTAL_COUNT"))
    return chosen[:SEARCH_CAP]


def keeps(issue: SandboxIssue, criteria: SearchRequest) -> bool:
    """Whether an issue passes every filter of a search but the query."""
    if not issue.active_between(criteria.from_ms, criteria.to_ms):
        return False
    if criteria.track is not None and issue.track is not criteria.track:
        return False
    if criteria.persona is not None and not issue.in_persona(criteria.persona):
        return False
    if criteria.states and issue.state not in criteria.states:
        return False
    if criteria.assignee_ids and issue.assignee_id not in criteria.assignee_ids:
        return False
    return not criteria.team_ids or bool(set(issue.team_ids) & set(criteria.team_ids))


def order_key(order_by: str) -> Callable[[SandboxIssue], Any]:
    """The sort key of an `order_by`, best first; PRIORITY is ordered like TOTAL_COUNT."""
    # Ties fall back to the id so that equal counts still give a stable order.
    if order_by == "FIRST_SEEN":
        return lambda i: (-i.first_seen, i.id)
    if order_by == "IMPACTED_SESSIONS":
        return lambda i: (-(i.impacted_sessions or 0), i.id)
    return lambda i: (-i.total_count, i.id)
