"""`apply` end to end over real HTTP: saved plans re-applied, refusals before any
request, stranded issues finished by a rerun, SIGTERM mid-apply, progress on and off a
terminal."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sandbox_fixtures import ALICE, NOW_MS, OPEN_ID, make_store

from reconciler.cli import cli
from reconciler.cli.progress import wants_progress
from reconciler.model import (
    Change,
    State,
    plan_checksum,
)
from reconciler.planfile import load_plan, plan_to_document
from reconciler.sandbox import Knobs, RunningSandbox, SandboxIssue, Store, serve_in_thread

KEYS = {"DD_API_KEY": "test-api-key", "DD_APP_KEY": "test-app-key"}
ROOT = Path(__file__).resolve().parent.parent

# IGNORED with an assignee: assigning moves OPEN -> ACKNOWLEDGED before IGNORED is
# written, which is where a partial run strands an issue.
NOISE = """
version: 1
users:
  alice: alice@example.com
rules:
  - name: email-noise
    query: 'service:email-api-py'
    state: IGNORED
    assignee: alice
"""


@pytest.fixture
def store() -> Store:
    return make_store()


@pytest.fixture
def sandbox(store: Store) -> Iterator[RunningSandbox]:
    with serve_in_thread(store, Knobs()) as running:
        yield running


@pytest.fixture
def env(sandbox: RunningSandbox) -> dict[str, str]:
    return {**KEYS, "DD_API_URL": sandbox.url}


def run(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(cli, args, env=env)


def config_file(tmp_path: Path, text: str = NOISE) -> Path:
    path = tmp_path / "triage.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def saved_plan(tmp_path: Path, env: dict[str, str]) -> Path:
    plan_file = tmp_path / "plan.json"
    result = run(["plan", "--out", str(plan_file), str(config_file(tmp_path))], env)
    assert result.exit_code == 0, result.stderr
    return plan_file


def strand(store: Store) -> None:
    """What a run stopped after its assignee write leaves: assigned, ACKNOWLEDGED."""
    store.set_assignee(OPEN_ID, ALICE)
    assert (issue := store.issue(OPEN_ID)) is not None and issue.state is State.ACKNOWLEDGED


# ---------------------------------------------------------------- saved plans


@pytest.mark.parametrize("bad_id", ["..", "."])
def test_apply_plan_refuses_a_dot_segment_issue_id_before_any_request(
    tmp_path: Path, env: dict[str, str], store: Store, bad_id: str
) -> None:
    plan_file = saved_plan(tmp_path, env)
    plan = load_plan(plan_file)
    doc = plan_to_document(plan)
    for change in doc["changes"]:
        change["issue_id"] = bad_id
    # Resealed, so that only the id check stands between the file and a write.
    forged = [
        Change(bad_id, c.field, c.before, c.after, c.source, keep_state=c.keep_state)
        for c in plan.changes
    ]
    doc["checksum"] = plan_checksum(forged, plan.api_url, plan.max_changes)
    plan_file.write_text(json.dumps(doc), encoding="utf-8")
    store.reset_counts()
    result = run(["apply", "--plan", str(plan_file)], env)
    assert result.exit_code == 1
    assert "is not an issue UUID" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("Error: ")
    assert store.request_count() == 0


def test_a_saved_plan_applied_twice_reports_unchanged_in_results_and_log(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    plan_file = saved_plan(tmp_path, env)
    log = tmp_path / "apply.log"
    first = run(["apply", "--plan", str(plan_file), "--log-file", str(log)], env)
    assert first.exit_code == 0, first.stderr
    writes = store.write_count()
    second = run(
        ["apply", "--plan", str(plan_file), "--log-file", str(log), "--format", "json"], env
    )
    assert second.exit_code == 0, second.stderr
    report = json.loads(second.stdout)
    assert {r["status"] for r in report["results"]} == {"unchanged"}
    assert report["summary"]["unchanged"] == len(report["results"]) == 2
    assert store.write_count() == writes
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["status"] for line in lines] == ["applied", "applied", "unchanged", "unchanged"]


def test_stale_results_show_the_live_value_and_say_why_the_exit_is_1(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    plan_file = saved_plan(tmp_path, env)
    store.set_state(OPEN_ID, State.RESOLVED)  # someone resolved it in the UI meanwhile
    text = run(["apply", "--plan", str(plan_file)], env)
    assert text.exit_code == 1
    assert f"stale      {OPEN_ID} state: OPEN -> IGNORED (now RESOLVED)" in text.stdout
    last = text.stderr.rstrip().splitlines()[-1]
    assert last.startswith("Error: not every change is in effect: ") and "1 stale" in last
    as_json = run(["apply", "--plan", str(plan_file), "--format", "json"], env)
    stale = [r for r in json.loads(as_json.stdout)["results"] if r["status"] == "stale"]
    assert [(r["field"], r["current"]) for r in stale] == [("state", "RESOLVED")]


# ---------------------------------------------------------------- stranded issues


def test_the_stranded_case_is_finished_by_a_second_apply(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    strand(store)
    result = run(["apply", "--auto-approve", str(config_file(tmp_path))], env)
    assert result.exit_code == 0, result.stderr
    issue = store.issue(OPEN_ID)
    assert issue is not None and (issue.state, issue.assignee_id) == (State.IGNORED, ALICE)
    again = run(["plan", str(config_file(tmp_path))], env)
    assert again.stdout.rstrip().endswith("No changes.")


def test_the_stranded_case_is_finished_by_reapplying_the_same_plan(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    plan_file = saved_plan(tmp_path, env)
    strand(store)
    result = run(["apply", "--plan", str(plan_file), "--format", "json"], env)
    assert result.exit_code == 0, result.stderr
    statuses = {r["field"]: r["status"] for r in json.loads(result.stdout)["results"]}
    assert statuses == {"assignee": "unchanged", "state": "applied"}
    issue = store.issue(OPEN_ID)
    assert issue is not None and (issue.state, issue.assignee_id) == (State.IGNORED, ALICE)


# ---------------------------------------------------------------- SIGTERM


def _bulk_store(count: int) -> Store:
    base = make_store()
    issues = [
        SandboxIssue(
            id=f"5e1f0000-0000-4000-8000-{n:012d}",
            service="bulk-api",
            error_type="TimeoutError",
            error_message=f"timeout {n}",
            first_seen=NOW_MS - 86_400_000,
            last_seen=NOW_MS - 7_200_000,
        )
        for n in range(count)
    ]
    return Store(base.users(), base.teams(), issues)


def test_sigterm_mid_apply_exits_130_with_results_matching_the_server(tmp_path: Path) -> None:
    store = _bulk_store(40)
    config = config_file(tmp_path, NOISE.replace("service:email-api-py", "service:bulk-api"))
    log = tmp_path / "apply.log"
    with serve_in_thread(store, Knobs(latency_ms=150)) as slow:
        env = {**os.environ, **KEYS, "DD_API_URL": slow.url, "PYTHONPATH": str(ROOT)}
        args = [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--format", "json"]
        args += ["--parallelism", "2", "--log-file", str(log), str(config)]
        process = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while store.write_count() < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        live = {issue.id: (issue.state, issue.assignee_id) for issue in store.issues()}
    assert process.returncode == 130, err
    results = json.loads(out)["results"]
    applied = {(r["issue_id"], r["field"]) for r in results if r["status"] == "applied"}
    assert 0 < len(applied) < 80
    for issue_id, (state, assignee) in live.items():
        if not issue_id.startswith("5e1f"):
            continue
        # An issue is either untouched or finished: never assigned without its state.
        assert (state, assignee) in ((State.OPEN, None), (State.IGNORED, ALICE))
        done = state is State.IGNORED
        assert ((issue_id, "assignee") in applied) == done
        assert ((issue_id, "state") in applied) == done
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["issue_id"], r["field"], r["status"]) for r in logged) == sorted(
        (r["issue_id"], r["field"], r["status"]) for r in results
    )
    assert "Interrupted: " in err and "writes sent" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- progress


def test_no_progress_when_piped(tmp_path: Path, env: dict[str, str]) -> None:
    assert not wants_progress(io.StringIO(), "text")
    result = run(["apply", "--auto-approve", str(config_file(tmp_path))], env)
    assert result.exit_code == 0, result.stderr
    assert "\r" not in result.stderr and "apply: " not in result.stderr
    # Each change is printed once, as a result line.
    assert result.stdout.count(f"applied    {OPEN_ID}") == 2
