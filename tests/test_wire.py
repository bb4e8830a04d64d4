from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from reconciler.client import wire
from reconciler.errors import ResponseShapeError
from reconciler.model import Issue, Persona, Regression, SearchRequest, State, Track, User

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTED = FIXTURES / "documented"
SERVER = "https://api.datadoghq.com"

DOC_ISSUE = Issue(
    id="c1726a66-1f64-11ee-b338-da7ad0900002",
    state=State.RESOLVED,
    assignee_id="87cb11a0-278c-440a-99fe-701223c80296",
    service="email-api-py",
    error_type="builtins.TypeError",
    error_message="object of type 'NoneType' has no len()",
    file_path="/django-email/conduit/apps/core/utils.py",
    function_name="filter_forbidden_tags",
    first_seen=1671612804001,
    last_seen=1671620003100,
    platform="BACKEND",
    languages=("PYTHON", "GO"),
    regression=Regression(
        resolved_at="2024-01-01T10:00:00Z",
        regressed_at="2024-01-03T08:00:00Z",
        regressed_at_version="v2.5.2",
    ),
    team_ids=("221b0179-6447-4d03-91c3-3ca98bf60e8a",),
)


def documented(name: str) -> Any:
    return json.loads((DOCUMENTED / f"{name}.json").read_text())


def issue_resource(**attributes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"state": "OPEN"}
    base.update(attributes)
    return {"id": "i-1", "type": "issue", "attributes": base}


@pytest.fixture(scope="module")
def spec() -> OpenAPI:
    return OpenAPI.from_file_path(str(FIXTURES / "datadog-error-tracking-openapi.yaml"))


# The extract's AuthZ (OAuth) scheme is one openapi-core does not model; it warns and skips it.
IGNORE_OAUTH_WARNING = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")


def spec_request(method: str, path: str, body: object = None) -> MockRequest:
    data = None if body is None else json.dumps(body).encode()
    return MockRequest(SERVER, method, path, data=data, content_type="application/json")


# --------------------------------------------------------------------------- request bodies


def test_search_body_matches_the_documented_request() -> None:
    request = SearchRequest(
        query="service:orders-* AND @language:go",
        from_ms=1671612804000,
        to_ms=1671620004000,
        track=Track.TRACE,
    )
    assert wire.search_body(request) == documented("search_request")


def test_search_body_sends_persona_and_states_when_set() -> None:
    request = SearchRequest(
        query="*",
        from_ms=1,
        to_ms=2,
        persona=Persona.BACKEND,
        states=(State.OPEN, State.ACKNOWLEDGED),
    )
    attributes = wire.search_body(request)["data"]["attributes"]
    assert attributes == {
        "query": "*",
        "from": 1,
        "to": 2,
        "persona": "BACKEND",
        "states": ["OPEN", "ACKNOWLEDGED"],
    }


def test_state_and_assignee_bodies_follow_the_api_notes() -> None:
    assert wire.state_body("i-1", State.RESOLVED) == {
        "data": {"id": "i-1", "type": "error_tracking_issue", "attributes": {"state": "RESOLVED"}}
    }
    assert wire.assignee_body("u-1") == {"data": {"id": "u-1", "type": "assignee"}}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param(
            "post",
            "/api/v2/error-tracking/issues/search",
            wire.search_body(
                SearchRequest("*", 1, 2, persona=Persona.ALL, states=(State.OPEN, State.IGNORED))
            ),
            id="search",
        ),
        pytest.param(
            "put",
            "/api/v2/error-tracking/issues/i-1/state",
            wire.state_body("i-1", State.EXCLUDED),
            id="state",
        ),
        pytest.param(
            "put",
            "/api/v2/error-tracking/issues/i-1/assignee",
            wire.assignee_body("87cb11a0-278c-440a-99fe-701223c80296"),
            id="assignee",
        ),
    ],
)
@IGNORE_OAUTH_WARNING
def test_request_bodies_satisfy_the_spec(spec: OpenAPI, method: str, path: str, body: Any) -> None:
    spec.validate_request(spec_request(method, path, body))


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        pytest.param(
            "post", "/api/v2/error-tracking/issues/search", "search_response", id="search"
        ),
        pytest.param(
            "get", f"/api/v2/error-tracking/issues/{DOC_ISSUE.id}", "issue_response", id="get"
        ),
    ],
)
@IGNORE_OAUTH_WARNING
def test_documented_payloads_satisfy_the_spec(
    spec: OpenAPI, method: str, path: str, name: str
) -> None:
    body = (DOCUMENTED / f"{name}.json").read_bytes()
    request = spec_request(method, path, documented("search_request") if method == "post" else None)
    spec.validate_response(request, MockResponse(body, content_type="application/json"))


