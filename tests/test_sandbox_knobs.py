"""Realism knobs: latency, rate limiting with headers, seeded faults and dropped connections."""

from __future__ import annotations

import httpx
from sandbox_fixtures import (
    KEYS,
    OPEN_ID,
    FakeClock,
    RecordingSleep,
    make_store,
)

from reconciler.sandbox import Knobs, Store, serve_in_thread

ISSUE = f"/api/v2/error-tracking/issues/{OPEN_ID}"


def _statuses(store: Store, knobs: Knobs, count: int) -> list[int | str]:
    outcomes: list[int | str] = []
    with (
        serve_in_thread(store, knobs) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS, timeout=5) as client,
    ):
        for _ in range(count):
            try:
                outcomes.append(client.get(ISSUE).status_code)
            except httpx.TransportError:
                outcomes.append("dropped")
    return outcomes


def test_latency_is_slept_once_per_request() -> None:
    sleep = RecordingSleep()
    with (
        serve_in_thread(make_store(), Knobs(latency_ms=250, sleep=sleep)) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS) as client,
    ):
        client.get(ISSUE)
        client.get("/api/v2/users")
    assert sleep.calls == [0.25, 0.25]


def test_real_latency_delays_the_answer() -> None:
    with (
        serve_in_thread(make_store(), Knobs(latency_ms=30)) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS) as client,
    ):
        response = client.get(ISSUE)
    assert response.elapsed.total_seconds() >= 0.03


def test_rate_limit_headers_and_429_past_the_limit() -> None:
    clock = FakeClock(600_020.0)  # 20 s into a calendar-aligned 60 s window
    knobs = Knobs(rate_limit=2, rate_period=60, clock=clock)
    with (
        serve_in_thread(make_store(), knobs) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS) as client,
    ):
        first, second, third = (client.get(ISSUE) for _ in range(3))
        clock.now += 40  # the next calendar window starts
        fourth = client.get(ISSUE)
    assert [r.status_code for r in (first, second, third, fourth)] == [200, 200, 429, 200]
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-period"] == "60"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert first.headers["x-ratelimit-reset"] == "40"
    assert first.headers["x-ratelimit-name"] == "error_tracking_issues"
    assert third.headers["x-ratelimit-remaining"] == "0"
    assert third.headers["content-type"] == "application/vnd.api+json"
    assert third.json()["errors"][0]["status"] == "429"
    assert fourth.headers["x-ratelimit-remaining"] == "1"


def test_no_rate_limit_headers_without_a_limit() -> None:
    assert "x-ratelimit-limit" not in _headers_of_one_request(Knobs())


def _headers_of_one_request(knobs: Knobs) -> httpx.Headers:
    with (
        serve_in_thread(make_store(), knobs) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS) as client,
    ):
        return client.get(ISSUE).headers


def test_faults_are_reproducible_from_the_seed() -> None:
    knobs = Knobs(fault_rate=0.4, seed=7)
    first = _statuses(make_store(), knobs, 25)
    second = _statuses(make_store(), knobs, 25)
    other_seed = _statuses(make_store(), Knobs(fault_rate=0.4, seed=8), 25)
    assert first == second
    assert first != other_seed
    assert {s for s in first if s != 200} <= {500, 502, 503, 504}
    assert 0 < sum(1 for s in first if s != 200) < 25


def test_fault_bodies_are_jsonapi_errors() -> None:
    with (
        serve_in_thread(make_store(), Knobs(fault_rate=1.0)) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS) as client,
    ):
        response = client.get(ISSUE)
    assert response.status_code >= 500
    assert response.headers["content-type"] == "application/vnd.api+json"
    assert response.json()["errors"][0]["status"] == str(response.status_code)


def test_dropped_connections_give_the_client_no_answer() -> None:
    store = make_store()
    outcomes = _statuses(store, Knobs(drop_rate=0.5, seed=3), 20)
    assert "dropped" in outcomes and 200 in outcomes
    assert outcomes == _statuses(make_store(), Knobs(drop_rate=0.5, seed=3), 20)
    assert store.request_count("GET") == 20


def test_every_request_dropped() -> None:
    assert _statuses(make_store(), Knobs(drop_rate=1.0), 3) == ["dropped"] * 3


def test_reconfigure_restarts_the_fault_sequence() -> None:
    with serve_in_thread(make_store(), Knobs(fault_rate=1.0)) as sandbox:
        with httpx.Client(base_url=sandbox.url, headers=KEYS) as client:
            failing = client.get(ISSUE).status_code
            sandbox.reconfigure(fault_rate=0.0)
            healthy = client.get(ISSUE).status_code
        assert sandbox.knobs.fault_rate == 0.0
    assert (failing >= 500, healthy) == (True, 200)


def test_knobs_repr_hides_keys() -> None:
    text = repr(Knobs(api_key="secret-api", app_key="secret-app"))
    assert "secret" not in text and "api_key=set" in text
