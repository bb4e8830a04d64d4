"""Faults on the wire: retried where safe, reported per change where not, and a rerun
finishes the job (over real HTTP against the sandbox's seeded fault injection).

One request at a time, so the seeded faults fall on the same requests every run.
"""

from __future__ import annotations

import json
import logging
import socket
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from reconciler.applier import ApplyOutcome
from reconciler.client import Credentials, DatadogClient, RetryPolicy
from reconciler.client.pacing import MAX_WAIT
from reconciler.client.session import MAX_BODY_BYTES
from reconciler.config import load_config
from reconciler.engine import Engine
from reconciler.errors import (
    ApiError,
    NetworkError,
    RateLimitedError,
    ReconcilerError,
    ResponseShapeError,
    UnexpectedStatusError,
)
from reconciler.model import Config, Plan, ResultStatus, SearchRequest, State, Track
from reconciler.sandbox import Knobs, RunningSandbox, Store, generate_org, serve_in_thread
from reconciler.sandbox.data import now_ms

CONFIG = """
version: 1
defaults:
  max_changes: 10000
rules:
  - name: noise
    query: '*'
    persona: ALL
    state: IGNORED
    grace: 1s
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "noise.yaml"
    path.write_text(textwrap.dedent(CONFIG))
    return load_config([path])


@pytest.fixture
def flaky() -> Iterator[RunningSandbox]:
    org = generate_org(issues=60, services=3, seed=11, now=now_ms())
    knobs = Knobs(fault_rate=0.25, drop_rate=0.1, seed=5)
    with serve_in_thread(Store.from_org(org), knobs) as running:
        yield running


def client_for(sandbox: RunningSandbox, attempts: int) -> DatadogClient:
    return DatadogClient(
        sandbox.url,
        Credentials("api-key", "app-key"),
        retry=RetryPolicy(max_attempts=attempts),
        sleep=lambda seconds: None,
        deadline=600.0,  # the backoff sleeps are skipped, but count against it
    )


def make_plan(config: Config, client: DatadogClient, *, parallelism: int) -> Plan:
    return Engine(client, api_url=client.api_url, parallelism=parallelism).plan(config)


def apply_plan(plan: Plan, client: DatadogClient, *, parallelism: int) -> ApplyOutcome:
    return Engine(client, api_url=client.api_url, parallelism=parallelism).apply(plan)


def test_retries_absorb_5xx_and_dropped_connections(config: Config, flaky: RunningSandbox) -> None:
    with client_for(flaky, attempts=12) as client:
        plan = make_plan(config, client, parallelism=1)
        assert plan.changes
        outcome = apply_plan(plan, client, parallelism=1)
        assert {r.status for r in outcome.results} == {ResultStatus.APPLIED}
        assert make_plan(config, client, parallelism=1).changes == ()


def test_a_rerun_finishes_what_faults_left_undone(config: Config, flaky: RunningSandbox) -> None:
    with client_for(flaky, attempts=12) as patient:
        plan = make_plan(config, patient, parallelism=1)
    # One attempt only: some writes fail, each reported on its own change.
    with client_for(flaky, attempts=1) as hasty:
        first = apply_plan(plan, hasty, parallelism=1)
    failed = [r for r in first.results if r.status is ResultStatus.FAILED]
    assert failed and all(r.error for r in failed)
    assert len(failed) < len(first.results)
    with client_for(flaky, attempts=12) as patient:
        remaining = make_plan(config, patient, parallelism=1)
        assert {c.issue_id for c in remaining.changes} == {r.change.issue_id for r in failed}
        rerun = apply_plan(remaining, patient, parallelism=1)
        assert rerun.ok
        assert make_plan(config, patient, parallelism=1).changes == ()


# --------------------------------------------------------------------------- hostile answers

API = "https://api.datadoghq.com"
API_KEY = "apikey0123456789SECRET"
APP_KEY = "appkey9876543210SECRET"
CREDENTIALS = Credentials(api_key=API_KEY, app_key=APP_KEY)
ISSUES = "/api/v2/error-tracking/issues"
ISSUE = "5f8ebd5c-6dd9-11f0-8a28-da7ad0900002"
OTHER = "67d80aa3-36ff-44b9-a694-c501a7591737"
USER = "87cb11a0-278c-440a-99fe-701223c80296"
VND = {"content-type": "application/vnd.api+json"}
DEPTH = 100_000

Call = Callable[[DatadogClient], object]
# Every command path of the client: each request it can send.
CALLS: list[tuple[str, str, Call]] = [
    ("POST", f"{ISSUES}/search", lambda c: c.search(SearchRequest("*", 1, 2, track=Track.RUM))),
    ("GET", f"{ISSUES}/{ISSUE}", lambda c: c.get_issue(ISSUE)),
    ("PUT", f"{ISSUES}/{ISSUE}/state", lambda c: c.set_state(ISSUE, State.RESOLVED)),
    ("PUT", f"{ISSUES}/{ISSUE}/assignee", lambda c: c.set_assignee(ISSUE, USER)),
    ("DELETE", f"{ISSUES}/{ISSUE}/assignee", lambda c: c.remove_assignee(ISSUE)),
    ("GET", "/api/v2/users", lambda c: c.find_user("a@example.com")),
]
CALL_IDS = ["search", "get", "state", "assignee", "unassign", "users"]


class FakeTime:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API) as mocked:
        yield mocked


@pytest.fixture
def client(fake_time: FakeTime) -> Iterator[DatadogClient]:
    with DatadogClient(API, CREDENTIALS, sleep=fake_time.sleep, clock=fake_time.clock) as made:
        yield made


def issue_json(issue_id: str, state: str = "OPEN") -> dict[str, Any]:
    return {"data": {"id": issue_id, "type": "issue", "attributes": {"state": state}}}


def nested(kind: str) -> bytes:
    if kind == "arrays":
        return b"[" * DEPTH + b"]" * DEPTH
    return b'{"errors":' * DEPTH + b"null" + b"}" * DEPTH


@pytest.mark.parametrize("kind", ["arrays", "objects"])
@pytest.mark.parametrize("status", [200, 400, 500])
@pytest.mark.parametrize(("method", "path", "call"), CALLS, ids=CALL_IDS)
def test_a_100000_deep_json_body_is_a_clean_error_on_every_request(
    router: respx.MockRouter,
    client: DatadogClient,
    method: str,
    path: str,
    call: Call,
    status: int,
    kind: str,
) -> None:
    router.route(method=method, path=path).respond(status, headers=VND, content=nested(kind))
    with pytest.raises(ReconcilerError) as caught:
        call(client)
    assert f"{method} {path}" in str(caught.value)
    if status == 200 and method != "DELETE":
        assert isinstance(caught.value, ResponseShapeError)
    elif status == 200:
        assert "expected 204" in str(caught.value)  # a DELETE succeeds with 204 only
    else:
        assert isinstance(caught.value, ApiError) and caught.value.status == status


@pytest.mark.parametrize("reset", ["1e9", "inf", "1e400", f"{MAX_WAIT + 1:g}"])
def test_a_429_asking_for_more_than_the_cap_is_a_clean_error_at_once(
    router: respx.MockRouter, client: DatadogClient, fake_time: FakeTime, reset: str
) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset, "Retry-After": reset}
    route = router.get(f"{ISSUES}/{ISSUE}").respond(429, headers=headers, json={"errors": ["no"]})
    with pytest.raises(RateLimitedError, match=f"longer than the {MAX_WAIT:g} s this tool waits"):
        client.get_issue(ISSUE)
    assert route.call_count == 1
    assert fake_time.slept == []


@pytest.mark.parametrize("reset", ["-inf", "nan", "-5", "garbage", "9" * 5000, "", "0x10"])
def test_an_unreadable_reset_on_429_gives_up_after_capped_backoff(
    router: respx.MockRouter, client: DatadogClient, fake_time: FakeTime, reset: str
) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset, "Retry-After": reset}
    route = router.get(f"{ISSUES}/{ISSUE}").respond(429, headers=headers, json={"errors": ["no"]})
    with pytest.raises(RateLimitedError, match="still rate limited"):
        client.get_issue(ISSUE)
    assert route.call_count == 4
    # The header is ignored: the waits are the retry policy's own backoff.
    assert fake_time.slept == [RetryPolicy().delay(attempt) for attempt in (1, 2, 3)]


@pytest.mark.parametrize("reset", ["1e9", "inf", f"{MAX_WAIT + 1:g}", "nan", "-1", "soon"])
def test_an_absurd_or_unreadable_reset_on_every_success_never_holds_the_next_request(
    router: respx.MockRouter, client: DatadogClient, fake_time: FakeTime, reset: str
) -> None:
    headers = {**VND, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    router.get(f"{ISSUES}/{ISSUE}").respond(200, headers=headers, json=issue_json(ISSUE))
    for _ in range(10):
        client.get_issue(ISSUE)
    # Pacing on it would wait the cap before every request: ten minutes for ten.
    assert fake_time.slept == []


class Trickler:
    """A loopback HTTP server that answers every request with headers, then one body
    byte every `interval` seconds (or nothing at all when `interval` is None)."""

    def __init__(self, interval: float | None) -> None:
        self.interval = interval
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            if self.interval is None:
                self.stop.wait()
                return
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
            conn.sendall(head.encode())
            while not self.stop.wait(self.interval):
                try:
                    conn.sendall(b" ")
                except OSError:
                    return

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.listener.close()


@pytest.mark.parametrize(
    "interval", [pytest.param(0.2, id="one-byte-every-0.2s"), pytest.param(None, id="silent")]
)
def test_a_trickling_or_silent_server_gives_a_clean_error_at_the_deadline(
    interval: float | None,
) -> None:
    server = Trickler(interval)
    try:
        with DatadogClient(server.url, CREDENTIALS, deadline=1.0) as client:
            started = time.monotonic()
            with pytest.raises(NetworkError, match="within the 1 s deadline") as caught:
                client.get_issue(ISSUE)
            took = time.monotonic() - started
    finally:
        server.close()
    assert took >= 1.0  # it waited for the deadline, then stopped: no retry after it
    assert f"GET {ISSUES}/{ISSUE}" in str(caught.value)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_answer_over_the_size_cap_is_a_clean_error(
    router: respx.MockRouter, client: DatadogClient, chunked: bool
) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)

    def stream() -> Iterator[bytes]:
        for start in range(0, len(body), 1 << 20):
            yield body[start : start + (1 << 20)]

    content: bytes | Iterator[bytes] = stream() if chunked else body
    route = router.get(f"{ISSUES}/{ISSUE}")
    route.mock(return_value=httpx.Response(200, headers=VND, content=content))
    with pytest.raises(ResponseShapeError, match="larger than the 8 MiB limit"):
        client.get_issue(ISSUE)
    assert route.call_count == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308, 300, 304])
@pytest.mark.parametrize(("method", "path", "call"), CALLS, ids=CALL_IDS)
def test_a_redirect_is_an_error_saying_a_proxy_answered_and_is_not_followed(
    router: respx.MockRouter, client: DatadogClient, method: str, path: str, call: Call, status: int
) -> None:
    login = "https://login.example.com/sso"
    route = router.route(method=method, path=path).respond(status, headers={"location": login})
    with pytest.raises(UnexpectedStatusError, match="a proxy or login page answered") as caught:
        call(client)
    assert login in str(caught.value) and caught.value.status == status
    assert route.call_count == 1 and len(router.calls) == 1  # not followed


@pytest.mark.parametrize("status", [100, 101, 199])
def test_an_informational_status_is_not_a_success(
    router: respx.MockRouter, client: DatadogClient, status: int
) -> None:
    router.put(f"{ISSUES}/{ISSUE}/state").respond(status, headers=VND, json=issue_json(ISSUE))
    with pytest.raises(UnexpectedStatusError, match="a proxy or login page answered"):
        client.set_state(ISSUE, State.RESOLVED)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.set_state(ISSUE, State.RESOLVED), id="state"),
        pytest.param(lambda c: c.set_assignee(ISSUE, USER), id="assignee"),
        pytest.param(lambda c: c.get_issue(ISSUE), id="get"),
    ],
)
def test_an_answer_about_another_issue_is_a_shape_error(
    router: respx.MockRouter, client: DatadogClient, call: Call
) -> None:
    router.route(path__startswith=f"{ISSUES}/{ISSUE}").respond(
        200, headers=VND, json=issue_json(OTHER, "RESOLVED")
    )
    with pytest.raises(ResponseShapeError, match=f"the answer is about issue {OTHER}"):
        call(client)


class RedirectingWrites(httpx.BaseTransport):
    """The sandbox behind a proxy that answers every write with a login redirect."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in ("PUT", "DELETE"):
            return httpx.Response(302, headers={"location": "https://sso.example.com/login"})
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_a_302_on_a_write_is_failed(config: Config) -> None:
    org = generate_org(issues=5, services=1, seed=3, now=now_ms())
    with (
        serve_in_thread(Store.from_org(org), Knobs()) as sandbox,
        DatadogClient(sandbox.url, CREDENTIALS, transport=RedirectingWrites()) as client,
    ):
        plan = make_plan(config, client, parallelism=1)
        assert plan.changes
        outcome = apply_plan(plan, client, parallelism=1)
        assert make_plan(config, client, parallelism=1).changes == plan.changes
    assert {r.status for r in outcome.results} == {ResultStatus.FAILED}
    assert all("a proxy or login page answered" in (r.error or "") for r in outcome.results)