# --------------------------------------------------------------------------- issues


def test_documented_issue_response_parses_into_the_exact_issue() -> None:
    assert wire.parse_issue_document(documented("issue_response")) == DOC_ISSUE


def test_documented_search_response_parses_with_its_included_issue() -> None:
    page = wire.parse_search_document(documented("search_response"))
    assert page.issue_ids == (DOC_ISSUE.id,)
    # The included user labels the assignee, the included team names the owner team, and
    # the search result's counts ride with the issue.
    labelled = replace(
        DOC_ISSUE,
        assignee_label="user@company.com",
        team_labels=(("221b0179-6447-4d03-91c3-3ca98bf60e8a", "Team Name"),),
        total_count=82,
        impacted_users=4,
    )
    assert page.included == {DOC_ISSUE.id: labelled}
    assert page.missing == ()


def test_empty_strings_mean_absent() -> None:
    issue = wire.parse_issue(
        issue_resource(file_path="", function_name="", service="", platform="", languages=[""])
    )
    assert issue == Issue(id="i-1", state=State.OPEN)


def test_missing_optional_attributes_and_relationships_are_none() -> None:
    issue = wire.parse_issue({"id": "i-1", "type": "issue", "attributes": {"state": "IGNORED"}})
    assert (issue.assignee_id, issue.team_ids, issue.regression) == (None, (), None)


@pytest.mark.parametrize(
    ("regression", "expected"),
    [
        pytest.param(None, None, id="null"),
        pytest.param({}, None, id="empty-object"),
        pytest.param(
            {"resolved_at": "2024-01-01T10:00:00Z", "regressed_at": "2024-01-03T08:00:00Z"},
            Regression("2024-01-01T10:00:00Z", "2024-01-03T08:00:00Z"),
            id="without-version",
        ),
        pytest.param(
            {"regressed_at": "2024-01-03T08:00:00Z", "regressed_at_version": ""},
            Regression("", "2024-01-03T08:00:00Z"),
            id="partial-still-regressed",
        ),
    ],
)
def test_regression_object(regression: object, expected: Regression | None) -> None:
    assert wire.parse_issue(issue_resource(regression=regression)).regression == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1.7e12, id="float"),
        pytest.param(1700000000000.0, id="integral-float"),
        pytest.param("1700000000000", id="string"),
        pytest.param(True, id="bool"),
        pytest.param({"ms": 1700000000000}, id="object"),
        pytest.param([1700000000000], id="list"),
    ],
)
@pytest.mark.parametrize("name", ["last_seen", "first_seen"])
def test_an_unreadable_seen_time_is_recorded_not_read_as_absent(name: str, value: object) -> None:
    issue = wire.parse_issue(issue_resource(**{name: value}))
    assert issue.unreadable == frozenset({name})
    assert getattr(issue, name) is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("yes", id="string"),
        pytest.param(["2024-01-03T08:00:00Z"], id="list"),
        pytest.param(1, id="number"),
        pytest.param(True, id="bool"),
        pytest.param({"regressed_at": 1704268800000}, id="object-with-a-number"),
        pytest.param({"resolved_at": {"at": "2024-01-01"}}, id="object-with-an-object"),
    ],
)
def test_an_unreadable_regression_is_recorded_not_read_as_never(value: object) -> None:
    issue = wire.parse_issue(issue_resource(regression=value))
    assert issue.unreadable == frozenset({"regression"})
    assert issue.regression is None


