"""JSON:API documents shaped like the real Error Tracking and Users API answers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reconciler.sandbox.records import SandboxCase, SandboxIssue, SandboxTeam, SandboxUser
from reconciler.sandbox.store import Store

ORG_ID = "4dee724d-00cc-11ea-a77b-570c9d03c6c5"
_SYSTEM_USER_ID = "3ad549bf-eba0-11e9-a77a-0705486660d0"
_PROJECT_ID = "384521ba-dc5f-481f-942d-15bd48428029"
_TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}
_TITLES |= {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
_TITLES |= {503: "Service Unavailable", 504: "Gateway Timeout"}


def encode(document: Any) -> bytes:
    """Compact JSON, as every sandbox response is written."""
    return json.dumps(document, separators=(",", ":")).encode()


def encoded_document(data: Sequence[bytes], included: Sequence[bytes] | None) -> bytes:
    """A `{"data": [...], "included": [...]}` body from resources already encoded."""
    body = b'{"data":[' + b",".join(data) + b"]"
    if included is not None:
        body += b',"included":[' + b",".join(included) + b"]"
    return body + b"}"


class EncodedIssues:
    """Each issue's `issue` resource and search result, encoded once per version of it.

    A big org's issues are scattered through memory, so building and encoding 100 of
    them costs several times what joining 100 ready byte strings does; an issue that
    a write replaced is a new object and is encoded again.
    """

    def __init__(self) -> None:
        self._resources: dict[str, tuple[SandboxIssue, bytes]] = {}
        self._results: dict[str, tuple[SandboxIssue, bytes]] = {}

    def issue_resource(self, issue: SandboxIssue) -> bytes:
        """`encode(issue_resource(issue))`."""
        return self._cached(self._resources, issue, issue_resource)

    def search_result(self, issue: SandboxIssue) -> bytes:
        """`encode(search_result(issue))`."""
        return self._cached(self._results, issue, search_result)

    @staticmethod
    def _cached(
        cache: dict[str, tuple[SandboxIssue, bytes]],
        issue: SandboxIssue,
        build: Callable[[SandboxIssue], dict[str, Any]],
    ) -> bytes:
        hit = cache.get(issue.id)
        if hit is not None and hit[0] is issue:
            return hit[1]
        encoded = encode(build(issue))
        cache[issue.id] = (issue, encoded)
        return encoded


def error_document(status: int, detail: str) -> dict[str, Any]:
    """A JSON:API error body as the error-tracking endpoints send it."""
    title = _TITLES.get(status, "Error")
    return {"errors": [{"status": str(status), "title": title, "detail": detail}]}


def issue_resource(issue: SandboxIssue) -> dict[str, Any]:
    """The `issue` resource: empty strings for absent fields, only existing relationships."""
    attributes: dict[str, Any] = {
        "error_message": issue.error_message,
        "error_type": issue.error_type,
        "file_path": issue.file_path,
        "first_seen": issue.first_seen,
        "first_seen_version": issue.first_seen_version,
        "function_name": issue.function_name,
        "is_crash": issue.is_crash,
        "languages": list(issue.languages),
        "last_seen": issue.last_seen,
        "last_seen_version": issue.last_seen_version,
        "platform": issue.platform,
        "service": issue.service,
        "state": issue.state.value,
    }
    if issue.regression is not None:
        regression: dict[str, Any] = {
            "resolved_at": issue.regression.resolved_at,
            "regressed_at": issue.regression.regressed_at,
        }
        if issue.regression.regressed_at_version:
            regression["regressed_at_version"] = issue.regression.regressed_at_version
        attributes["regression"] = regression
    resource: dict[str, Any] = {"id": issue.id, "type": "issue", "attributes": attributes}
    relationships: dict[str, Any] = {}
    if issue.assignee_id:
        relationships["assignee"] = {"data": {"id": issue.assignee_id, "type": "user"}}
    if issue.case is not None:
        relationships["case"] = {"data": {"id": issue.case.id, "type": "case"}}
    if issue.team_ids:
        relationships["team_owners"] = {
            "data": [{"id": team_id, "type": "team"} for team_id in issue.team_ids]
        }
    if relationships:
        resource["relationships"] = relationships
    return resource


def case_resource(
    case: SandboxCase, issue: SandboxIssue, *, for_search: bool = False
) -> dict[str, Any]:
    """The `case` behind an issue, as included by GET, PUT and search."""
    attributes: dict[str, Any] = {
        "created_at": case.created_at,
        "creation_source": "ERROR_TRACKING",
        "description": "",
        "insights": [
            {
                "type": "ERROR_TRACKING",
                "ref": f"/error-tracking?issueId={issue.id}",
                "resource_id": issue.id,
            }
        ],
        "key": case.key,
        "modified_at": case.modified_at,
        "priority": "NOT_DEFINED",
        "status": case.status,
        "title": f"{issue.error_type}: {issue.error_message}"[:200],
        "type": "ERROR_TRACKING_ISSUE",
    }
    if case.closed_at:
        attributes["closed_at"] = case.closed_at
    if for_search:
        # Search declares the Case Management schema, whose `type` enum is only STANDARD;
        # leaving the optional field out keeps the document valid for both schemas.
        del attributes["type"]
    relationships: dict[str, Any] = {
        "created_by": {"data": {"id": _SYSTEM_USER_ID, "type": "user"}},
        "modified_by": {"data": {"id": _SYSTEM_USER_ID, "type": "user"}},
        "project": {"data": {"id": _PROJECT_ID, "type": "project"}},
    }
    if issue.assignee_id:
        relationships["assignee"] = {"data": {"id": issue.assignee_id, "type": "user"}}
    return {"id": case.id, "type": "case", "attributes": attributes, "relationships": relationships}


def issue_user_resource(user_id: str, user: SandboxUser | None, *, blank: bool) -> dict[str, Any]:
    """The `user` an issue is assigned to; the write endpoints send it with blank attributes."""
    if blank or user is None:
        attributes = {"email": "", "handle": "", "name": ""}
    else:
        attributes = {"email": user.email, "handle": user.handle, "name": user.name or ""}
    return {"id": user_id, "type": "user", "attributes": attributes}


def team_resource(team: SandboxTeam) -> dict[str, Any]:
    """A `team` owning issues."""
    return {
        "id": team.id,
        "type": "team",
        "attributes": {"handle": team.handle, "name": team.name, "summary": team.summary},
    }


def included_for(
    issues: Iterable[SandboxIssue],
    store: Store,
    wanted: set[str],
    *,
    blank_users: bool = False,
    for_search: bool = False,
) -> list[dict[str, Any]]:
    """The related resources of issues for the `include` names (assignee, case, team_owners)."""
    included: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(resource: dict[str, Any]) -> None:
        key = (resource["type"], resource["id"])
        if key not in seen:
            seen.add(key)
            included.append(resource)

    for issue in issues:
        if "case" in wanted and issue.case is not None:
            add(case_resource(issue.case, issue, for_search=for_search))
        if "assignee" in wanted and issue.assignee_id:
            user = store.user(issue.assignee_id)
            add(issue_user_resource(issue.assignee_id, user, blank=blank_users))
        if "team_owners" in wanted:
            for team_id in issue.team_ids:
                team = store.team(team_id)
                if team is not None:
                    add(team_resource(team))
    return included


def search_result(issue: SandboxIssue) -> dict[str, Any]:
    """One `error_tracking_search_result`, id equal to the issue id."""
    attributes: dict[str, Any] = {"total_count": issue.total_count}
    if issue.impacted_sessions is not None:
        attributes["impacted_sessions"] = issue.impacted_sessions
    if issue.impacted_users is not None:
        attributes["impacted_users"] = issue.impacted_users
    return {
        "id": issue.id,
        "type": "error_tracking_search_result",
        "attributes": attributes,
        "relationships": {"issue": {"data": {"id": issue.id, "type": "issue"}}},
    }


def user_resource(user: SandboxUser) -> dict[str, Any]:
    """A `users` resource as GET /api/v2/users lists it."""
    digest = hashlib.md5(user.email.lower().encode(), usedforsecurity=False).hexdigest()
    return {
        "type": "users",
        "id": user.id,
        "attributes": {
            "name": user.name,
            "handle": user.handle,
            "created_at": user.created_at,
            "modified_at": user.created_at,
            "email": user.email,
            "icon": f"https://secure.gravatar.com/avatar/{digest}?s=48&d=retro",
            "title": user.title,
            "verified": user.status != "Pending",
            "service_account": False,
            "disabled": user.disabled,
            "allowed_login_methods": [],
            "status": user.status,
        },
        "relationships": {
            "roles": {"data": []},
            "org": {"data": {"type": "orgs", "id": ORG_ID}},
        },
    }


def users_document(page: Sequence[SandboxUser], total: int, filtered: int) -> dict[str, Any]:
    """The body of GET /api/v2/users for one page."""
    return {
        "meta": {"page": {"total_filtered_count": filtered, "total_count": total}},
        "data": [user_resource(u) for u in page],
    }