# --------------------------------------------------------------------------- secrets


def echo_headers(status: int) -> Callable[[httpx.Request], httpx.Response]:
    """A proxy that echoes the request's headers in its body, Location and reason."""

    def answer(request: httpx.Request) -> httpx.Response:
        echoed = "; ".join(f"{k}: {v}" for k, v in request.headers.items())
        body = json.dumps({"errors": [{"detail": f"denied, you sent {echoed}"}]})
        headers = {
            **VND,
            "location": f"https://sso.example.com/?key={API_KEY}&app={APP_KEY}",
            "content-type": f"text/{APP_KEY}",
        }
        reason = f"Nope {API_KEY}".encode()
        return httpx.Response(
            status, headers=headers, content=body, extensions={"reason_phrase": reason}
        )

    return answer


def reachable(root: object) -> Iterator[object]:
    """Every object reachable from `root` through exception links, containers and vars()."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None:
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, str | bytes | int | float | type) or callable(obj):
            continue
        if isinstance(obj, BaseException):
            stack += [obj.__cause__, obj.__context__, *obj.args]
        if isinstance(obj, dict):
            stack += [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            stack += list(obj)
        stack += list(getattr(obj, "__dict__", {}).values())


def assert_no_key(error: BaseException) -> None:
    for obj in reachable(error):
        assert not isinstance(obj, httpx.Request | httpx.Response | httpx.Headers), obj
        assert not isinstance(obj, httpx.HTTPError), obj
        if isinstance(obj, str | bytes):
            text = obj.decode("latin-1") if isinstance(obj, bytes) else obj
            assert API_KEY.lower() not in text.lower() and APP_KEY.lower() not in text.lower()
    for text in (str(error), repr(error)):
        assert API_KEY not in text and APP_KEY not in text


@pytest.mark.parametrize("status", [200, 302, 400, 401, 403, 404, 429, 500, 502])
@pytest.mark.parametrize(("method", "path", "call"), CALLS, ids=CALL_IDS)
def test_an_echoed_key_is_scrubbed_from_every_error_and_log(
    router: respx.MockRouter,
    client: DatadogClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    call: Call,
    status: int,
) -> None:
    router.route(method=method, path=path).mock(side_effect=echo_headers(status))
    with caplog.at_level(logging.DEBUG), pytest.raises(ReconcilerError) as caught:
        call(client)
    assert_no_key(caught.value)
    assert "<redacted>" in str(caught.value) or (status == 200 and method == "DELETE")
    # Every logger, httpx's and httpcore's included (they log URLs and answer headers).
    assert caplog.records
    assert API_KEY not in caplog.text and APP_KEY not in caplog.text


def test_an_id_holding_a_key_is_scrubbed_from_the_log(
    router: respx.MockRouter, client: DatadogClient, caplog: pytest.LogCaptureFixture
) -> None:
    result = {"id": f"x{API_KEY}", "type": "error_tracking_search_result"}
    router.post(f"{ISSUES}/search").respond(200, headers=VND, json={"data": [result]})
    # Not a UUID: refused before it can become part of a URL, so nothing is fetched.
    with caplog.at_level(logging.INFO), pytest.raises(ReconcilerError) as caught:
        client.search(SearchRequest("*", 1, 2, track=Track.RUM))
    assert_no_key(caught.value)
    assert "<redacted>" in str(caught.value)
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError(f"refused {API_KEY}"),
        httpx.ReadTimeout(f"timed out {APP_KEY}"),
        httpx.RemoteProtocolError("peer closed"),
        httpx.DecodingError("bad gzip"),
    ],
    ids=["connect", "read-timeout", "protocol", "decoding"],
)
def test_a_network_error_chains_to_nothing_that_holds_the_keys(
    router: respx.MockRouter, client: DatadogClient, failure: httpx.HTTPError
) -> None:
    router.get(f"{ISSUES}/{ISSUE}").mock(side_effect=failure)
    with pytest.raises(NetworkError) as caught:
        client.get_issue(ISSUE)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_no_key(caught.value)
