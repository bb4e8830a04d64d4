"""The bodies of the requests the client sends (api-notes section 1)."""

from __future__ import annotations

from typing import Any

from reconciler.model import SearchRequest, State


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
