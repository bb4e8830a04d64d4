"""Property-based tests: whatever the server answers (status, headers, body), every
client call returns a value or raises a library error, never anything else."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.client import Credentials, DatadogClient, RetryPolicy, wire
from reconciler.errors import ReconcilerError, ResponseShapeError
from reconciler.model import SearchRequest, State, Track

ISSUE = "5f8ebd5c-6dd9-11f0-8a28-da7ad0900002"
USER = "87cb11a0-278c-440a-99fe-701223c80296"
API_KEY = "apikey0123456789SECRET"
APP_KEY = "appkey9876543210SECRET"
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from([ISSUE, USER, "OPEN", "RESOLVED", "issue", "user", "", API_KEY]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
ATTRIBUTES = ["state", "last_seen", "first_seen", "regression", "service", "languages"]
links = st.fixed_dictionaries({"id": json_values, "type": json_values}) | json_values
attributes = st.dictionaries(st.sampled_from(ATTRIBUTES), json_values, max_size=6)
resources = st.fixed_dictionaries(
    {"id": st.sampled_from([ISSUE, USER, "", 5]) | json_values},
    optional={
        "type": st.sampled_from(["issue", "user", "users", "error_tracking_search_result"]),
        "attributes": attributes | json_values,
        "relationships": st.dictionaries(
            st.sampled_from(["issue", "assignee", "team_owners"]),
            st.fixed_dictionaries({"data": links}) | json_values,
            max_size=3,
        ),
    },
)


documents = st.fixed_dictionaries(
    {},
    optional={
        "data": resources | st.lists(resources, max_size=3) | json_values,
        "included": st.lists(resources, max_size=3) | json_values,
        "errors": st.lists(json_values, max_size=3) | json_values,
        "meta": json_values,
    },
)
bodies = (
    documents.map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=300)
    | st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n)
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
numbers = ["1e9", "inf", "nan", "-1", "0", "1", "0.5", "1e-320", "60"]
header_values = header_text | st.sampled_from(numbers)
headers = st.dictionaries(
    st.sampled_from(
        [
            "content-type",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-period",
            "retry-after",
            "location",
        ]
    ),
    header_values
    | st.sampled_from(["application/json", "application/vnd.api+json; charset=utf-8"]),
    max_size=5,
)
statuses = st.sampled_from([200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 503]) | (
    st.integers(100, 599)
)
answers = st.tuples(statuses, headers, bodies)

Call = Callable[[DatadogClient], object]
CALLS: list[Call] = [
    lambda c: c.search(SearchRequest("*", 1, 2, track=Track.RUM)),
    lambda c: c.get_issue(ISSUE),
    lambda c: c.set_state(ISSUE, State.RESOLVED),
    lambda c: c.set_assignee(ISSUE, USER),
    lambda c: c.remove_assignee(ISSUE),
    lambda c: c.find_user("a@example.com"),
]


def client_answering(script: list[tuple[int, dict[str, str], bytes]]) -> DatadogClient:
    """A client whose every request gets the next scripted answer (the last one repeats)."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        status, head, body = script[min(len(sent), len(script)) - 1]
        return httpx.Response(status, headers=head, content=body)

    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return DatadogClient(
        "https://api.datadoghq.com",
        Credentials(API_KEY, APP_KEY),
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=2),
        sleep=sleep,
        clock=lambda: now[0],
    )


@PROPERTY
@given(script=st.lists(answers, min_size=1, max_size=3), call=st.sampled_from(CALLS))
def test_any_answer_gives_a_value_or_a_library_error(
    script: list[tuple[int, dict[str, str], bytes]], call: Call
) -> None:
    with client_answering(script) as client:
        try:
            call(client)
        except ReconcilerError as exc:
            message = str(exc)
            assert API_KEY not in message and APP_KEY not in message
            assert exc.__cause__ is None or not isinstance(exc.__cause__, httpx.HTTPError)


@PROPERTY
@given(document=documents | json_values)
def test_any_document_parses_or_is_a_shape_error(document: object) -> None:
    for parse in (wire.parse_issue_document, wire.parse_search_document, wire.parse_users_document):
        with contextlib.suppress(ResponseShapeError):
            parse(document)


@PROPERTY
@given(body=bodies, fallback=st.text(max_size=10))
def test_any_error_body_gives_a_short_detail(body: bytes, fallback: str) -> None:
    detail = wire.error_detail(body, fallback)
    assert isinstance(detail, str) and len(detail) <= 300
