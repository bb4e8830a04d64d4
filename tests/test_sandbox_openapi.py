"""Sandbox requests and responses validated against the OpenAPI extract (openapi-core).

Only the documented spec-vs-wire differences are allowed: error-tracking
responses carry `application/vnd.api+json` (validated as the JSON the spec
declares), and error bodies are JSON:API error objects rather than strings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from sandbox_fixtures import (
    BOB,
    OPEN_ID,
    REGRESSED_ID,
    RESOLVED_ID,
    UNKNOWN_ID,
    search_body,
)

from reconciler.sandbox import RunningSandbox

pytest_plugins = ["sandbox_fixtures"]

SPEC_PATH = Path(__file__).parent / "fixtures" / "datadog-error-tracking-openapi.yaml"
ISSUES = "/api/v2/error-tracking/issues"


@pytest.fixture(scope="module")
def spec() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC_PATH))


def _check(
    spec: OpenAPI, sandbox: RunningSandbox, response: httpx.Response, *, valid_request: bool
) -> None:
    """Validate one exchange, request and response, allowing only the documented differences."""
    request = response.request
    url = urlsplit(str(request.url))
    args = {key: values[0] for key, values in parse_qs(url.query).items()}
    body = request.content or None
    mock_request = MockRequest(
        sandbox.url,
        request.method,
        url.path,
        args=args,
        headers=dict(request.headers),
        data=body,
        content_type="application/json" if body else "",
    )
    if valid_request:
        spec.validate_request(mock_request)
    wire_type = response.headers.get("content-type", "")
    if url.path.startswith(ISSUES):
        expected_type = "application/vnd.api+json" if response.content else ""
        assert wire_type == expected_type
    else:
        assert wire_type == "application/json"
    if response.status_code >= 400:
        _check_error(spec, url.path, request.method, response)
        return
    mock_response = MockResponse(
        response.content, status_code=response.status_code, content_type="application/json"
    )
    spec.validate_response(mock_request, mock_response)


def _check_error(spec: OpenAPI, path: str, method: str, response: httpx.Response) -> None:
    """The status must be declared; the body is JSON:API errors (the documented difference)."""
    operation = _operation(spec, path, method)
    assert str(response.status_code) in operation["responses"]
    errors = json.loads(response.content)["errors"]
    assert errors and all(set(e) == {"status", "title", "detail"} for e in errors)
    assert errors[0]["status"] == str(response.status_code)


def _operation(spec: OpenAPI, path: str, method: str) -> dict[str, Any]:
    raw = spec.spec.read_value()["paths"]
    for template, operations in raw.items():
        pattern = template.replace("{issue_id}", "[^/]+")
        if re.fullmatch(pattern, path) and method.lower() in operations:
            return operations[method.lower()]  # type: ignore[no-any-return]
    raise AssertionError(f"{method} {path} is not in the spec")


SEARCH = f"{ISSUES}/search"
ASSIGN = {"data": {"id": BOB, "type": "assignee"}}
STATE = {"data": {"id": OPEN_ID, "type": "error_tracking_issue",
                  "attributes": {"state": "RESOLVED"}}}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", SEARCH, search_body(), 200),
        ("POST", f"{SEARCH}?include=issue,issue.assignee,issue.case,issue.team_owners",
         search_body(), 200),
        ("POST", SEARCH, search_body(query="service:none"), 200),
        ("POST", SEARCH, search_body(track="invalid-track"), 400),
        ("GET", f"{ISSUES}/{RESOLVED_ID}", None, 200),
        ("GET", f"{ISSUES}/{REGRESSED_ID}?include=assignee,case,team_owners", None, 200),
        ("GET", f"{ISSUES}/{UNKNOWN_ID}", None, 404),
        ("GET", f"{ISSUES}/not-a-uuid", None, 400),
        ("PUT", f"{ISSUES}/{OPEN_ID}/state", STATE, 200),
        ("PUT", f"{ISSUES}/{OPEN_ID}/assignee", ASSIGN, 200),
        ("PUT", f"{ISSUES}/{RESOLVED_ID}/assignee", ASSIGN, 200),
        ("DELETE", f"{ISSUES}/{REGRESSED_ID}/assignee", None, 204),
        ("DELETE", f"{ISSUES}/{UNKNOWN_ID}/assignee", None, 404),
        ("GET", "/api/v2/users?filter=alice&page[size]=100&page[number]=0", None, 200),
        ("GET", "/api/v2/users?filter[status]=Active,Disabled", None, 200),
    ],
    ids=[
        "search",
        "search-include-all",
        "search-empty",
        "search-bad-track",
        "get",
        "get-include-all",
        "get-unknown",
        "get-not-uuid",
        "put-state",
        "put-assignee",
        "put-assignee-resolved",
        "delete-assignee",
        "delete-unknown",
        "users-filter",
        "users-status",
    ],
)  # fmt: skip
def test_exchange_conforms_to_the_spec(
    spec: OpenAPI,
    sandbox: RunningSandbox,
    api: httpx.Client,
    method: str,
    path: str,
    body: object,
    status: int,
) -> None:
    response = api.request(method, path, json=body)
    assert response.status_code == status
    _check(spec, sandbox, response, valid_request=status != 400)


def test_forbidden_is_a_declared_jsonapi_error(spec: OpenAPI, sandbox: RunningSandbox) -> None:
    response = httpx.get(f"{sandbox.url}{ISSUES}/{OPEN_ID}")
    assert response.status_code == 403
    _check_error(spec, f"{ISSUES}/{OPEN_ID}", "GET", response)
