"""The commands end to end, over real HTTP against the bundled sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sandbox_fixtures import (
    BOB,
    OLD_ID,
    OPEN_ID,
    REGRESSED_ID,
    RESOLVED_ID,
    UNKNOWN_ID,
    make_store,
)

from reconciler.cli import cli
from reconciler.model import State
from reconciler.sandbox import Knobs, RunningSandbox, Store, serve_in_thread

API_KEY = "sk-test-0123456789abcdef-API"
APP_KEY = "sk-test-fedcba9876543210-APP"


@pytest.fixture
def store() -> Store:
    return make_store()


@pytest.fixture
def sandbox(store: Store) -> Iterator[RunningSandbox]:
    with serve_in_thread(store, Knobs(api_key=API_KEY, app_key=APP_KEY)) as running:
        yield running


@pytest.fixture
def env(sandbox: RunningSandbox) -> dict[str, str]:
    return {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_API_URL": sandbox.url}


def write(tmp_path: Path, text: str, name: str = "triage.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def run(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    base = {"DD_API_KEY": "", "DD_APP_KEY": "", "DD_APPLICATION_KEY": "", "DD_API_URL": ""}
    return CliRunner().invoke(cli, args, env={**base, **(env or {})}, input=stdin)


def save_plan(tmp_path: Path, env: dict[str, str]) -> Path:
    plan_file = tmp_path / "plan.json"
    result = run(["plan", "--out", str(plan_file), str(write(tmp_path, OWNERSHIP))], env)
    assert result.exit_code == 0, result.stderr
    return plan_file


OWNERSHIP = f"""
version: 1
users:
  alice: alice@example.com
rules:
  - name: payments-owner
    query: 'service:payments-*'
    assignee: alice
  - name: email-owner
    query: 'service:email-api-py'
    assignee: {BOB}
    state: ACKNOWLEDGED
issues:
  {OLD_ID}:
    state: OPEN
    note: worth another look