@pytest.mark.parametrize("value", [None, ""], ids=["null", "empty-string"])
def test_absent_guard_fields_stay_absent(value: object) -> None:
    both = wire.parse_issue(issue_resource(last_seen=value, first_seen=value, regression=value))
    neither = wire.parse_issue(issue_resource())
    assert both.unreadable == neither.unreadable == frozenset()
    assert (both.last_seen, both.first_seen, both.regression) == (None, None, None)


def test_readable_guard_fields_are_read() -> None:
    issue = wire.parse_issue(
        issue_resource(last_seen=-1, first_seen=0, regression={"regressed_at": "2024-01-03"})
    )
    assert (issue.last_seen, issue.first_seen, issue.unreadable) == (-1, 0, frozenset())
    assert issue.regression == Regression("", "2024-01-03")


@pytest.mark.parametrize("depth", [1_025, 100_000])
def test_deeply_nested_json_is_a_shape_error_not_a_recursion_error(depth: int) -> None:
    body = b'{"a":' * depth + b"1" + b"}" * depth
    with pytest.raises(ResponseShapeError, match="nested too deeply"):
        wire.decode(body)
    assert wire.error_detail(body, "x").startswith('{"a":{"a":')


def test_a_thousand_deep_answer_within_the_decoders_limit_is_a_clean_shape_error() -> None:
    data = b'{"a":' * 1_000 + b"1" + b"}" * 1_000
    body = b'{"data":' + data + b', "included": ' + data + b"}"
    with pytest.raises(ResponseShapeError, match="not a JSON array"):
        wire.parse_search_document(wire.decode(body))
    with pytest.raises(ResponseShapeError):
        wire.parse_issue_document(wire.decode(body))


def test_an_integer_wider_than_64_bits_is_unreadable_never_a_number() -> None:
    resource = issue_resource()
    resource["attributes"]["last_seen"] = 10**30
    decoded = wire.decode(json.dumps({"data": resource}).encode())
    issue = wire.parse_issue_document(decoded)
    assert issue.last_seen is None and "last_seen" in issue.unreadable


def test_null_assignee_relationship_is_unassigned() -> None:
    resource = issue_resource()
    resource["relationships"] = {"assignee": {"data": None}, "team_owners": {"data": []}}
    assert wire.parse_issue(resource).assignee_id is None


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        pytest.param("nope", "issue is not a JSON object", id="not-object"),
        pytest.param({"type": "issue", "attributes": {}}, "issue has no id", id="no-id"),
        pytest.param({"id": "i-1", "type": "issue"}, "attributes is not", id="no-attributes"),
        pytest.param(issue_resource(state="SNOOZED"), "unknown state 'SNOOZED'", id="bad-state"),
        pytest.param(
            {"id": "i-1", "type": "issue", "attributes": {}}, "unknown state None", id="no-state"
        ),
    ],
)
def test_malformed_issue_raises_shape_error(resource: object, message: str) -> None:
    with pytest.raises(ResponseShapeError, match=message):
        wire.parse_issue(resource)


def test_search_result_without_included_issue_is_missing() -> None:
    document = {
        "data": [
            {
                "id": "aaaaaaaa-0000-4000-8000-000000000001",
                "type": "error_tracking_search_result",
                "attributes": {"total_count": 1},
            },
            {
                "id": "bbbbbbbb-0000-4000-8000-000000000002",
                "type": "error_tracking_search_result",
                "attributes": {},
                "relationships": {
                    "issue": {
                        "data": {"id": "bbbbbbbb-0000-4000-8000-000000000002", "type": "issue"}
                    }
                },
            },
        ],
        "included": [
            {**issue_resource(), "id": "bbbbbbbb-0000-4000-8000-000000000002"},
            {"id": "u", "type": "user"},
        ],
    }
    page = wire.parse_search_document(document)
    assert page.issue_ids == (
        "aaaaaaaa-0000-4000-8000-000000000001",
        "bbbbbbbb-0000-4000-8000-000000000002",
    )
    assert page.missing == ("aaaaaaaa-0000-4000-8000-000000000001",)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param([], id="not-object"),
        pytest.param({}, id="no-data"),
        pytest.param({"data": {}}, id="data-not-list"),
        pytest.param({"data": [{"type": "error_tracking_search_result"}]}, id="result-no-id"),
        pytest.param({"data": [], "included": {}}, id="included-not-list"),
    ],
)
def test_malformed_search_document_raises_shape_error(document: object) -> None:
    with pytest.raises(ResponseShapeError):
        wire.parse_search_document(document)


