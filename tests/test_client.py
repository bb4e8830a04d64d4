from __future__ import annotations

import json
import logging
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from ruamel.yaml import YAML

from reconciler import __version__
from reconciler.client import (
    SITES,
    Credentials,
    DatadogClient,
    RateLimiter,
    RetryPolicy,
    resolve_api_url,
    resolve_ui_host,
    site_label,
)
from reconciler.client.pacing import calendar_end
from reconciler.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ReconcilerError,
    ResponseShapeError,
    ServerError,
    SettingsError,
    UserLookupError,
)
from reconciler.model import Issue, Regression, SearchRequest, State, Track, User

API = "https://api.datadoghq.com"
API_KEY = "apikey0123456789SECRET"
APP_KEY = "appkey9876543210SECRET"
CREDENTIALS = Credentials(api_key=API_KEY, app_key=APP_KEY)
FIXTURES = Path(__file__).parent / "fixtures"
ISSUES = "/api/v2/error-tracking/issues"
RUM_ISSUE = "5f8ebd5c-6dd9-11f0-8a28-da7ad0900002"
UNKNOWN_ISSUE = "67d80aa3-36ff-44b9-a694-c501a7591737"
USER_ID = "87cb11a0-278c-440a-99fe-701223c80296"
VND = {"content-type": "application/vnd.api+json"}

# The issue of the documented example payloads (tests/fixtures/documented).
DOC_ISSUE = Issue(
    id="c1726a66-1f64-11ee-b338-da7ad0900002",
    state=State.RESOLVED,
    assignee_id=USER_ID,
    service="email-api-py",
    error_type="builtins.TypeError",
    error_message="object of type 'NoneType' has no len()",
    file_path="/django-email/conduit/apps/core/utils.py",
    function_name="filter_forbidden_tags",
    first_seen=1671612804001,
    last_seen=1671620003100,
    platform="BACKEND",
    languages=("PYTHON", "GO"),
    regression=Regression("2024-01-01T10:00:00Z", "2024-01-03T08:00:00Z", "v2.5.2"),
    team_ids=("221b0179-6447-4d03-91c3-3ca98bf60e8a",),
)


class FakeTime:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API) as router:
        yield router


@pytest.fixture
def client(fake_time: FakeTime) -> Iterator[DatadogClient]:
    with DatadogClient(
        API, CREDENTIALS, sleep=fake_time.sleep, clock=fake_time.clock
    ) as datadog_client:
        yield datadog_client


def issue_json(issue_id: str, state: str = "OPEN") -> dict[str, Any]:
    return {"data": {"id": issue_id, "type": "issue", "attributes": {"state": state}}}


def error_json(status: int, detail: str) -> dict[str, Any]:
    return {"errors": [{"status": str(status), "title": "Error", "detail": detail}]}


def sent_json(route: respx.Route, call: int = -1) -> Any:
    return json.loads(route.calls[call].request.content)


# --------------------------------------------------------------------------- cassettes


@dataclass(frozen=True)
class Interaction:
    method: str
    url: httpx.URL
    body: Any
    status: int
    headers: dict[str, str]
    content: bytes

    def serve(self, router: respx.MockRouter) -> respx.Route:
        """A route answering this interaction's request with its recorded response."""
        params = dict(self.url.params)
        route = router.route(method=self.method, path=self.url.path, params=params)
        return route.respond(self.status, headers=self.headers, content=self.content)


def cassette(name: str) -> list[Interaction]:
    path = FIXTURES / "recordings" / f"test_{name}.yaml"
    document = YAML(typ="safe").load(path.read_text())
    interactions = []
    for item in document["interactions"]:
        request, response = item["request"], item["response"]
        headers = {key: values[0] for key, values in response["headers"].items()}
        interactions.append(
            Interaction(
                method=request["method"],
                url=httpx.URL(request["uri"]),
                body=json.loads(request["body"]) if request["body"] else None,
                status=response["status"]["code"],
                headers=headers,
                content=response["body"]["string"].encode(),
            )
        )
    return interactions


def recorded_search(interaction: Interaction) -> SearchRequest:
    attributes = interaction.body["data"]["attributes"]
    return SearchRequest(
        query=attributes["query"],
        from_ms=attributes["from"],
        to_ms=attributes["to"],
        track=Track(attributes["track"]),
    )


RECORDED_RUM_ISSUE = Issue(
    id=RUM_ISSUE,
    state=State.RESOLVED,
    service="synthetics-browser",
    error_type="Error",
    error_message="HTTP error",
    first_seen=1753944082256,
    last_seen=1755686259367,
    platform="BROWSER",
    languages=("JAVASCRIPT",),
)


def test_recorded_search_without_include_falls_back_to_get(
    api: respx.MockRouter, client: DatadogClient, caplog: pytest.LogCaptureFixture
) -> None:
    search, get = cassette("get_the_details_of_an_error_tracking_issue_returns_ok_response")
    search_route, get_route = search.serve(api), get.serve(api)
    with caplog.at_level(logging.INFO, logger="reconciler.client"):
        issues = client.search(recorded_search(search))
    # The fetched issue keeps the search result's counts.
    assert issues == [replace(RECORDED_RUM_ISSUE, total_count=1)]
    assert sent_json(search_route) == search.body
    include = search_route.calls[0].request.url.params["include"]
    assert include == "issue,issue.assignee,issue.team_owners"
    assert get_route.call_count == 1
    assert f"search result {RUM_ISSUE} came without its issue" in caplog.text