"""


def test_validate_reports_a_valid_config(tmp_path: Path) -> None:
    result = run(["validate", str(write(tmp_path, OWNERSHIP))])
    assert result.exit_code == 0, result.stderr
    assert "2 rules and 1 pins" in result.stdout


def test_validate_reports_every_problem_with_its_position(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        rules:
          - name: Bad Name
            query: 'service:('
            state: OPEN
        """,
    )
    result = run(["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3:11:" in result.stderr
    assert f"{path}:4:21: rule 'Bad Name': query does not parse" in result.stderr
    assert f"{path}:5:12:" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Error: configuration is invalid (3 problems); nothing was sent." in result.stderr


BAD_CONFIGS = sorted((Path(__file__).parent / "fixtures" / "config" / "bad").iterdir())


@pytest.mark.parametrize("path", BAD_CONFIGS, ids=[p.stem for p in BAD_CONFIGS])
def test_every_bad_config_is_a_clear_error_not_a_traceback(path: Path) -> None:
    result = run(["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("Error: configuration is invalid")
    assert result.stderr.startswith(str(path))  # every problem leads with FILE:LINE:COL


def test_invalid_config_sends_nothing(tmp_path: Path, env: dict[str, str], store: Store) -> None:
    path = write(tmp_path, "version: 1\nrules:\n  - name: x\n    query: '*'\n")
    result = run(["apply", "--auto-approve", str(path)], env)
    assert result.exit_code == 1
    assert store.request_count() == 0


def test_plan_shows_changes_terraform_style(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, OWNERSHIP)
    result = run(["plan", str(path)], env)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert f"~ issue {OPEN_ID}" in out
    assert "~ assignee: (none) -> " in out
    assert "~ state: OPEN -> ACKNOWLEDGED" in out
    assert f"rule email-owner at {path}:8" in out
    assert f"~ issue {OLD_ID}" in out and "~ state: IGNORED -> OPEN" in out
    # REGRESSED_ID is already assigned: if_unassigned keeps alice there.
    assert REGRESSED_ID not in out
    assert out.rstrip().endswith(
        "Plan: 3 changes on 2 issues (2 state, 1 assignee), 0 held, 0 conflicts."
    )


def test_plan_detailed_exitcode(tmp_path: Path, env: dict[str, str]) -> None:
    result = run(["plan", "--detailed-exitcode", str(write(tmp_path, OWNERSHIP))], env)
    assert result.exit_code == 2


def test_plan_json_and_out_file(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "plan.json"
    result = run(
        ["plan", "--format", "json", "--out", str(out), str(write(tmp_path, OWNERSHIP))], env
    )
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    saved = json.loads(out.read_text())
    assert printed == saved
    assert printed["format_version"] == 1
    assert printed["api_url"] == env["DD_API_URL"]
    assert printed["checksum"].startswith("sha256:")
    changes = {(c["issue_id"], c["field"]): c for c in printed["changes"]}
    assert changes[(OPEN_ID, "assignee")]["after"] == BOB
    assert changes[(OPEN_ID, "state")]["before"] == "OPEN"
    assert changes[(OLD_ID, "state")]["rule"] is None
    assert printed["summary"]["changes"] == len(printed["changes"])


def test_apply_then_plan_again_sends_no_write(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    path = write(tmp_path, OWNERSHIP)
    first = run(["apply", "--auto-approve", str(path)], env)
    assert first.exit_code == 0, first.stderr
    assert "Apply: " in first.stdout and "0 failed" in first.stdout
    writes = store.write_count()
    assert writes > 0
    issue = store.issue(OPEN_ID)
    assert issue is not None and issue.assignee_id == BOB and issue.state is State.ACKNOWLEDGED

    again = run(["plan", "--detailed-exitcode", str(path)], env)
    assert again.exit_code == 0, again.stdout + again.stderr
    assert again.stdout.strip().endswith("No changes.")
    second = run(["apply", "--auto-approve", str(path)], env)
    assert second.exit_code == 0
    assert store.write_count() == writes


def test_apply_refuses_without_a_terminal(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    result = run(["apply", str(write(tmp_path, OWNERSHIP))], env, stdin="yes\n")
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert store.write_count() == 0


@pytest.mark.parametrize(
    ("answer", "exit_code"),
    [pytest.param("yes\n", 0, id="yes"), pytest.param("y\n", 1, id="anything-else")],
)
def test_apply_asks_on_a_terminal(
    tmp_path: Path,
    env: dict[str, str],
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    exit_code: int,
) -> None:
    monkeypatch.setattr("reconciler.cli.apply.stdin_is_terminal", lambda: True)
    result = run(["apply", str(write(tmp_path, OWNERSHIP))], env, stdin=answer)
    assert result.exit_code == exit_code, result.stderr
    assert "Only 'yes' will be accepted" in result.stderr
    assert (store.write_count() > 0) is (exit_code == 0)


def test_saved_plan_is_refused_against_another_api(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    plan_file = save_plan(tmp_path, env)
    other = {**env, "DD_API_URL": "http://127.0.0.1:9"}
    result = run(["apply", "--plan", str(plan_file)], other)
    assert result.exit_code == 1
    assert "plan again against this API" in result.stderr
    assert store.write_count() == 0


def test_apply_refuses_past_max_changes_unless_forced(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    path = write(
        tmp_path, OWNERSHIP.replace("version: 1", "version: 1\ndefaults:\n  max_changes: 1")
    )
    refused = run(["apply", "--auto-approve", str(path)], env)
    assert refused.exit_code == 1
    assert "max_changes (1)" in refused.stderr
    assert store.write_count() == 0
    forced = run(["apply", "--auto-approve", "--force", str(path)], env)
    assert forced.exit_code == 0, forced.stderr
    assert store.write_count() > 0


def test_apply_saved_plan_and_stale_changes(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    plan_file = save_plan(tmp_path, env)
    # Someone changes the email issue's state in the UI between plan and apply.
    store.set_state(OPEN_ID, State.IGNORED)
    result = run(["apply", "--plan", str(plan_file), "--format", "json"], env)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    statuses = {(r["issue_id"], r["field"]): r["status"] for r in report["results"]}
    assert statuses[(OPEN_ID, "state")] == "stale"
    assert statuses[(OLD_ID, "state")] == "applied"
    assert report["summary"]["stale"] == 1


def test_show_renders_a_saved_plan(tmp_path: Path, env: dict[str, str]) -> None:
    plan_file = save_plan(tmp_path, env)
    text = run(["show", str(plan_file)])
    assert text.exit_code == 0
    assert "~ state: OPEN -> ACKNOWLEDGED" in text.stdout
    markdown = run(["show", "--format", "markdown", str(plan_file)])
    assert markdown.exit_code == 0 and "|" in markdown.stdout


def test_apply_log_file_has_one_line_per_result(tmp_path: Path, env: dict[str, str]) -> None:
    log = tmp_path / "apply.log"
    result = run(
        ["apply", "--auto-approve", "--log-file", str(log), str(write(tmp_path, OWNERSHIP))], env
    )
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines and all(
        line["status"] == "applied" and line["time"].endswith("Z") for line in lines
    )


def test_missing_pin_stops_the_plan_with_its_position(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, f"version: 1\nissues:\n  {UNKNOWN_ID}:\n    state: RESOLVED\n")
    result = run(["plan", str(path)], env)
    assert result.exit_code == 1
    assert UNKNOWN_ID in result.stderr and f"{path}:3" in result.stderr
    assert result.stdout == ""


def test_unknown_and_disabled_users_are_errors(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        rules:
          - name: a
            query: 'service:nothing-matches'
            assignee: nobody@example.com
          - name: b
            query: 'service:nothing-matches'
            assignee: dave@example.com
        """,
    )
    result = run(["plan", str(path)], env)
    assert result.exit_code == 1
    assert "nobody@example.com" in result.stderr and "dave@example.com" in result.stderr


def test_strict_turns_conflicts_into_errors(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(
        tmp_path,
        """
        version: 1
        rules:
          - name: first
            query: 'service:email-api-py'
            state: IGNORED
          - name: second
            query: 'service:email-*'
            state: RESOLVED
            grace: 1s
        """,
    )
    lenient = run(["plan", "--format", "json", str(path)], env)
    assert lenient.exit_code == 0, lenient.stderr
    conflicts = json.loads(lenient.stdout)["conflicts"]
    assert conflicts == [
        {"issue_id": OPEN_ID, "field": "state", "winner": "first", "losers": ["second"]}
    ]
    strict = run(["plan", "--strict", str(path)], env)
    assert strict.exit_code == 1
    assert "conflict" in strict.stderr


def test_target_limits_the_plan(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, OWNERSHIP)
    result = run(["plan", "--format", "json", "--target", OLD_ID, str(path)], env)
    assert result.exit_code == 0, result.stderr
    assert {c["issue_id"] for c in json.loads(result.stdout)["changes"]} == {OLD_ID}


def test_keys_never_leak(tmp_path: Path, env: dict[str, str], sandbox: RunningSandbox) -> None:
    plan_file, log = tmp_path / "plan.json", tmp_path / "apply.log"
    path = write(tmp_path, OWNERSHIP)
    outputs = [
        run(["plan", "--out", str(plan_file), str(path)], env),
        run(["apply", "--auto-approve", "--log-file", str(log), str(path)], env),
        # Wrong keys: the 403 message must name the variable, not its value.
        run(["plan", str(path)], {**env, "DD_API_KEY": API_KEY[::-1], "DD_APP_KEY": APP_KEY[::-1]}),
        run(["plan", "-vv", str(path)], env),
    ]
    assert outputs[2].exit_code == 1 and "DD_" in outputs[2].stderr
    everything = "".join(r.stdout + r.stderr for r in outputs)
    everything += plan_file.read_text() + log.read_text()
    for secret in (API_KEY, APP_KEY, API_KEY[::-1], APP_KEY[::-1]):
        assert secret not in everything


def test_missing_keys_are_reported(tmp_path: Path) -> None:
    result = run(["plan", str(write(tmp_path, OWNERSHIP))], {"DD_API_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1
    assert "DD_API_KEY" in result.stderr


def test_import_writes_a_config_that_plans_no_change(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "imported.yaml"
    args = ["import", "--query", "service:payments-*", "--persona", "ALL", "--out", str(out)]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    # OLD_ID was last seen 60 days ago: outside the default 30d window.
    assert REGRESSED_ID in text and OLD_ID not in text and RESOLVED_ID not in text
    assert run([*args, "--window", "90d"], env).exit_code == 0
    assert OLD_ID in out.read_text()
    again = run(["plan", "--detailed-exitcode", str(out)], env)
    assert again.exit_code == 0, again.stdout + again.stderr
    assert again.stdout.strip() == "No changes."


def test_usage_errors_exit_1() -> None:
    result = run(["plan", "--format", "yaml", "x.yaml"])
    assert result.exit_code == 1


def test_interrupt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(paths: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("reconciler.cli.validate.load_config", interrupted)
    assert run(["validate", str(write(tmp_path, OWNERSHIP))]).exit_code == 130


def test_module_entry_point_runs(tmp_path: Path) -> None:
    path = write(tmp_path, OWNERSHIP)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Configuration is valid" in proc.stdout


def test_demo_plans_applies_and_ends_with_no_changes() -> None:
    result = run(["demo"])
    assert result.exit_code == 0, result.stderr
    assert "$ reconciler apply --auto-approve examples/ownership.yaml" in result.stdout
    assert "Apply: 13 applied, 0 failed, 0 stale, 0 skipped." in result.stdout
    assert result.stdout.rstrip().endswith("No changes.")


def test_assigning_keeps_a_wanted_open_state_with_a_second_write(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    # The sandbox marks an OPEN issue ACKNOWLEDGED when it is assigned, as the real API.
    pin = f"version: 1\nissues:\n  {OPEN_ID}:\n    state: OPEN\n    assignee: {BOB}\n"
    path = write(tmp_path, pin)
    planned = json.loads(run(["plan", "--format", "json", str(path)], env).stdout)
    assert [(c["field"], c.get("keep_state")) for c in planned["changes"]] == [("assignee", "OPEN")]
    result = run(["apply", "--auto-approve", str(path)], env)
    assert result.exit_code == 0, result.stderr
    counts = store.request_counts()
    assert counts["PUT /api/v2/error-tracking/issues/{issue_id}/assignee"] == 1
    assert counts["PUT /api/v2/error-tracking/issues/{issue_id}/state"] == 1
    issue = store.issue(OPEN_ID)
    assert issue is not None and issue.state is State.OPEN and issue.assignee_id == BOB
    again = run(["apply", "--auto-approve", str(path)], env)
    assert again.exit_code == 0 and store.write_count() == 2