# --------------------------------------------------------------------------- users


def test_users_page_with_total_and_null_name() -> None:
    document = {
        "meta": {"page": {"total_filtered_count": 1, "total_count": 57061}},
        "data": [
            {
                "type": "users",
                "id": "u-1",
                "attributes": {
                    "name": None,
                    "handle": "a@example.com",
                    "email": "a@example.com",
                    "disabled": False,
                    "status": "Pending",
                },
            }
        ],
    }
    page = wire.parse_users_document(document)
    assert page == wire.UsersPage(
        users=(User(id="u-1", email="a@example.com", handle="a@example.com", status="Pending"),),
        total=1,
    )


def test_users_page_without_meta_has_no_total() -> None:
    page = wire.parse_users_document({"data": [{"type": "users", "id": "u", "attributes": None}]})
    assert page == wire.UsersPage(users=(User(id="u"),), total=None)


def test_disabled_user_flag() -> None:
    user = wire.parse_user({"id": "u", "attributes": {"disabled": True, "status": "Disabled"}})
    assert (user.disabled, user.status) == (True, "Disabled")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            b'{"errors":[{"status":"404","title":"Not Found","detail":"issue not found"}]}',
            "issue not found",
            id="jsonapi-object",
        ),
        pytest.param(
            b'{"errors":[{"status":"403","title":"Forbidden"}]}', "Forbidden", id="object-no-detail"
        ),
        pytest.param(
            b'{"errors":["Bad Request", "query is required"]}',
            "Bad Request; query is required",
            id="spec-strings",
        ),
        pytest.param(
            b"<html><body>502 Bad Gateway</body></html>",
            "<html><body>502 Bad Gateway</body></html>",
            id="html",
        ),
        pytest.param(b"", "Service Unavailable", id="empty"),
        pytest.param(b'{"errors":[]}', '{"errors":[]}', id="empty-errors"),
        pytest.param(b'{"message":"nope"}', '{"message":"nope"}', id="other-json"),
        pytest.param(b"x" * 500, "x" * 297 + "...", id="long"),
    ],
)
def test_error_detail(body: bytes, expected: str) -> None:
    assert wire.error_detail(body, "Service Unavailable") == expected


@pytest.mark.parametrize(
    ("attributes", "label"),
    [
        pytest.param({"email": "a@example.com", "handle": "a"}, "a@example.com", id="email"),
        pytest.param({"email": "", "handle": "a-handle", "name": ""}, "a-handle", id="handle"),
        # The API sends included users with every field empty (recorded on writes).
        pytest.param({"email": "", "handle": "", "name": ""}, None, id="all-empty"),
    ],
)
def test_search_labels_assignees_from_included_users(
    attributes: dict[str, str], label: str | None
) -> None:
    user = "87cb11a0-278c-440a-99fe-701223c80296"
    issue = "5f8ebd5c-6dd9-11f0-8a28-da7ad0900002"
    document = {
        "data": [{"id": issue, "type": "error_tracking_search_result", "attributes": {}}],
        "included": [
            {
                "id": issue,
                "type": "issue",
                "attributes": {"state": "OPEN"},
                "relationships": {"assignee": {"data": {"id": user, "type": "user"}}},
            },
            {"id": user, "type": "user", "attributes": attributes},
        ],
    }
    page = wire.parse_search_document(document)
    assert page.included[issue].assignee_label == label


def test_search_body_carries_the_optional_filters_only_when_set() -> None:
    team = "221b0179-6447-4d03-91c3-3ca98bf60e8a"
    request = SearchRequest("*", 1, 2, persona=Persona.ALL, team_ids=(team,), order_by="PRIORITY")
    attributes = wire.search_body(request)["data"]["attributes"]
    assert attributes == {
        "query": "*",
        "from": 1,
        "to": 2,
        "persona": "ALL",
        "team_ids": [team],
        "order_by": "PRIORITY",
    }