def test_recorded_empty_search(api: respx.MockRouter, client: DatadogClient) -> None:
    (search,) = cassette("search_error_tracking_issues_returns_ok_response")
    route = search.serve(api)
    assert client.search(recorded_search(search)) == []
    assert sent_json(route) == search.body


def test_recorded_assignee_put_returns_the_issue_with_its_assignee(
    api: respx.MockRouter, client: DatadogClient
) -> None:
    _, put = cassette("update_the_assignee_of_an_issue_returns_ok_response")
    route = put.serve(api)
    issue = client.set_assignee(RUM_ISSUE, USER_ID)
    assert issue == Issue(**{**RECORDED_RUM_ISSUE.__dict__, "assignee_id": USER_ID})
    assert sent_json(route) == put.body


def test_recorded_state_put(api: respx.MockRouter, client: DatadogClient) -> None:
    _, put = cassette("update_the_state_of_an_issue_returns_ok_response")
    route = put.serve(api)
    issue = client.set_state(RUM_ISSUE, State.RESOLVED)
    assert (issue.state, issue.assignee_id) == (State.RESOLVED, USER_ID)
    assert sent_json(route) == put.body


def test_recorded_delete_assignee_204(api: respx.MockRouter, client: DatadogClient) -> None:
    _, delete = cassette("remove_the_assignee_of_an_issue_returns_no_content_response")
    route = delete.serve(api)
    issue_id = delete.url.path.split("/")[-2]
    assert client.remove_assignee(issue_id) is None  # type: ignore[func-returns-value]
    assert route.calls[0].request.content == b""


@pytest.mark.parametrize(
    ("name", "index", "call", "error", "detail"),
    [
        pytest.param(
            "get_the_details_of_an_error_tracking_issue_returns_bad_request_response",
            0,
            lambda c: c.get_issue("invalid-issue-id"),
            BadRequestError,
            "issue id is not an uuid",
            id="get-400",
        ),
        pytest.param(
            "get_the_details_of_an_error_tracking_issue_returns_not_found_response",
            1,
            lambda c: c.get_issue(UNKNOWN_ISSUE),
            NotFoundError,
            "issue not found",
            id="get-404",
        ),
        pytest.param(
            "search_error_tracking_issues_returns_bad_request_response",
            0,
            lambda c: c.search(SearchRequest("service:orders-*", 1, 2, track=Track.TRACE)),
            BadRequestError,
            "invalid json value for TrackType: invalid-track",
            id="search-400",
        ),
        pytest.param(
            "update_the_assignee_of_an_issue_returns_bad_request_response",
            1,
            lambda c: c.set_assignee(RUM_ISSUE, "invalid-id"),
            BadRequestError,
            "invalid UUID length: 10",
            id="assignee-400",
        ),
        pytest.param(
            "update_the_assignee_of_an_issue_returns_not_found_response",
            0,
            lambda c: c.set_assignee(UNKNOWN_ISSUE, USER_ID),
            NotFoundError,
            "issue not found",
            id="assignee-404",
        ),
        pytest.param(
            "update_the_state_of_an_issue_returns_bad_request_response",
            1,
            lambda c: c.set_state(RUM_ISSUE, State.RESOLVED),
            BadRequestError,
            'invalid json value for IssueState: "invalid-state"',
            id="state-400",
        ),
        pytest.param(
            "update_the_state_of_an_issue_returns_not_found_response",
            0,
            lambda c: c.set_state(UNKNOWN_ISSUE, State.RESOLVED),
            NotFoundError,
            "issue not found",
            id="state-404",
        ),
        pytest.param(
            "remove_the_assignee_of_an_issue_returns_not_found_response",
            0,
            lambda c: c.remove_assignee(UNKNOWN_ISSUE),
            NotFoundError,
            "issue not found",
            id="delete-404",
        ),
    ],
)
def test_recorded_errors_carry_the_api_detail(
    api: respx.MockRouter,
    client: DatadogClient,
    fake_time: FakeTime,
    name: str,
    index: int,
    call: Any,
    error: type[ApiError],
    detail: str,
) -> None:
    interaction = cassette(name)[index]
    route = interaction.serve(api)
    with pytest.raises(error) as caught:
        call(client)
    assert type(caught.value) is error
    assert caught.value.detail == detail
    assert caught.value.status == interaction.status
    assert caught.value.path == interaction.url.path
    assert route.call_count == 1  # 4xx is final: no retry
    assert fake_time.slept == []


def test_recorded_user_filter_finds_the_user(api: respx.MockRouter, client: DatadogClient) -> None:
    _, listing, _ = cassette("list_all_users_returns_ok_response")
    route = listing.serve(api)
    user = client.find_user(listing.url.params["filter"])
    assert user == User(
        id="688172d2-d1d9-11ec-ad3d-da7ad0900002",
        email="test-list_all_users_returns_ok_response-1652349222@datadoghq.com",
        handle="test-list_all_users_returns_ok_response-1652349222@datadoghq.com",
        status="Pending",
    )
    params = route.calls[0].request.url.params
    assert (params["page[size]"], params["page[number]"]) == ("100", "0")


