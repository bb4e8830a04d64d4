"""The official datadog-api-client, pointed at the sandbox, cannot tell it from the real API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, NotFoundException
from datadog_api_client.v2.api.error_tracking_api import ErrorTrackingApi
from datadog_api_client.v2.api.users_api import UsersApi
from datadog_api_client.v2.model.get_issue_include_query_parameter_item import (
    GetIssueIncludeQueryParameterItem,
)
from datadog_api_client.v2.model.issue_included import IssueIncluded
from datadog_api_client.v2.model.issue_response import IssueResponse
from datadog_api_client.v2.model.issue_state import IssueState
from datadog_api_client.v2.model.issue_update_assignee_request import IssueUpdateAssigneeRequest
from datadog_api_client.v2.model.issue_update_assignee_request_data import (
    IssueUpdateAssigneeRequestData,
)
from datadog_api_client.v2.model.issue_update_assignee_request_data_type import (
    IssueUpdateAssigneeRequestDataType,
)
from datadog_api_client.v2.model.issue_update_state_request import IssueUpdateStateRequest
from datadog_api_client.v2.model.issue_update_state_request_data import (
    IssueUpdateStateRequestData,
)
from datadog_api_client.v2.model.issue_update_state_request_data_attributes import (
    IssueUpdateStateRequestDataAttributes,
)
from datadog_api_client.v2.model.issue_update_state_request_data_type import (
    IssueUpdateStateRequestDataType,
)
from datadog_api_client.v2.model.issues_search_request import IssuesSearchRequest
from datadog_api_client.v2.model.issues_search_request_data import IssuesSearchRequestData
from datadog_api_client.v2.model.issues_search_request_data_attributes import (
    IssuesSearchRequestDataAttributes,
)
from datadog_api_client.v2.model.issues_search_request_data_attributes_persona import (
    IssuesSearchRequestDataAttributesPersona,
)
from datadog_api_client.v2.model.issues_search_request_data_type import (
    IssuesSearchRequestDataType,
)
from datadog_api_client.v2.model.issues_search_response import IssuesSearchResponse
from datadog_api_client.v2.model.search_issues_include_query_parameter_item import (
    SearchIssuesIncludeQueryParameterItem,
)
from datadog_api_client.v2.model.users_response import UsersResponse
from sandbox_fixtures import (
    ALICE,
    BOB,
    DAY_MS,
    KEYS,
    NOW_MS,
    OPEN_ID,
    REGRESSED_ID,
    RESOLVED_ID,
    UNKNOWN_ID,
)

from reconciler.sandbox import RunningSandbox

pytest_plugins = ["sandbox_fixtures"]


@pytest.fixture
def official(sandbox: RunningSandbox) -> Iterator[ApiClient]:
    configuration = Configuration(host=sandbox.url)
    configuration.api_key["apiKeyAuth"] = KEYS["DD-API-KEY"]
    configuration.api_key["appKeyAuth"] = KEYS["DD-APPLICATION-KEY"]
    with ApiClient(configuration) as client:
        yield client


def _search_request() -> IssuesSearchRequest:
    return IssuesSearchRequest(
        data=IssuesSearchRequestData(
            type=IssuesSearchRequestDataType.SEARCH_REQUEST,
            attributes=IssuesSearchRequestDataAttributes(
                query="*",
                _from=NOW_MS - 30 * DAY_MS,
                to=NOW_MS + 60_000,
                persona=IssuesSearchRequestDataAttributesPersona.ALL,
            ),
        )
    )


def _state_request(issue_id: str, state: str) -> IssueUpdateStateRequest:
    return IssueUpdateStateRequest(
        data=IssueUpdateStateRequestData(
            id=issue_id,
            type=IssueUpdateStateRequestDataType.ERROR_TRACKING_ISSUE,
            attributes=IssueUpdateStateRequestDataAttributes(state=IssueState(state)),
        )
    )


def test_search_with_include_deserializes(official: ApiClient) -> None:
    include = [
        SearchIssuesIncludeQueryParameterItem.ISSUE,
        SearchIssuesIncludeQueryParameterItem.ISSUE_ASSIGNEE,
        SearchIssuesIncludeQueryParameterItem.ISSUE_CASE,
        SearchIssuesIncludeQueryParameterItem.ISSUE_TEAM_OWNERS,
    ]
    response = ErrorTrackingApi(official).search_issues(body=_search_request(), include=include)
    assert isinstance(response, IssuesSearchResponse)
    assert [result.id for result in response.data] == [REGRESSED_ID, OPEN_ID, RESOLVED_ID]
    issues = {item.id: item for item in response.included if str(item.type) == "issue"}
    regression = issues[REGRESSED_ID].attributes.regression
    assert regression.regressed_at_version == "v2"
    assert regression.regressed_at.year == 2026
    types = sorted({str(item.type) for item in response.included})
    assert types == ["case", "issue", "team", "user"]


def test_get_issue_deserializes(official: ApiClient) -> None:
    response = ErrorTrackingApi(official).get_issue(RESOLVED_ID, include=[])
    assert isinstance(response, IssueResponse)
    assert response.data.attributes.state == IssueState.RESOLVED
    assert response.data.attributes.file_path == ""
    assert response.data.relationships.case.data.id == "f1b32a47-621d-4c57-9642-045aeb83891e"


def test_get_issue_with_include_deserializes_the_case(official: ApiClient) -> None:
    response = ErrorTrackingApi(official).get_issue(
        RESOLVED_ID, include=[GetIssueIncludeQueryParameterItem.CASE]
    )
    assert len(response.included) == 1
    assert isinstance(response.included[0], IssueIncluded)
    assert response.included[0].attributes.key == "ET-1"


def test_update_state_deserializes(official: ApiClient) -> None:
    response = ErrorTrackingApi(official).update_issue_state(
        OPEN_ID, _state_request(OPEN_ID, "RESOLVED")
    )
    assert response.data.attributes.state == IssueState.RESOLVED


def test_update_and_delete_assignee(official: ApiClient) -> None:
    api = ErrorTrackingApi(official)
    body = IssueUpdateAssigneeRequest(
        data=IssueUpdateAssigneeRequestData(
            id=BOB, type=IssueUpdateAssigneeRequestDataType.ASSIGNEE
        )
    )
    response = api.update_issue_assignee(OPEN_ID, body)
    assert response.data.relationships.assignee.data.id == BOB
    assert response.data.attributes.state == IssueState.ACKNOWLEDGED
    users = [item for item in response.included if str(item.type) == "user"]
    assert users[0].attributes.email == ""
    # The 204 carries no body the client could turn into a value.
    assert api.delete_issue_assignee(OPEN_ID) is None  # type: ignore[func-returns-value]
    after = api.get_issue(OPEN_ID)
    assert "assignee" not in after.data.relationships.to_dict()


def test_list_users_deserializes(official: ApiClient) -> None:
    response = UsersApi(official).list_users(filter="alice@example.com", page_size=100)
    assert isinstance(response, UsersResponse)
    assert [user.id for user in response.data] == [ALICE]
    assert response.meta.page.total_filtered_count == 1
    assert response.data[0].attributes.email == "alice@example.com"


def test_unknown_issue_is_a_404_exception(official: ApiClient) -> None:
    with pytest.raises(NotFoundException) as caught:
        ErrorTrackingApi(official).get_issue(UNKNOWN_ID)
    assert caught.value.status == 404
    assert "issue not found" in str(caught.value.body)


def test_bad_state_is_a_400_exception(official: ApiClient) -> None:
    request = _state_request(OPEN_ID, "RESOLVED")
    # The official models refuse a bad enum value, so it is patched into the serialized body.
    request.data.attributes._data_store["state"] = "invalid-state"
    with pytest.raises(ApiException) as caught:
        ErrorTrackingApi(official).update_issue_state(OPEN_ID, request)
    assert caught.value.status == 400
    assert "invalid json value for IssueState" in str(caught.value.body)
