"""The sandbox's endpoints over real HTTP: shapes, filters, errors and write side effects."""

from __future__ import annotations

import httpx
import pytest
from sandbox_fixtures import (
    ALICE,
    BOB,
    DAY_MS,
    KEYS,
    NOW_MS,
    OLD_ID,
    OPEN_ID,
    REGRESSED_ID,
    RESOLVED_ID,
    TEAM,
    UNKNOWN_ID,
    search_body,
)

from reconciler.model import State
from reconciler.sandbox import RunningSandbox, Store

pytest_plugins = ["sandbox_fixtures"]

SEARCH = "/api/v2/error-tracking/issues/search"
JSONAPI = "application/vnd.api+json"


def _ids(response: httpx.Response) -> list[str]:
    return [item["id"] for item in response.json()["data"]]


def test_search_without_include_returns_only_ids_and_counts(api: httpx.Client) -> None:
    response = api.post(SEARCH, json=search_body())
    assert response.status_code == 200
    assert response.headers["content-type"] == JSONAPI
    body = response.json()
    assert "included" not in body
    assert _ids(response) == [REGRESSED_ID, OPEN_ID, RESOLVED_ID]  # total_count desc
    first = body["data"][0]
    assert first["type"] == "error_tracking_search_result"
    assert first["attributes"] == {"total_count": 500}
    assert first["relationships"]["issue"]["data"] == {"id": REGRESSED_ID, "type": "issue"}


def test_search_with_include_issue_adds_the_issues_and_requested_relations(
    api: httpx.Client,
) -> None:
    response = api.post(
        f"{SEARCH}?include=issue,issue.assignee,issue.team_owners", json=search_body()
    )
    included = response.json()["included"]
    kinds = {(item["type"], item["id"]) for item in included}
    assert ("issue", OPEN_ID) in kinds
    assert ("user", ALICE) in kinds
    assert ("team", TEAM) in kinds
    assert not any(kind == "case" for kind, _ in kinds)
    regressed = next(i for i in included if i["id"] == REGRESSED_ID)
    assert regressed["attributes"]["regression"]["regressed_at_version"] == "v2"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"query": "service:payments-*"}, [REGRESSED_ID]),
        ({"query": "@language:python -service:payments-*"}, [OPEN_ID]),
        ({"query": "*", "states": ["RESOLVED", "IGNORED"]}, [RESOLVED_ID]),
        ({"query": "*", "assignee_ids": [ALICE, BOB]}, [REGRESSED_ID]),
        ({"query": "*", "team_ids": [TEAM]}, [REGRESSED_ID, OPEN_ID]),
        ({"persona": None, "track": "rum"}, [RESOLVED_ID]),
        ({"persona": "BROWSER"}, [RESOLVED_ID]),
        ({"persona": "BACKEND"}, [REGRESSED_ID, OPEN_ID]),
        ({"from": NOW_MS - 90 * DAY_MS, "query": "service:payments-worker"}, [OLD_ID]),
        ({"from": NOW_MS - 70 * DAY_MS, "to": NOW_MS - 50 * DAY_MS}, [OLD_ID]),
        ({"query": "service:nothing-here"}, []),
    ],
    ids=[
        "service-wildcard",
        "negation",
        "states-or",
        "assignees-or",
        "teams",
        "track",
        "persona-browser",
        "persona-backend",
        "wide-window",
        "activity-overlap",
        "empty",
    ],
)
def test_search_filters(
    api: httpx.Client, attributes: dict[str, object], expected: list[str]
) -> None:
    body = search_body(**attributes)
    attrs = body["data"]["attributes"]  # type: ignore[index]
    for key in [k for k, v in attrs.items() if v is None]:
        del attrs[key]
    response = api.post(SEARCH, json=body)
    assert response.status_code == 200
    assert _ids(response) == expected


def test_search_window_is_from_inclusive_to_exclusive(api: httpx.Client, store: Store) -> None:
    issue = store.issue(OPEN_ID)
    assert issue is not None
    at_last_seen = search_body(**{"from": issue.last_seen, "to": issue.last_seen + 1})
    before_first_seen = search_body(**{"from": issue.first_seen - 10, "to": issue.first_seen})
    assert OPEN_ID in _ids(api.post(SEARCH, json=at_last_seen))
    assert OPEN_ID not in _ids(api.post(SEARCH, json=before_first_seen))


def test_search_caps_at_100_results(sandbox: RunningSandbox, api: httpx.Client) -> None:
    from reconciler.sandbox import generate_org

    for issue in generate_org(issues=150, services=2, seed=3, now=NOW_MS).issues:
        sandbox.store.put_issue(issue)
    response = api.post(SEARCH, json=search_body(**{"from": NOW_MS - 3650 * DAY_MS}))
    assert len(response.json()["data"]) == 100


def test_empty_search_is_an_empty_data_array(api: httpx.Client) -> None:
    response = api.post(SEARCH, json=search_body(query="service:none"))
    assert response.text == '{"data":[]}'