def test_recorded_users_page_matches_a_handle(api: respx.MockRouter, client: DatadogClient) -> None:
    first_page, _ = cassette("list_all_users_returns_ok_response_with_pagination")
    api.get("/api/v2/users", params={"filter": "BOB@datadoghq.com"}).respond(
        200, headers={"content-type": "application/json"}, content=first_page.content
    )
    user = client.find_user("BOB@datadoghq.com")
    assert (user.id, user.email) == ("af29975c-059c-11ea-a77c-c3d911d2ed55", "user.b@example.com")


def test_users_are_paged_until_the_filtered_total(
    api: respx.MockRouter, client: DatadogClient
) -> None:
    _, second_page = cassette("list_all_users_returns_ok_response_with_pagination")
    others = [
        {"type": "users", "id": f"u-{n}", "attributes": {"email": f"alice{n}@datadoghq.com"}}
        for n in range(100)
    ]
    full_page = {"meta": {"page": {"total_filtered_count": 101}}, "data": others}
    api.get("/api/v2/users", params={"page[number]": "0"}).respond(200, json=full_page)
    last = api.get("/api/v2/users", params={"page[number]": "1"})
    last.respond(200, headers={"content-type": "application/json"}, content=second_page.content)
    user = client.find_user("Alice@DatadogHQ.com")
    assert user.id == "6fa267f4-b920-11ed-8865-d223eeb75e45"
    assert last.calls[0].request.url.params["filter"] == "Alice@DatadogHQ.com"


def test_user_paging_stops_at_the_total_even_on_a_full_page(
    api: respx.MockRouter, client: DatadogClient
) -> None:
    users = [{"type": "users", "id": f"u-{n}", "attributes": {}} for n in range(100)]
    route = api.get("/api/v2/users").respond(
        200, json={"meta": {"page": {"total_filtered_count": 100}}, "data": users}
    )
    with pytest.raises(UserLookupError, match="matches no user"):
        client.find_user("nobody@example.com")
    assert route.call_count == 1


# --------------------------------------------------------------------------- documented payloads


def test_documented_search_request_and_response(
    api: respx.MockRouter, client: DatadogClient
) -> None:
    response = (FIXTURES / "documented" / "search_response.json").read_bytes()
    route = api.post(f"{ISSUES}/search").respond(200, headers=VND, content=response)
    request = SearchRequest(
        "service:orders-* AND @language:go", 1671612804000, 1671620004000, track=Track.TRACE
    )
    # The search's `included` user labels the assignee and its team names the owner team;
    # a GET carries no such label, nor the search result's counts.
    searched = replace(
        DOC_ISSUE,
        assignee_label="user@company.com",
        team_labels=(("221b0179-6447-4d03-91c3-3ca98bf60e8a", "Team Name"),),
        total_count=82,
        impacted_users=4,
    )
    assert client.search(request) == [searched]
    expected = json.loads((FIXTURES / "documented" / "search_request.json").read_text())
    assert sent_json(route) == expected


def test_documented_issue_response(api: respx.MockRouter, client: DatadogClient) -> None:
    response = (FIXTURES / "documented" / "issue_response.json").read_bytes()
    api.get(f"{ISSUES}/{DOC_ISSUE.id}").respond(200, headers=VND, content=response)
    assert client.get_issue(DOC_ISSUE.id) == DOC_ISSUE


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize("site", SITES, ids=SITES)
def test_every_site_maps_to_its_api_host(site: str) -> None:
    url = resolve_api_url(None, None, {"DD_SITE": site})
    assert url == f"https://api.{site}"
    assert site_label(url) == site


@pytest.mark.parametrize(
    ("site", "env", "expected"),
    [
        pytest.param(None, {}, "app.datadoghq.com", id="default-site"),
        pytest.param("datadoghq.eu", {}, "app.datadoghq.eu", id="eu"),
        pytest.param(None, {"DD_SITE": "us5.datadoghq.com"}, "us5.datadoghq.com", id="us5"),
        pytest.param(None, {"DD_SITE": "ddog-gov.com"}, "app.ddog-gov.com", id="gov"),
        pytest.param(None, {"DD_API_URL": "http://127.0.0.1:8126"}, None, id="api-url-no-site"),
        pytest.param(
            None,
            {"DD_API_URL": "http://127.0.0.1:8126", "DD_SITE": "datadoghq.eu"},
            "app.datadoghq.eu",
            id="api-url-with-site",
        ),
    ],
)
def test_ui_host_follows_the_site(site: str | None, env: dict[str, str], expected: str) -> None:
    assert resolve_ui_host(site, None, env) == expected


