"""The measured scenarios, each on a fresh copy of the org behind its own sandbox.

Everything goes through the library entry point the CLI uses (`reconciler.engine`),
so a number here is what `reconciler plan` / `apply` would take against an API
with the same latency. Correctness checks raise CheckFailed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx
from reconciler import client
from reconciler.engine import ApplyOutcome, Engine
from reconciler.model import (
    SEARCH_CAP,
    Config,
    Issue,
    IssueApi,
    Plan,
    Rule,
    SearchRequest,
    State,
    User,
)
from reconciler.sandbox import Knobs, RunningSandbox, Store, serve_in_thread

from workload import Workload

# The sandbox accepts any non-empty keys; these never leave this machine.
ENV = {"DD_API_KEY": "benchmark-api-key", "DD_APP_KEY": "benchmark-application-key"}

_T = TypeVar("_T")


class CheckFailed(Exception):
    """A correctness check of the benchmark failed (e.g. the second plan is not empty)."""


def check(condition: bool, message: str) -> None:
    """Raise CheckFailed with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


@dataclass(frozen=True)
class Row:
    """One line of the results table; `baseline_s` is the parallelism-1 time it compares to."""

    scenario: str
    parallelism: int
    wall_s: float
    requests: int
    baseline_s: float | None = None
    note: str = ""


@dataclass(frozen=True)
class SelectionRow:
    """What completing one rule's selection cost: search calls against issues returned."""

    rule: str
    unique: int
    calls: int
    returned: int
    wall_s: float


@contextmanager
def _sandbox(store: Store, knobs: Knobs) -> Iterator[tuple[RunningSandbox, client.DatadogClient]]:
    with (
        serve_in_thread(store, knobs) as running,
        client.DatadogClient(running.url, client.Credentials.from_env(ENV)) as api,
    ):
        yield running, api


def _engine(api: IssueApi, api_url: str, parallelism: int) -> Engine:
    return Engine(api, api_url=api_url, parallelism=parallelism)


def make_plan(
    config: Config, api: client.DatadogClient, *, parallelism: int, targets: tuple[str, ...] = ()
) -> Plan:
    """A complete plan, as `reconciler plan` makes it."""
    return _engine(api, api.api_url, parallelism).plan(config, targets=targets)


def _timed(call: Callable[[], _T]) -> tuple[_T, float]:
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def measure_plan(workload: Workload, parallelism: int, knobs: Knobs) -> tuple[Row, Plan]:
    """Plan once against a fresh org; the row counts every request the plan sent."""
    with _sandbox(workload.fresh_store(), knobs) as (running, api):
        plan, wall = _timed(lambda: make_plan(workload.config, api, parallelism=parallelism))
        requests = running.store.request_count()
        check(running.store.write_count() == 0, "plan sent a write")
    summary = plan.summary()
    note = f"{summary['issues_in_scope']} issues in scope, {summary['changes']} changes"
    return Row("plan", parallelism, wall, requests, note=note), plan


@dataclass(frozen=True)
class ApplyRun:
    """An apply, and the plan after it, which must be empty (and so must its apply)."""

    apply: Row
    replan: Row


def measure_apply(workload: Workload, parallelism: int, knobs: Knobs) -> ApplyRun:
    """Plan (not timed), apply at `parallelism`, then plan and apply again: both must be empty."""
    with _sandbox(workload.fresh_store(), knobs) as (running, api):
        store = running.store
        plan = make_plan(workload.config, api, parallelism=max(parallelism, 4))
        check(bool(plan.changes), "the first plan has no changes: nothing to measure")
        store.reset_counts()
        outcome, wall = _timed(lambda: _apply(plan, api, parallelism))
        counts = outcome.counts()
        check(outcome.ok, f"apply at parallelism {parallelism} did not apply everything: {counts}")
        writes, requests = store.write_count(), store.request_count()
        apply_row = Row(
            "apply",
            parallelism,
            wall,
            requests,
            note=f"{len(plan.changes)} changes, {writes} writes",
        )
        store.reset_counts()
        second, replan_wall = _timed(
            lambda: make_plan(workload.config, api, parallelism=parallelism)
        )
        if second.changes:
            raise CheckFailed(
                f"the plan after apply (parallelism {parallelism}) still has "
                f"{len(second.changes)} changes, e.g. {second.changes[0].to_json()}"
            )
        replan_requests = store.request_count()
        store.reset_counts()
        again = _apply(second, api, parallelism)
        check(store.write_count() == 0, f"the second apply sent {store.write_count()} writes")
        check(again.ok, f"the second apply failed: {again.counts()}")
        replan_row = Row(
            "plan after apply",
            parallelism,
            replan_wall,
            replan_requests,
            note=f"0 changes; apply again: {store.request_count()} requests, 0 writes",
        )
    return ApplyRun(apply_row, replan_row)


