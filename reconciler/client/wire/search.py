"""Search answers, and the memo that parses each issue once however many return it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from reconciler.errors import ResponseShapeError
from reconciler.model import Issue, is_uuid

from .issues import ISSUE_TYPE, NO_COUNTS, SearchCounts, parse_issue
from .users import parse_user
from .values import as_list, as_mapping, is_object, read_int, read_text, related_id, resource_id


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
    body = as_mapping(document, "response")
    ids: list[str] = []
    # (total_count, impacted_users) by issue id; a SearchCounts is made only where needed.
    found_counts: dict[str, tuple[int | None, int | None]] = {}
    for position, raw in enumerate(as_list(body.get("data"), "data")):
        result = raw if type(raw) is dict else as_mapping(raw, f"search result {position}")
        relationships = result.get("relationships")
        issue_id = (
            related_id(relationships, "issue")
            if type(relationships) is dict or is_object(relationships)
            else None
        )
        # The result id equals its issue id (api-notes section 4); use it when the link is absent.
        issue_id = issue_id or resource_id(result, f"search result {position}")
        if not is_uuid(issue_id):
            # It would become part of a URL: `..` would take the keys to another endpoint.
            raise ResponseShapeError(
                f"search result {position} names issue {issue_id[:40]!r}, which is not a UUID"
            )
        ids.append(issue_id)
        attributes = result.get("attributes")
        if type(attributes) is dict or is_object(attributes):
            # Some results omit impacted_users (api-notes section 4): unknown, not zero.
            total = read_int(attributes.get("total_count"))
            impacted = read_int(attributes.get("impacted_users"))
            if total is not None or impacted is not None:
                found_counts[issue_id] = (total, impacted)
    raw_included = as_list(body.get("included", []), "included")
    labels: dict[str, str] = {}
    teams: dict[str, str] = {}
    issues: list[Mapping[str, Any]] = []
    for raw in raw_included:
        kind = raw.get("type") if is_object(raw) else None
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
            issue_id = read_text(raw.get("id"))
            pair = found_counts.get(issue_id) if issue_id else None
            found = SearchCounts(*pair) if pair else NO_COUNTS
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
    if not is_object(attributes):
        return read_text(resource.get("id")), None
    name = read_text(attributes.get("name")) or read_text(attributes.get("handle"))
    return read_text(resource.get("id")), name