@pytest.mark.parametrize(
    ("site", "api_url", "env", "expected"),
    [
        pytest.param(None, None, {}, "https://api.datadoghq.com", id="default"),
        pytest.param(
            None,
            None,
            {"DD_SITE": " US5.datadoghq.com "},
            "https://api.us5.datadoghq.com",
            id="dd-site-normalised",
        ),
        pytest.param(
            "datadoghq.eu",
            None,
            {"DD_SITE": "ap1.datadoghq.com"},
            "https://api.datadoghq.eu",
            id="site-option-beats-dd-site",
        ),
        pytest.param(
            "datadoghq.eu",
            None,
            {"DD_API_URL": "https://proxy.example.com/dd/"},
            "https://proxy.example.com/dd",
            id="dd-api-url-beats-site-option",
        ),
        pytest.param(
            None,
            "http://127.0.0.1:8126/",
            {"DD_API_URL": "https://proxy.example.com"},
            "http://127.0.0.1:8126",
            id="api-url-option-beats-dd-api-url",
        ),
        pytest.param(
            None,
            None,
            {"DD_API_URL": "", "DD_SITE": ""},
            "https://api.datadoghq.com",
            id="empty-variables-are-unset",
        ),
    ],
)
def test_api_url_precedence(
    site: str | None, api_url: str | None, env: dict[str, str], expected: str
) -> None:
    assert resolve_api_url(site, api_url, env) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8126",
        "http://127.45.6.7",
        "http://[::1]:8126/",
        "http://localhost:8126/",
        "http://LOCALHOST",
        "https://datadog-proxy.internal.example.com:8443/",
    ],
)
def test_allowed_api_urls(url: str) -> None:
    resolved = resolve_api_url(None, None, {"DD_API_URL": url})
    assert resolved == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("http://api.datadoghq.com", "must use https://", id="http-remote"),
        pytest.param("http://10.0.0.1:8126", "must use https://", id="http-private-ip"),
        pytest.param("http://localhost.example.com", "must use https://", id="http-fake-localhost"),
        pytest.param("ftp://127.0.0.1", "is not a base URL", id="ftp"),
        pytest.param("api.datadoghq.com", "is not a base URL", id="no-scheme"),
        pytest.param("https://", "is not a base URL", id="no-host"),
        pytest.param("https://example.com/?x=1", "is not a base URL", id="query"),
        pytest.param("https://example.com:notaport", "is not a base URL", id="bad-port"),
    ],
)
def test_rejected_api_urls(url: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        resolve_api_url(None, None, {"DD_API_URL": url})
    assert caught.value.setting == "DD_API_URL"


@pytest.mark.parametrize(
    "url",
    [
        "https://user:hunter2pass@api.datadoghq.com",
        "https://hunter2pass@api.datadoghq.com",
        "http://user:hunter2pass@127.0.0.1:8126",
        "ftp://user:hunter2pass@127.0.0.1",
        "https://user:hunter2pass@example.com:notaport",
    ],
)
@pytest.mark.parametrize("origin", ["--api-url", "DD_API_URL"])
def test_a_url_with_userinfo_is_refused_without_echoing_the_password(url: str, origin: str) -> None:
    flag, env = (url, {}) if origin == "--api-url" else (None, {"DD_API_URL": url})
    with pytest.raises(SettingsError, match="contains user information") as caught:
        resolve_api_url(None, flag, env)
    assert caught.value.setting == origin
    assert "hunter2pass" not in str(caught.value)


@pytest.mark.parametrize(
    "module", ["reconciler.client", "reconciler.model", "reconciler.config", "reconciler.errors"]
)
def test_importing_the_package_does_not_import_httpx(module: str) -> None:
    code = f"import sys, {module}; print('httpx' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_a_plain_http_loopback_client_builds_no_tls_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> ssl.SSLContext:
        raise AssertionError("a CA bundle was loaded")

    monkeypatch.setattr(ssl, "create_default_context", refuse)
    DatadogClient("http://127.0.0.1:8126", CREDENTIALS).close()
    with pytest.raises(AssertionError, match="a CA bundle was loaded"):
        DatadogClient(API, CREDENTIALS)


def test_unknown_site_lists_the_valid_ones() -> None:
    with pytest.raises(SettingsError) as caught:
        resolve_api_url("app.datadoghq.com", None, {})
    message = str(caught.value)
    assert "--site 'app.datadoghq.com' is not a Datadog site" in message
    assert all(site in message for site in SITES)


def test_site_label_of_a_custom_url_is_its_host() -> None:
    assert site_label("http://127.0.0.1:8126") == "127.0.0.1:8126"
    assert site_label("https://api.example.com") == "api.example.com"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"DD_API_KEY": "a", "DD_APP_KEY": "b"}, ("a", "b"), id="dd-app-key"),
        pytest.param({"DD_API_KEY": "a", "DD_APPLICATION_KEY": "c"}, ("a", "c"), id="fallback"),
        pytest.param(
            {"DD_API_KEY": "a", "DD_APP_KEY": "b", "DD_APPLICATION_KEY": "c"},
            ("a", "b"),
            id="dd-app-key-wins",
        ),
        pytest.param(
            {"DD_API_KEY": " a\n", "DD_APP_KEY": "", "DD_APPLICATION_KEY": "c"},
            ("a", "c"),
            id="empty-means-unset",
        ),
    ],
)
def test_credentials_from_env(env: dict[str, str], expected: tuple[str, str]) -> None:
    credentials = Credentials.from_env(env)
    assert (credentials.api_key, credentials.app_key) == expected