def _apply(plan: Plan, api: client.DatadogClient, parallelism: int) -> ApplyOutcome:
    return _engine(api, api.api_url, parallelism).apply(plan)


def measure_selection(workload: Workload, knobs: Knobs) -> list[SelectionRow]:
    """Complete each rule's selection alone, counting search calls and issues returned."""
    rows: list[SelectionRow] = []
    with _sandbox(workload.fresh_store(), knobs) as (_, api):
        for rule in workload.config.rules:
            rows.append(_select(api, rule))
    return rows


def _select(api: client.DatadogClient, rule: Rule) -> SelectionRow:
    counting = CountingApi(api)
    now_ms = int(time.time() * 1000)
    engine = _engine(counting, api.api_url, 1)
    found, wall = _timed(lambda: engine.select(rule, now_ms))
    check(
        counting.calls == 1 or counting.largest >= SEARCH_CAP,
        f"rule {rule.name!r} split its search although no call was full",
    )
    return SelectionRow(rule.name, len(found), counting.calls, counting.returned, wall)


@dataclass(frozen=True)
class RateLimitRun:
    """A plan and apply against a rate-limited sandbox, with the 429s the client saw."""

    plan: Row
    apply: Row


def measure_rate_limit(
    workload: Workload, targets: tuple[str, ...], parallelism: int, knobs: Knobs
) -> RateLimitRun:
    """Plan and apply (limited to `targets`) under the sandbox's rate limit; nothing may fail."""
    statuses = StatusCounter(httpx.HTTPTransport())
    with serve_in_thread(workload.fresh_store(), knobs) as running:
        credentials = client.Credentials.from_env(ENV)
        with client.DatadogClient(running.url, credentials, transport=statuses) as api:
            plan, plan_wall = _timed(
                lambda: make_plan(workload.config, api, parallelism=parallelism, targets=targets)
            )
            plan_429s, plan_requests = statuses.counts[429], running.store.request_count()
            running.store.reset_counts()
            outcome, apply_wall = _timed(lambda: _apply(plan, api, parallelism))
            apply_requests = running.store.request_count()
    check(outcome.ok, f"apply under the rate limit did not apply everything: {outcome.counts()}")
    apply_429s = statuses.counts[429] - plan_429s
    limit = f"limit {knobs.rate_limit}/{knobs.rate_period:g}s"
    return RateLimitRun(
        plan=Row(
            "plan, rate-limited",
            parallelism,
            plan_wall,
            plan_requests,
            note=f"{limit}, {plan_429s} x 429 retried",
        ),
        apply=Row(
            "apply, rate-limited",
            parallelism,
            apply_wall,
            apply_requests,
            note=f"{limit}, {len(plan.changes)} changes, {apply_429s} x 429 retried, 0 failed",
        ),
    )


class CountingApi:
    """An IssueApi that forwards to the client and counts searches and issues returned."""

    def __init__(self, api: IssueApi) -> None:
        self._api = api
        self.calls = 0
        self.returned = 0
        self.largest = 0

    def search(self, request: SearchRequest) -> list[Issue]:
        found = self._api.search(request)
        self.calls += 1
        self.returned += len(found)
        self.largest = max(self.largest, len(found))
        return found

    def get_issue(self, issue_id: str) -> Issue:
        return self._api.get_issue(issue_id)

    def set_state(self, issue_id: str, state: State) -> Issue:
        return self._api.set_state(issue_id, state)

    def set_assignee(self, issue_id: str, user_id: str) -> Issue:
        return self._api.set_assignee(issue_id, user_id)

    def remove_assignee(self, issue_id: str) -> None:
        self._api.remove_assignee(issue_id)

    def find_user(self, reference: str) -> User:
        return self._api.find_user(reference)


class StatusCounter(httpx.BaseTransport):
    """A transport that counts the status of every response the client receives."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._counts: Counter[int] = Counter()

    @property
    def counts(self) -> Counter[int]:
        """Responses received so far, by status."""
        with self._lock:
            return Counter(self._counts)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        with self._lock:
            self._counts[response.status_code] += 1
        return response

    def close(self) -> None:
        self._inner.close()
