"""Faults on the wire: retried where safe, reported per change where not, and a rerun
finishes the job (over real HTTP against the sandbox's seeded fault injection).

One request at a time, so the seeded faults fall on the same requests every run.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.applier import ApplyOutcome
from reconciler.client import Credentials, DatadogClient, RetryPolicy
from reconciler.config import load_config
from reconciler.engine import Engine
from reconciler.model import Config, Plan, ResultStatus
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
        timeout=5.0,
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
