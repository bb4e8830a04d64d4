"""Hostile answers and partial failure through the whole command: ids that are not UUIDs
in a search answer, guard fields the tool cannot read, writes that do not take effect, a
double Ctrl-C, and an `Error:` line closing every exit 1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner, Result
from sandbox_fixtures import ALICE, NOW_MS, OPEN_ID, UNKNOWN_ID, make_store

from reconciler.cli import cli
from reconciler.model import State
from reconciler.sandbox import Knobs, RunningSandbox, SandboxIssue, Store, serve_in_thread

KEYS = {"DD_API_KEY": "test-api-key-0123456789", "DD_APP_KEY": "test-app-key-0123456789"}
API = "https://api.datadoghq.com"
SEARCH = "/api/v2/error-tracking/issues/search"
VND = {"content-type": "application/vnd.api+json"}
ROOT = Path(__file__).resolve().parent.parent
HOUR_MS = 3_600_000

RESOLVE = """
version: 1
rules:
  - name: cleanup
    query: '*'
    state: RESOLVED
"""

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


def write(tmp_path: Path, text: str, name: str = "triage.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env, input=stdin)


def last_line(result: Result) -> str:
    return result.stderr.rstrip().splitlines()[-1]


def search_answer(issue_id: str, *, included: bool, **attributes: Any) -> dict[str, Any]:
    result = {"id": issue_id, "type": "error_tracking_search_result"}
    answer: dict[str, Any] = {"data": [result]}
    if included:
        attrs = {"state": "OPEN", "last_seen": NOW_MS - 48 * HOUR_MS, **attributes}
        answer["included"] = [{"id": issue_id, "type": "issue", "attributes": attrs}]
    return answer


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as mocked:
        yield mocked


def answer_search(router: respx.MockRouter, answer: dict[str, Any]) -> None:
    router.post(SEARCH).respond(200, headers=VND, json=answer)
    # Any other request answers 418, so one that slips through is seen, not sent on.
    router.route().respond(418)


# ---------------------------------------------------------------- ids that are not UUIDs


@pytest.mark.parametrize("included", [True, False], ids=["included", "fetched"])
@pytest.mark.parametrize(
    "bad_id",
    ["..", ".", "../state", "%2e%2e", pytest.param(f"{OPEN_ID}\n", id="uuid-and-newline")],
)
def test_a_dot_segment_or_other_non_uuid_id_in_a_search_answer_is_refused_before_any_request(
    tmp_path: Path, router: respx.MockRouter, bad_id: str, included: bool
) -> None:
    answer_search(router, search_answer(bad_id, included=included))
    env = {**KEYS, "DD_API_URL": API}
    result = run(["apply", "--auto-approve", str(write(tmp_path, RESOLVE))], env)
    assert result.exit_code == 1
    assert "is not a UUID" in result.stderr
    assert last_line(result).startswith("Error: ")
    # The search is the only request: nothing was fetched or written with that id.
    assert {(c.request.method, c.request.url.path) for c in router.calls} == {("POST", SEARCH)}


def test_a_deeply_nested_answer_to_a_write_fails_that_change_and_logs_it(
    tmp_path: Path, router: respx.MockRouter
) -> None:
    router.post(SEARCH).respond(200, headers=VND, json=search_answer(OPEN_ID, included=True))
    deep = b'{"data":' * 100_000 + b"null" + b"}" * 100_000
    state = router.put(f"/api/v2/error-tracking/issues/{OPEN_ID}/state")
    state.respond(200, headers=VND, content=deep)
    log = tmp_path / "apply.log"
    env = {**KEYS, "DD_API_URL": API}
    config = str(write(tmp_path, RESOLVE))
    result = run(["apply", "--auto-approve", "--log-file", str(log), config], env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert last_line(result).startswith("Error: not every change is in effect: 1 failed")
    assert state.call_count == 1
    (line,) = [json.loads(text) for text in log.read_text(encoding="utf-8").splitlines()]
    assert (line["issue_id"], line["field"], line["status"]) == (OPEN_ID, "state", "failed")
    assert "unexpected body" in line["error"]


# ---------------------------------------------------------------- keys echoed into an answer


def echoing_issue(request: httpx.Request, state: str = "OPEN") -> dict[str, Any]:
    """The issue as a proxy that copies the request's key headers into its text returns it."""
    echoed = f"{request.headers['DD-API-KEY']} {request.headers['DD-APPLICATION-KEY']}"
    attributes = {
        "state": state,
        "last_seen": NOW_MS - 48 * HOUR_MS,
        "service": f"email {echoed}",
        "error_type": f"Error {echoed.upper()}",
        "error_message": f"you sent {echoed}",
    }
    return {"id": OPEN_ID, "type": "issue", "attributes": attributes}


