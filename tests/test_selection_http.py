"""Selection against the sandbox over real HTTP: generated queries, hot sets, parse-once."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import pytest

from reconciler.client import Credentials, DatadogClient, wire
from reconciler.errors import PlanFailed, TruncatedSelectionError
from reconciler.model import Config, Issue, Rule, Source, State, Track
from reconciler.sandbox import Knobs, SandboxIssue, Store, serve_in_thread
from reconciler.selection import observe, select_rule

NOW = int(time.time() * 1000)
DAY_MS = 86_400_000
KEYS = Credentials("test-api-key", "test-app-key")
# Values the search syntax reserves characters of: quoting must make them literal.
AWKWARD = ["web api", 'say "hi"', "C:\\dir\\", "k:v", "pay-*", "a?b", "-x", "(p)"]


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def hot(count: int, services: list[str], types: list[str], first: int = 0) -> list[SandboxIssue]:
    """Issues active all window long, cycling through every (service, error type) pair."""
    pairs = itertools.cycle(itertools.product(services, types))
    return [
        SandboxIssue(
            id=uid(first + n),
            service=service,
            error_type=error_type,
            error_message="boom",
            first_seen=NOW - 40 * DAY_MS,
            last_seen=NOW - 1,
            total_count=n + 1,
        )
        for n, (service, error_type) in zip(range(count), pairs, strict=False)
    ]


def rule(name: str, query: str = "*") -> Rule:
    return Rule(
        name=name,
        query=query,
        from_states=(State.OPEN,),
        window_s=30 * 86_400,
        grace_s=0,
        source=Source("triage.yaml", 4, 3),
        track=Track.TRACE,
        state=State.RESOLVED,
    )


MakeClient = Callable[[list[SandboxIssue]], DatadogClient]


@pytest.fixture
def client_for() -> Iterator[MakeClient]:
    """A client of a fresh sandbox serving the given issues, over real HTTP."""
    with ExitStack() as stack:

        def make(issues: list[SandboxIssue]) -> DatadogClient:
            running = stack.enter_context(serve_in_thread(Store([], [], issues), Knobs()))
            return stack.enter_context(DatadogClient(running.url, KEYS))

        yield make


def test_a_hot_set_of_awkward_services_is_listed_completely(client_for: MakeClient) -> None:
    issues = hot(300, AWKWARD, ["E1", "E2", "E3"])
    client = client_for(issues)
    found = select_rule(client, rule("hot"), NOW, parallelism=4)
    assert {i.id for i in found} == {i.id for i in issues}


def test_300_hot_issues_over_6_services_and_5_types_are_listed(client_for: MakeClient) -> None:
    services = [f"checkout-{n}" for n in range(6)]
    issues = hot(300, services, [f"Error{n}" for n in range(5)])
    client = client_for(issues)
    found = select_rule(client, rule("hot", "service:checkout-*"), NOW, parallelism=4)
    assert {i.id for i in found} == {i.id for i in issues}


def test_150_identical_hot_issues_fail_the_plan_clearly(client_for: MakeClient) -> None:
    client = client_for(hot(150, ["checkout"], ["TimeoutError"]))
    config = Config(rules=(rule("hot"),), pins=(), max_changes=1000, digest="sha256:x")
    with pytest.raises(PlanFailed) as caught:
        observe(client, config, NOW)
    [error] = caught.value.errors
    assert isinstance(error, TruncatedSelectionError)
    assert "share service 'checkout' and @error.type 'TimeoutError'" in str(error)


def test_each_issue_is_parsed_once_per_plan(
    client_for: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issues = hot(240, ["a", "b", "c"], ["E1", "E2"])
    client = client_for(issues)
    parsed: list[str] = []
    real = wire.parse_issue

    def counting(resource: object, *args: Any) -> Issue:
        issue = real(resource, *args)
        parsed.append(issue.id)
        return issue

    monkeypatch.setattr(wire.search, "parse_issue", counting)
    rules = (rule("all"), rule("again"), rule("some", "service:a"))
    config = Config(rules=rules, pins=(), max_changes=1000, digest="sha256:x")
    observed = observe(client, config, NOW, parallelism=3)
    assert len(observed.issues) == 240
    # Three rules and their slices returned most issues several times.
    assert sorted(parsed) == sorted(i.id for i in issues)


def test_a_later_plan_on_the_same_client_sees_fresh_issues(client_for: MakeClient) -> None:
    issues = hot(120, ["a", "b"], ["E"])
    client = client_for(issues)
    config = Config(rules=(rule("all"),), pins=(), max_changes=1000, digest="sha256:x")
    before = observe(client, config, NOW)
    client.set_state(uid(0), State.ACKNOWLEDGED)
    after = observe(client, replace(config, rules=(replace(rule("all"), from_states=()),)), NOW)
    assert before.issues[uid(0)].state is State.OPEN
    assert after.issues[uid(0)].state is State.ACKNOWLEDGED