@pytest.mark.parametrize(
    ("env", "named", "not_named"),
    [
        pytest.param({"DD_APP_KEY": "b"}, "DD_API_KEY is not set", "DD_APP_KEY and", id="api-key"),
        pytest.param({"DD_API_KEY": "a"}, "DD_APP_KEY is not set", "DD_API_KEY and", id="app-key"),
        pytest.param({}, "DD_API_KEY and DD_APP_KEY are not set", "", id="both"),
    ],
)
def test_missing_keys_name_the_variable(env: dict[str, str], named: str, not_named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Credentials.from_env(env)
    assert str(caught.value).startswith(named)
    assert ("DD_APPLICATION_KEY" in str(caught.value)) == ("DD_APP_KEY" in named)
    if not_named:
        assert not_named not in str(caught.value)


def test_credentials_never_show_the_keys() -> None:
    shown = f"{CREDENTIALS!r} {CREDENTIALS!s} {[CREDENTIALS]}"
    assert API_KEY not in shown and APP_KEY not in shown
    assert "hidden" in shown


def test_a_key_with_a_newline_is_refused_without_showing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        Credentials(api_key="abc\ndef", app_key=APP_KEY)
    assert "abc" not in str(caught.value)
    assert caught.value.setting == "DD_API_KEY"


# --------------------------------------------------------------------------- requests


def test_headers_and_bodies(api: respx.MockRouter, client: DatadogClient) -> None:
    put = api.put(f"{ISSUES}/i-1/state").respond(200, headers=VND, json=issue_json("i-1"))
    delete = api.delete(f"{ISSUES}/i-1/assignee").respond(204)
    client.set_state("i-1", State.IGNORED)
    client.remove_assignee("i-1")
    sent = put.calls[0].request
    assert sent.headers["DD-API-KEY"] == API_KEY
    assert sent.headers["DD-APPLICATION-KEY"] == APP_KEY
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"] == f"reconciler/{__version__}"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.content == (
        b'{"data":{"id":"i-1","type":"error_tracking_issue","attributes":{"state":"IGNORED"}}}'
    )
    assert "content-type" not in delete.calls[0].request.headers


def test_issue_ids_are_quoted_into_the_path(api: respx.MockRouter, client: DatadogClient) -> None:
    route = api.get(f"{ISSUES}/a%2Fb").respond(200, headers=VND, json=issue_json("a/b"))
    assert client.get_issue("a/b").id == "a/b"
    assert route.call_count == 1


def test_api_url_property_and_prefix(fake_time: FakeTime) -> None:
    with respx.mock(base_url="https://proxy.example.com/dd") as router:
        route = router.get(f"{ISSUES}/i-1").respond(200, json=issue_json("i-1"))
        with DatadogClient("https://proxy.example.com/dd/", CREDENTIALS) as prefixed:
            assert prefixed.api_url == "https://proxy.example.com/dd"
            assert prefixed.site_label == "proxy.example.com"
            prefixed.get_issue("i-1")
        assert route.calls[0].request.url.path == f"/dd{ISSUES}/i-1"


def test_requests_are_logged_without_headers(
    api: respx.MockRouter, client: DatadogClient, caplog: pytest.LogCaptureFixture
) -> None:
    api.get(f"{ISSUES}/i-1").respond(200, headers=VND, json=issue_json("i-1"))
    with caplog.at_level(logging.DEBUG):
        client.get_issue("i-1")
    records = [r.getMessage() for r in caplog.records if r.name == "reconciler.client"]
    assert records == [f"GET {ISSUES}/i-1 -> 200 in 0.000s"]
    assert API_KEY not in caplog.text and APP_KEY not in caplog.text


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("status", [pytest.param(401, id="401"), pytest.param(403, id="403")])
def test_auth_errors_name_both_keys_and_the_site(status: int, fake_time: FakeTime) -> None:
    with respx.mock(base_url="https://api.datadoghq.eu") as router:
        router.get(f"{ISSUES}/i-1").respond(
            status, headers=VND, json=error_json(status, "Forbidden")
        )
        eu_client = DatadogClient("https://api.datadoghq.eu", CREDENTIALS)
        with eu_client, pytest.raises(AuthError) as caught:
            eu_client.get_issue("i-1")
    message = str(caught.value)
    # A wrong API key gives 403 as well as 401: both keys are named either way.
    assert "DD_API_KEY" in message and "DD_APP_KEY" in message
    assert "DD_APPLICATION_KEY" in message
    assert "datadoghq.eu" in message
    assert API_KEY not in message and APP_KEY not in message


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(405, ApiError, id="405-plain"),
        pytest.param(409, ApiError, id="409-plain"),
        pytest.param(422, ApiError, id="422-plain"),
    ],
)
def test_other_client_errors_are_plain_api_errors(
    api: respx.MockRouter, client: DatadogClient, status: int, error: type[ApiError]
) -> None:
    route = api.get(f"{ISSUES}/i-1").respond(status, json={"errors": ["nope"]})
    with pytest.raises(ApiError) as caught:
        client.get_issue("i-1")
    assert type(caught.value) is error
    assert caught.value.detail == "nope"
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("response", "detail"),
    [
        pytest.param(
            httpx.Response(200, headers=VND, json={"data": "x"}),
            "issue is not a JSON object",
            id="wrong-shape",
        ),
        pytest.param(
            httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>"),
            "expected a JSON body, got text/html",
            id="html",
        ),
        pytest.param(
            httpx.Response(200, headers=VND, content=b"{not json"),
            "the response body is not JSON",
            id="not-json",
        ),
    ],
)
def test_unexpected_bodies_are_shape_errors_naming_the_request(
    api: respx.MockRouter, client: DatadogClient, response: httpx.Response, detail: str
) -> None:
    api.get(f"{ISSUES}/i-1").mock(return_value=response)
    with pytest.raises(ResponseShapeError) as caught:
        client.get_issue("i-1")
    assert caught.value.detail == detail
    assert caught.value.status == 200
    assert str(caught.value).startswith(f"GET {ISSUES}/i-1 answered HTTP 200")