def test_keys_a_proxy_echoes_into_an_answer_reach_no_output_plan_file_or_log(
    tmp_path: Path, router: respx.MockRouter
) -> None:
    def search(request: httpx.Request) -> httpx.Response:
        answer = search_answer(OPEN_ID, included=False)
        answer["included"] = [echoing_issue(request)]
        return httpx.Response(200, headers=VND, json=answer)

    def issue(state: str) -> Callable[[httpx.Request], httpx.Response]:
        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers=VND, json={"data": echoing_issue(request, state)})

        return answer

    router.post(SEARCH).mock(side_effect=search)
    router.get(f"/api/v2/error-tracking/issues/{OPEN_ID}").mock(side_effect=issue("OPEN"))
    router.put(f"/api/v2/error-tracking/issues/{OPEN_ID}/state").mock(side_effect=issue("RESOLVED"))
    env = {**KEYS, "DD_API_URL": API}
    config = str(write(tmp_path, RESOLVE))
    plan_file, log = tmp_path / "plan.json", tmp_path / "apply.log"
    results = [
        run(["plan", config], env),
        run(["plan", "--format", "json", config], env),
        run(["plan", "--format", "markdown", "--out", str(plan_file), config], env),
        run(["show", str(plan_file)], env),
        run(["explain", OPEN_ID, config], env),
        run(["import", "--query", "*", "--persona", "ALL"], env),
        run(["apply", "--plan", str(plan_file), "--log-file", str(log)], env),
    ]
    assert [r.exit_code for r in results] == [0] * len(results), [r.stderr for r in results]
    everything = "".join(r.stdout + r.stderr for r in results)
    everything += plan_file.read_text(encoding="utf-8") + log.read_text(encoding="utf-8")
    assert "you sent <redacted> <redacted>" in results[0].stdout
    for key in KEYS.values():
        assert key.lower() not in everything.lower()


# ---------------------------------------------------------------- guards that cannot be read


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        pytest.param({"last_seen": float(NOW_MS - 48 * HOUR_MS)}, "grace", id="float-last-seen"),
        pytest.param({"last_seen": str(NOW_MS - 48 * HOUR_MS)}, "grace", id="string-last-seen"),
        pytest.param({"regression": "yes"}, "regressed", id="regression-yes"),
    ],
)
def test_an_unreadable_guard_field_holds_resolved_through_plan_and_apply(
    tmp_path: Path, router: respx.MockRouter, attributes: dict[str, Any], reason: str
) -> None:
    answer = search_answer(OPEN_ID, included=True, **attributes)
    answer_search(router, answer)
    env = {**KEYS, "DD_API_URL": API}
    config = write(tmp_path, RESOLVE)
    plan = run(["plan", "--format", "json", str(config)], env)
    assert plan.exit_code == 0, plan.stderr
    document = json.loads(plan.stdout)
    assert document["changes"] == []
    assert [(h["issue_id"], h["wanted"], h["reason"]) for h in document["held"]] == [
        (OPEN_ID, "RESOLVED", reason)
    ]
    applied = run(["apply", "--auto-approve", str(config)], env)
    assert applied.exit_code == 0, applied.stderr
    assert all(c.request.method == "POST" for c in router.calls)


# ---------------------------------------------------------------- writes that do not take effect


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