@pytest.mark.parametrize(
    ("attributes", "detail"),
    [
        ({"track": "invalid-track"}, "invalid json value for TrackType: invalid-track"),
        ({"persona": None}, "track or persona must be specified"),
        ({"states": ["resolved"]}, 'invalid json value for IssueState: "resolved"'),
        ({"assignee_ids": ["invalid-id"]}, "invalid UUID length: 10"),
        ({"query": "service:(unclosed"}, "invalid query"),
    ],
    ids=["bad-track", "no-track-or-persona", "bad-state", "bad-assignee", "bad-query"],
)
def test_search_rejects_bad_requests(
    api: httpx.Client, attributes: dict[str, object], detail: str
) -> None:
    body = search_body(**attributes)
    attrs = body["data"]["attributes"]  # type: ignore[index]
    for key in [k for k, v in attrs.items() if v is None]:
        del attrs[key]
    response = api.post(SEARCH, json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == JSONAPI
    error = response.json()["errors"][0]
    assert error["status"] == "400" and error["title"] == "Bad Request"
    assert error["detail"].startswith(detail)


def test_get_issue_uses_empty_strings_and_only_existing_relationships(api: httpx.Client) -> None:
    response = api.get(f"/api/v2/error-tracking/issues/{RESOLVED_ID}")
    assert response.status_code == 200
    body = response.json()
    assert "included" not in body
    attributes = body["data"]["attributes"]
    assert attributes["file_path"] == "" and attributes["function_name"] == ""
    assert "regression" not in attributes
    assert set(body["data"]["relationships"]) == {"case"}


def test_get_issue_includes_what_is_asked(api: httpx.Client) -> None:
    response = api.get(f"/api/v2/error-tracking/issues/{REGRESSED_ID}?include=assignee,team_owners")
    included = response.json()["included"]
    assert {(i["type"], i["id"]) for i in included} == {("user", ALICE), ("team", TEAM)}
    user = next(i for i in included if i["type"] == "user")
    assert user["attributes"]["email"] == "alice@example.com"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "detail"),
    [
        ("GET", "/invalid-issue-id", None, 400, "issue id is not an uuid"),
        ("GET", f"/{UNKNOWN_ID}", None, 404, "issue not found"),
        ("PUT", f"/{UNKNOWN_ID}/state", {"data": {"attributes": {"state": "resolved"}}}, 404,
         "issue not found"),
        ("PUT", f"/{OPEN_ID}/state", {"data": {"attributes": {"state": "invalid-state"}}}, 400,
         'invalid json value for IssueState: "invalid-state"'),
        ("PUT", f"/{UNKNOWN_ID}/assignee", {"data": {"id": ALICE, "type": "assignee"}}, 404,
         "issue not found"),
        ("PUT", f"/{OPEN_ID}/assignee", {"data": {"id": "invalid-id", "type": "assignee"}}, 400,
         "invalid UUID length: 10"),
        ("PUT", f"/{OPEN_ID}/assignee", {"data": {"id": UNKNOWN_ID, "type": "assignee"}}, 404,
         "user not found"),
        ("DELETE", f"/{UNKNOWN_ID}/assignee", None, 404, "issue not found"),
    ],
    ids=[
        "get-not-uuid",
        "get-unknown",
        "state-unknown-issue-first",
        "state-bad-value",
        "assignee-unknown-issue",
        "assignee-bad-id",
        "assignee-unknown-user",
        "delete-unknown",
    ],
)  # fmt: skip
def test_issue_errors_match_the_recordings(
    api: httpx.Client, method: str, path: str, body: object, status: int, detail: str
) -> None:
    response = api.request(method, f"/api/v2/error-tracking/issues{path}", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == JSONAPI
    assert response.json()["errors"][0]["detail"] == detail


def test_update_state_returns_the_issue_with_case_and_blank_user(
    api: httpx.Client, store: Store
) -> None:
    body = {"data": {"id": RESOLVED_ID, "type": "error_tracking_issue",
                     "attributes": {"state": "ACKNOWLEDGED"}}}  # fmt: skip
    response = api.put(f"/api/v2/error-tracking/issues/{RESOLVED_ID}/state", json=body)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["state"] == "ACKNOWLEDGED"
    assert [i["type"] for i in response.json()["included"]] == ["case"]
    issue = store.issue(RESOLVED_ID)
    assert issue is not None and issue.state is State.ACKNOWLEDGED


def test_assigning_an_open_issue_acknowledges_it_and_opens_a_case(
    api: httpx.Client, store: Store
) -> None:
    body = {"data": {"id": BOB, "type": "assignee"}}
    response = api.put(f"/api/v2/error-tracking/issues/{OPEN_ID}/assignee", json=body)
    assert response.status_code == 200
    data = response.json()
    assert data["data"]["attributes"]["state"] == "ACKNOWLEDGED"
    assert data["data"]["relationships"]["assignee"]["data"] == {"id": BOB, "type": "user"}
    user = next(i for i in data["included"] if i["type"] == "user")
    assert user["attributes"] == {"email": "", "handle": "", "name": ""}
    case = next(i for i in data["included"] if i["type"] == "case")
    assert case["relationships"]["assignee"]["data"]["id"] == BOB
    issue = store.issue(OPEN_ID)
    assert issue is not None and issue.assignee_id == BOB and issue.case is not None


def test_assigning_a_resolved_issue_leaves_it_resolved(api: httpx.Client) -> None:
    body = {"data": {"id": ALICE, "type": "assignee"}}
    response = api.put(f"/api/v2/error-tracking/issues/{RESOLVED_ID}/assignee", json=body)
    assert response.json()["data"]["attributes"]["state"] == "RESOLVED"


def test_auto_acknowledge_can_be_switched_off(sandbox: RunningSandbox, api: httpx.Client) -> None:
    sandbox.reconfigure(auto_acknowledge=False)
    body = {"data": {"id": BOB, "type": "assignee"}}
    response = api.put(f"/api/v2/error-tracking/issues/{OPEN_ID}/assignee", json=body)
    assert response.json()["data"]["attributes"]["state"] == "OPEN"


def test_delete_assignee_is_204_without_body_or_content_type(
    api: httpx.Client, store: Store
) -> None:
    response = api.delete(f"/api/v2/error-tracking/issues/{REGRESSED_ID}/assignee")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    issue = store.issue(REGRESSED_ID)
    assert issue is not None and issue.assignee_id is None


def test_users_filter_pages_and_meta(api: httpx.Client) -> None:
    response = api.get("/api/v2/users", params={"filter": "ALICE@example.com"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["meta"]["page"] == {"total_filtered_count": 1, "total_count": 3}
    user = body["data"][0]
    assert user["type"] == "users" and user["id"] == ALICE
    assert user["attributes"]["allowed_login_methods"] == []
    assert user["attributes"]["title"] is None


@pytest.mark.parametrize(
    ("params", "expected_count", "filtered"),
    [
        ({"page[size]": "2", "page[number]": "0"}, 2, 3),
        ({"page[size]": "2", "page[number]": "1"}, 1, 3),
        ({"filter[status]": "Disabled"}, 1, 1),
        ({"filter[status]": "Active,Pending"}, 2, 2),
    ],
    ids=["first-page", "short-last-page", "disabled", "status-list"],
)
def test_users_paging_and_status(
    api: httpx.Client, params: dict[str, str], expected_count: int, filtered: int
) -> None:
    body = api.get("/api/v2/users", params=params).json()
    assert len(body["data"]) == expected_count
    assert body["meta"]["page"]["total_filtered_count"] == filtered


def test_users_page_size_above_100_is_rejected(api: httpx.Client) -> None:
    response = api.get("/api/v2/users", params={"page[size]": "101"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "headers",
    [{}, {"DD-API-KEY": "only-api"}, {"DD-APPLICATION-KEY": "only-app"}],
    ids=["no-keys", "no-app-key", "no-api-key"],
)
def test_both_keys_are_required(sandbox: RunningSandbox, headers: dict[str, str]) -> None:
    response = httpx.get(f"{sandbox.url}/api/v2/error-tracking/issues/{OPEN_ID}", headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == JSONAPI
    assert response.json()["errors"][0]["title"] == "Forbidden"


def test_specific_keys_can_be_required(sandbox: RunningSandbox) -> None:
    sandbox.reconfigure(api_key="right", app_key="right-app")
    url = f"{sandbox.url}/api/v2/error-tracking/issues/{OPEN_ID}"
    wrong = httpx.get(url, headers=KEYS)
    right = httpx.get(url, headers={"DD-API-KEY": "right", "DD-APPLICATION-KEY": "right-app"})
    assert (wrong.status_code, right.status_code) == (403, 200)
    assert "right" not in repr(sandbox.knobs)


def test_unknown_route_is_a_jsonapi_404(api: httpx.Client) -> None:
    response = api.get("/api/v2/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == JSONAPI


def test_requests_are_counted_per_route_and_method(
    sandbox: RunningSandbox, api: httpx.Client
) -> None:
    api.post(SEARCH, json=search_body())
    api.put(f"/api/v2/error-tracking/issues/{OPEN_ID}/state",
            json={"data": {"attributes": {"state": "RESOLVED"}}})  # fmt: skip
    api.delete(f"/api/v2/error-tracking/issues/{OPEN_ID}/assignee")
    counts = sandbox.store.request_counts()
    assert counts["POST /api/v2/error-tracking/issues/search"] == 1
    assert counts["PUT /api/v2/error-tracking/issues/{issue_id}/state"] == 1
    assert sandbox.store.write_count() == 2
    assert sandbox.store.request_count("DELETE") == 1
    sandbox.store.reset_counts()
    assert sandbox.store.request_counts() == {}