def test_keys_appear_in_no_error_repr_or_log(
    api: respx.MockRouter, client: DatadogClient, caplog: pytest.LogCaptureFixture
) -> None:
    api.get(f"{ISSUES}/401").respond(401, json=error_json(401, "Unauthorized"))
    api.get(f"{ISSUES}/500").respond(500, text="boom")
    api.get(f"{ISSUES}/net").mock(side_effect=httpx.ConnectError("connection refused"))
    api.get(f"{ISSUES}/bad").respond(200, json={"data": []})
    api.get("/api/v2/users").respond(200, json={"data": []})
    shown: list[str] = [repr(client)]
    with caplog.at_level(logging.DEBUG):
        for call in (
            lambda: client.get_issue("401"),
            lambda: client.get_issue("500"),
            lambda: client.get_issue("net"),
            lambda: client.get_issue("bad"),
            lambda: client.find_user("someone@example.com"),
        ):
            with pytest.raises(ReconcilerError) as caught:
                call()
            shown += [str(caught.value), repr(caught.value), repr(caught.value.__cause__)]
    shown.append(caplog.text)
    assert len(shown) == 17
    for text in shown:
        assert API_KEY not in text and APP_KEY not in text


# --------------------------------------------------------------------------- retries


def test_5xx_then_success(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    route = api.get(f"{ISSUES}/i-1").mock(
        side_effect=[
            httpx.Response(502, text="<html>Bad Gateway</html>"),
            httpx.Response(503, json={"errors": ["unavailable"]}),
            httpx.Response(200, headers=VND, json=issue_json("i-1")),
        ]
    )
    assert client.get_issue("i-1").id == "i-1"
    assert route.call_count == 3
    assert fake_time.slept == [0.5, 1.0]


def test_persistent_5xx_is_a_server_error(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    route = api.put(f"{ISSUES}/i-1/assignee").respond(500, json=error_json(500, "Internal"))
    with pytest.raises(ServerError) as caught:
        client.set_assignee("i-1", USER_ID)
    assert (caught.value.status, caught.value.detail) == (500, "Internal")
    assert route.call_count == 4
    assert fake_time.slept == [0.5, 1.0, 2.0]


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, backoff=1.0, max_backoff=5.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_429_waits_x_ratelimit_reset(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    limited = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7", "Retry-After": "99"}
    route = api.get(f"{ISSUES}/i-1").mock(
        side_effect=[
            httpx.Response(429, headers=limited, json=error_json(429, "Too many requests")),
            httpx.Response(200, headers=VND, json=issue_json("i-1")),
        ]
    )
    assert client.get_issue("i-1").id == "i-1"
    assert route.call_count == 2
    assert fake_time.slept == [7.0]  # one wait, though the pause and the 429 both say 7s


def test_only_rate_limit_waits_are_told_to_on_wait(
    api: respx.MockRouter, fake_time: FakeTime
) -> None:
    limited = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"}
    api.get(f"{ISSUES}/i-1").mock(
        side_effect=[
            httpx.Response(429, headers=limited, json=error_json(429, "Too many requests")),
            httpx.Response(500, json=error_json(500, "Internal")),
            httpx.Response(200, headers=VND, json=issue_json("i-1")),
        ]
    )
    heard: list[float] = []
    with DatadogClient(
        API, CREDENTIALS, sleep=fake_time.sleep, clock=fake_time.clock, on_wait=heard.append
    ) as datadog_client:
        assert datadog_client.get_issue("i-1").id == "i-1"
    assert fake_time.slept == [7.0, 1.0]  # the 500's backoff is a retry, not the rate limit
    assert heard == [7.0]


@pytest.mark.parametrize(
    ("headers", "slept"),
    [
        pytest.param({"Retry-After": "3"}, [3.0, 3.0, 3.0], id="retry-after"),
        pytest.param({}, [0.5, 1.0, 2.0], id="backoff"),
        pytest.param({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, [0.5, 1.0, 2.0], id="date"),
    ],
)
def test_persistent_429_is_rate_limited(
    api: respx.MockRouter,
    client: DatadogClient,
    fake_time: FakeTime,
    headers: dict[str, str],
    slept: list[float],
) -> None:
    route = api.post(f"{ISSUES}/search").respond(
        429, headers=headers, json={"errors": ["slow down"]}
    )
    with pytest.raises(RateLimitedError, match="Lower --parallelism"):
        client.search(SearchRequest("*", 0, 1, track=Track.RUM))
    assert route.call_count == 4
    assert fake_time.slept == slept


def test_dropped_connection_then_success(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    route = api.delete(f"{ISSUES}/i-1/assignee").mock(
        side_effect=[httpx.RemoteProtocolError("Server disconnected"), httpx.Response(204)]
    )
    client.remove_assignee("i-1")
    assert route.call_count == 2
    assert fake_time.slept == [0.5]


def test_persistent_timeouts_are_a_network_error(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    route = api.get(f"{ISSUES}/i-1").mock(side_effect=httpx.ConnectTimeout("timed out"))
    with pytest.raises(NetworkError) as caught:
        client.get_issue("i-1")
    # Chained to nothing: the httpx exception's request carries the key headers.
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert "timed out" in str(caught.value) and API in str(caught.value)
    assert route.call_count == 4
    assert fake_time.slept == [0.5, 1.0, 2.0]


def test_retry_policy_of_one_attempt_never_sleeps(
    api: respx.MockRouter, fake_time: FakeTime
) -> None:
    api.get(f"{ISSUES}/i-1").respond(503)
    once = DatadogClient(API, CREDENTIALS, retry=RetryPolicy(max_attempts=1), sleep=fake_time.sleep)
    with pytest.raises(ServerError, match="Service Unavailable"):
        once.get_issue("i-1")
    assert fake_time.slept == []


# --------------------------------------------------------------------------- pacing


def test_pacing_waits_for_the_reset_when_no_request_is_left(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    sent_at: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent_at.append(fake_time.now)
        left = "0" if len(sent_at) == 1 else "10"
        headers = {**VND, "X-RateLimit-Remaining": left, "X-RateLimit-Reset": "5"}
        return httpx.Response(200, headers=headers, json=issue_json("i-1"))

    api.get(f"{ISSUES}/i-1").mock(side_effect=answer)
    for _ in range(3):
        client.get_issue("i-1")
    assert sent_at == [0.0, 5.0, 5.0]
    assert fake_time.slept == [5.0]


def test_remaining_requests_do_not_pause(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    headers = {**VND, "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "5"}
    api.get(f"{ISSUES}/i-1").respond(200, headers=headers, json=issue_json("i-1"))
    client.get_issue("i-1")
    client.get_issue("i-1")
    assert fake_time.slept == []


def test_a_period_too_short_to_place_is_not_put_on_the_calendar(
    api: respx.MockRouter, client: DatadogClient, fake_time: FakeTime
) -> None:
    headers = {
        **VND,
        "X-RateLimit-Remaining": "5",
        "X-RateLimit-Reset": "1",
        "X-RateLimit-Period": "1e-320",  # dividing by it overflows
    }
    api.get(f"{ISSUES}/i-1").respond(200, headers=headers, json=issue_json("i-1"))
    assert client.get_issue("i-1").id == client.get_issue("i-1").id == "i-1"
    assert fake_time.slept == []


def test_a_pause_holds_every_thread(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.sleep, fake_time.clock)
    limiter.wait()
    limiter.release({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4"})
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda _: limiter.wait(), range(3)))
    assert fake_time.slept[0] == 4.0
    assert sum(fake_time.slept) == 4.0  # once the clock has passed the reset, nobody waits


def test_requests_in_flight_spend_what_the_api_says_is_left(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.sleep, fake_time.clock)
    limiter.wait()
    limiter.wait()  # a second request is already on its way
    limiter.release({"X-RateLimit-Remaining": "2", "X-RateLimit-Reset": "10"})
    limiter.wait()  # the one request left in this window
    assert fake_time.slept == []
    limiter.wait()  # none left: hold until the window resets, without a 429
    assert fake_time.slept == [10.0]
    limiter.wait()  # a new window: no allowance known, no wait
    assert fake_time.slept == [10.0]


def test_a_later_reset_is_a_new_window_with_its_own_allowance(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.sleep, fake_time.clock)
    limiter.wait()
    limiter.release({"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "1"})
    fake_time.now = 1.5  # past the first window's reset
    limiter.wait()
    limiter.release({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1"})
    for _ in range(3):
        limiter.wait()
    assert fake_time.slept == []


def test_requests_started_after_an_answered_one_spend_what_it_says_is_left(
    fake_time: FakeTime,
) -> None:
    limiter = RateLimiter(fake_time.sleep, fake_time.clock)
    first = limiter.wait()
    limiter.wait()  # started before the first answer came: the API may not have counted it
    before_second_answer = limiter.wait()
    limiter.release({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "10"}, first)
    # The third answer says 1 left and nothing was started after it: exactly 1 more.
    limiter.release({"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "10"}, before_second_answer)
    limiter.wait()
    assert fake_time.slept == []
    limiter.wait()
    assert fake_time.slept == [10.0]


def test_an_answer_from_a_window_that_ended_does_not_hold_the_next(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.sleep, fake_time.clock)
    opener = limiter.wait()
    limiter.release({"X-RateLimit-Remaining": "2", "X-RateLimit-Reset": "1"}, opener)
    late = limiter.wait()  # answered only after the window reset
    fake_time.now += 1.0
    fresh = limiter.wait()
    limiter.release({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}, late)
    limiter.release({"X-RateLimit-Remaining": "24", "X-RateLimit-Reset": "1"}, fresh)
    for _ in range(20):
        limiter.wait()
    assert fake_time.slept == []


@pytest.mark.parametrize(
    ("sent_at", "answered_at", "reset", "period", "expected"),
    [
        pytest.param(10.2, 10.25, 1, 1, 11.0, id="one-second-window"),
        pytest.param(10.99, 11.02, 1, 1, 12.0, id="straddling-a-boundary-takes-the-later"),
        pytest.param(100.0, 100.1, 20, 60, 120.0, id="minute-window"),
        pytest.param(100.0, 100.1, 30, 60, None, id="a-skewed-clock-fits-no-multiple"),
        pytest.param(100.0, 100.1, 1, 0, None, id="no-period"),
        pytest.param(100.0, 100.1, 1, 1e-320, None, id="a-denormal-period"),
        pytest.param(100.0, 100.1, 1, 3600, None, id="period-past-the-cap"),
    ],
)
def test_the_window_end_on_the_calendar(
    sent_at: float, answered_at: float, reset: float, period: float, expected: float | None
) -> None:
    assert calendar_end(sent_at, answered_at, reset, period) == expected


@pytest.mark.parametrize(
    ("refused", "expected"),
    [
        # The wall clock reads 0.3 s into its second: the window ends 0.7 s from now,
        # where `now + reset` would hold the client until 1.0.
        pytest.param(False, 0.7, id="on-the-calendar"),
        pytest.param(True, 1.0, id="after-a-429-the-reset-as-given"),
    ],
)
def test_a_window_ends_on_the_calendar_until_a_429(
    fake_time: FakeTime, refused: bool, expected: float
) -> None:
    limiter = RateLimiter(fake_time.sleep, fake_time.clock, wall_clock=lambda: fake_time.now + 0.3)
    if refused:
        limiter.refused()
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1", "X-RateLimit-Period": "1"}
    limiter.release(headers, limiter.wait())
    limiter.wait()
    assert fake_time.slept == [pytest.approx(expected)]


def test_with_nothing_in_flight_the_apis_figure_is_exact(fake_time: FakeTime) -> None:
    limiter = RateLimiter(fake_time.sleep, fake_time.clock)
    first = limiter.wait()
    second = limiter.wait()
    # The API counted the second before the first: the first's "3 left", less the
    # second as maybe not counted, is one short.
    limiter.release({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "10"}, first)
    # Nothing is on its way now: all three left can start, not the two the first said.
    limiter.release({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "10"}, second)
    for _ in range(3):
        limiter.wait()
    assert fake_time.slept == []
    limiter.wait()
    assert fake_time.slept == [10.0]


# --------------------------------------------------------------------------- users


@pytest.mark.parametrize(
    ("users", "reference", "expected"),
    [
        pytest.param(
            [{"id": "u-1", "attributes": {"email": "Ann@Example.com", "handle": "ann"}}],
            "ann@example.COM",
            "u-1",
            id="email-case-insensitive",
        ),
        pytest.param(
            [
                {
                    "id": "u-1",
                    "attributes": {"email": "other@example.com", "handle": "ann@example.com"},
                },
                {"id": "u-2", "attributes": {"email": "ann@example.com", "handle": "ann2"}},
            ],
            "ann@example.com",
            "u-2",
            id="email-beats-handle",
        ),
        pytest.param(
            [
                {"id": "u-1", "attributes": {"email": "ann@example.com", "disabled": True}},
                {"id": "u-2", "attributes": {"email": "ann@example.com", "status": "Active"}},
            ],
            "ann@example.com",
            "u-2",
            id="enabled-beats-disabled",
        ),
        pytest.param(
            [
                {"id": "u-1", "attributes": {"email": "annabel@example.com"}},
                {"id": "u-2", "attributes": {"handle": "ann"}},
            ],
            "ann",
            "u-2",
            id="substring-is-not-a-match",
        ),
    ],
)
def test_find_user_matches(
    api: respx.MockRouter,
    client: DatadogClient,
    users: list[dict[str, Any]],
    reference: str,
    expected: str,
) -> None:
    api.get("/api/v2/users").respond(200, json={"data": [{"type": "users", **u} for u in users]})
    assert client.find_user(reference).id == expected


@pytest.mark.parametrize(
    ("users", "reason"),
    [
        pytest.param([], "matches no user (by email or handle) in this organization", id="none"),
        pytest.param(
            [{"id": "u-1", "attributes": {"email": "ann@example.com", "disabled": True}}],
            "is disabled",
            id="disabled-flag",
        ),
        pytest.param(
            [{"id": "u-1", "attributes": {"email": "ann@example.com", "status": "Disabled"}}],
            "is disabled",
            id="disabled-status",
        ),
        pytest.param(
            [
                {"id": "u-1", "attributes": {"handle": "ann@example.com"}},
                {"id": "u-2", "attributes": {"handle": "ANN@example.com"}},
            ],
            "matches several users (u-1, u-2)",
            id="ambiguous",
        ),
    ],
)
def test_find_user_failures(
    api: respx.MockRouter, client: DatadogClient, users: list[dict[str, Any]], reason: str
) -> None:
    api.get("/api/v2/users").respond(200, json={"data": [{"type": "users", **u} for u in users]})
    with pytest.raises(UserLookupError) as caught:
        client.find_user("ann@example.com")
    assert caught.value.reference == "ann@example.com"
    assert caught.value.reason.startswith(reason)


# --------------------------------------------------------------------------- threads


def test_concurrent_use_from_a_thread_pool(api: respx.MockRouter, client: DatadogClient) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        issue_id = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, headers=VND, json=issue_json(issue_id, "ACKNOWLEDGED"))

    route = api.get(path__startswith=f"{ISSUES}/").mock(side_effect=answer)
    ids = [f"issue-{n}" for n in range(60)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        issues = list(pool.map(client.get_issue, ids))
    assert [issue.id for issue in issues] == ids
    assert {issue.state for issue in issues} == {State.ACKNOWLEDGED}
    assert route.call_count == 60


def test_user_paging_gives_up_after_the_page_limit(
    api: respx.MockRouter,
    client: DatadogClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("reconciler.client.api._MAX_USER_PAGES", 2)
    users = [{"type": "users", "id": f"u-{n}", "attributes": {}} for n in range(100)]
    route = api.get("/api/v2/users").respond(200, json={"data": users})  # no meta: no total
    with pytest.raises(UserLookupError):
        client.find_user("ann@example.com")
    assert route.call_count == 2
    assert "stopped listing users matching 'ann@example.com' after 200" in caplog.text