def ignore_state_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server answers 200 to a state write and leaves the state as it was."""
    monkeypatch.setattr(Store, "set_state", lambda self, issue_id, state: self.issue(issue_id))


def test_a_200_with_the_old_state_is_failed_over_http(
    tmp_path: Path, env: dict[str, str], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ignore_state_writes(monkeypatch)
    result = run(["apply", "--auto-approve", "--format", "json", str(write(tmp_path, NOISE))], env)
    assert result.exit_code == 1
    statuses = {r["field"]: (r["status"], r["error"]) for r in json.loads(result.stdout)["results"]}
    assert statuses["assignee"] == ("applied", None)
    status, error = statuses["state"]
    assert status == "failed" and "the write did not take effect" in error
    assert last_line(result).startswith("Error: not every change is in effect: 1 failed")


# ---------------------------------------------------------------- an Error: line for every exit 1


SMALL_LIMIT = NOISE.replace("version: 1", "version: 1\ndefaults:\n  max_changes: 1")


def _pin(issue_id: str) -> str:
    return f"version: 1\nissues:\n  {issue_id}:\n    state: RESOLVED\n"


def _conflict() -> str:
    return (
        "version: 1\nrules:\n"
        "  - {name: a, query: 'service:email-api-py', state: IGNORED}\n"
        "  - {name: b, query: 'service:email-api-py', state: RESOLVED}\n"
    )


def _tampered_plan(tmp_path: Path, env: dict[str, str]) -> list[str]:
    plan_file = tmp_path / "plan.json"
    assert run(["plan", "--out", str(plan_file), str(write(tmp_path, NOISE))], env).exit_code == 0
    document = json.loads(plan_file.read_text(encoding="utf-8"))
    document["changes"][0]["keep_state"] = "OPEN"
    plan_file.write_text(json.dumps(document), encoding="utf-8")
    return ["apply", "--plan", str(plan_file)]


def _config(text: str) -> Callable[[Path, dict[str, str]], list[str]]:
    def make(tmp_path: Path, _env: dict[str, str]) -> list[str]:
        return [str(write(tmp_path, text))]

    return make


Scenario = Callable[[Path, dict[str, str]], list[str]]
EXIT_1: list[Any] = [
    pytest.param(
        lambda t, e: ["validate", *_config("version: 2\n")(t, e)], {}, id="invalid-config"
    ),
    pytest.param(lambda t, e: ["validate", str(t / "none.yaml")], {}, id="missing-config"),
    pytest.param(lambda t, e: ["plan"], {}, id="usage-no-path"),
    pytest.param(
        lambda t, e: ["plan", *_config(NOISE)(t, e)], {"DD_API_KEY": ""}, id="missing-key"
    ),
    pytest.param(
        lambda t, e: ["plan", *_config(NOISE)(t, e)],
        {"DD_API_URL": "http://example.com"},
        id="unsafe-url",
    ),
    pytest.param(
        lambda t, e: ["plan", *_config(NOISE)(t, e)],
        {"DD_API_URL": "https://user:secret@127.0.0.1:1"},
        id="userinfo-url",
    ),
    pytest.param(lambda t, e: ["plan", *_config(_pin(UNKNOWN_ID))(t, e)], {}, id="pin-404"),
    pytest.param(
        lambda t, e: ["plan", "--strict", *_config(_conflict())(t, e)], {}, id="strict-conflict"
    ),
    pytest.param(
        lambda t, e: ["plan", "--target", "nope", *_config(NOISE)(t, e)], {}, id="unknown-target"
    ),
    pytest.param(lambda t, e: ["apply", *_config(NOISE)(t, e)], {}, id="apply-no-terminal"),
    pytest.param(
        lambda t, e: ["apply", "--auto-approve", *_config(SMALL_LIMIT)(t, e)],
        {},
        id="too-many-changes",
    ),
    pytest.param(_tampered_plan, {}, id="tampered-plan"),
    pytest.param(lambda t, e: ["show", *_config("not a plan")(t, e)], {}, id="show-not-a-plan"),
    pytest.param(
        lambda t, e: ["import", "--query", "*", "--persona", "ALL", "--window", "9x"],
        {},
        id="import-bad-window",
    ),
    pytest.param(
        lambda t, e: ["plan", "--out", str(t / "no" / "p.json"), *_config(NOISE)(t, e)],
        {},
        id="out-missing-directory",
    ),
]


@pytest.mark.parametrize(("args", "overrides"), EXIT_1)
def test_every_exit_1_ends_with_an_error_line(
    tmp_path: Path, env: dict[str, str], args: Scenario, overrides: dict[str, str]
) -> None:
    result = run(args(tmp_path, env), {**env, **overrides})
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert last_line(result).startswith("Error: "), result.stderr
    assert "secret" not in result.output


def test_a_demo_that_does_not_converge_ends_with_an_error_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ignore_state_writes(monkeypatch)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 1
    assert last_line(result).startswith("Error: the demo did not converge: ")


# ---------------------------------------------------------------- a double Ctrl-C


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


def _interrupt_twice(
    store: Store, config: Path, log: Path, latency_ms: float = 150
) -> tuple[int, str, str]:
    """Run apply in a child process against a slow sandbox and Ctrl-C it twice once
    writes have started; returns its exit code, stdout and stderr."""
    with serve_in_thread(store, Knobs(latency_ms=latency_ms)) as slow:
        env = {**os.environ, **KEYS, "DD_API_URL": slow.url, "PYTHONPATH": str(ROOT)}
        args = [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--format", "json"]
        args += ["--parallelism", "4", "--log-file", str(log), str(config)]
        process = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while store.write_count() < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def _bulk(store: Store) -> dict[str, tuple[State, str | None]]:
    return {
        issue.id: (issue.state, issue.assignee_id)
        for issue in store.issues()
        if issue.id.startswith("5e1f")
    }


def test_a_double_ctrl_c_loses_no_log_line_of_a_write_the_server_received(
    tmp_path: Path,
) -> None:
    store = _bulk_store(40)
    config = write(tmp_path, NOISE.replace("service:email-api-py", "service:bulk-api"))
    log = tmp_path / "apply.log"
    code, out, err = _interrupt_twice(store, config, log)
    assert code == 130, err
    assert "Traceback" not in err
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    done = {(r["issue_id"], r["field"]) for r in logged if r["status"] == "applied"}
    received = 0
    for issue_id, (state, assignee) in _bulk(store).items():
        # Every write the server took is in the log as applied.
        if assignee is not None:
            received += 1
            assert assignee == ALICE and (issue_id, "assignee") in done
        if state is State.IGNORED:
            received += 1
            assert (issue_id, "state") in done
    assert received > 0
    # The log holds exactly the results printed, one line per change of the plan.
    results = json.loads(out)["results"]
    assert sorted((r["issue_id"], r["field"], r["status"]) for r in logged) == sorted(
        (r["issue_id"], r["field"], r["status"]) for r in results
    )
    assert len(results) == 80


def test_issues_a_double_ctrl_c_stranded_are_finished_by_a_second_apply(tmp_path: Path) -> None:
    store = _bulk_store(40)
    config = write(tmp_path, NOISE.replace("service:email-api-py", "service:bulk-api"))
    code, _out, err = _interrupt_twice(store, config, tmp_path / "apply.log", latency_ms=600)
    assert code == 130, err
    after_interrupt = _bulk(store)
    # The second Ctrl-C came while the first assignee writes were in flight (each answer
    # takes 600 ms), so their state writes were never started: those issues are stranded.
    assert (State.ACKNOWLEDGED, ALICE) in set(after_interrupt.values())
    assert set(after_interrupt.values()) <= {
        (State.OPEN, None),
        (State.ACKNOWLEDGED, ALICE),  # stranded: assigned, its state write never sent
        (State.IGNORED, ALICE),
    }
    with serve_in_thread(store, Knobs()) as fast:
        env = {**KEYS, "DD_API_URL": fast.url}
        again = run(["apply", "--auto-approve", str(config)], env)
        assert again.exit_code == 0, again.stderr
        assert run(["plan", str(config)], env).stdout.rstrip().endswith("No changes.")
    assert set(_bulk(store).values()) == {(State.IGNORED, ALICE)}
