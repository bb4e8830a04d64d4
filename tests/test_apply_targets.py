"""`apply --target` and `apply --strict` end to end over real HTTP, and the warning a
`--target` that keeps nothing gives in `plan` and `apply`."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sandbox_fixtures import OPEN_ID, REGRESSED_ID, UNKNOWN_ID, make_store

from reconciler.cli import cli
from reconciler.cli.apply import _rerun_command
from reconciler.model import State
from reconciler.sandbox import Knobs, RunningSandbox, Store, serve_in_thread

KEYS = {"DD_API_KEY": "test-api-key", "DD_APP_KEY": "test-app-key"}

# Two rules, one issue each: `email` ignores the email issue, `payments` acknowledges the
# payments one. `idle` selects nothing.
TWO_RULES = """
version: 1
rules:
  - name: email
    query: 'service:email-api-py'
    state: IGNORED
  - name: payments
    query: 'service:payments-api'
    state: ACKNOWLEDGED
  - name: idle
    query: 'service:no-such-service'
    state: IGNORED
"""

# `email-wide` also matches the email issue and names another state: a conflict.
CONFLICTING = (
    TWO_RULES
    + """
  - name: email-wide
    query: 'service:email-*'
    state: ACKNOWLEDGED
"""
)

UNMATCHED_ID = (
    f"--target '{UNKNOWN_ID}' matches no pin and no issue a rule selected; "
    "nothing is targeted by it"
)
UNMATCHED_RULE = "--target 'idle' names a rule that matched no issue; nothing is targeted by it"


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


def config_file(tmp_path: Path, text: str = TWO_RULES) -> str:
    path = tmp_path / "triage.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return str(path)


def state_of(store: Store, issue_id: str) -> State:
    issue = store.issue(issue_id)
    assert issue is not None
    return issue.state


def last_line(result: Result) -> str:
    return result.stderr.rstrip().splitlines()[-1]


# ---------------------------------------------------------------- apply --target


def test_apply_target_rule_writes_only_that_rules_changes_and_a_full_apply_the_rest(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    path = config_file(tmp_path)
    targeted = run(["apply", "--auto-approve", "--target", "payments", path], env)
    assert targeted.exit_code == 0, targeted.stderr
    assert state_of(store, REGRESSED_ID) is State.ACKNOWLEDGED
    assert state_of(store, OPEN_ID) is State.OPEN
    assert store.write_count() == 1
    assert OPEN_ID not in targeted.stdout

    rest = run(["apply", "--auto-approve", "--format", "json", path], env)
    assert rest.exit_code == 0, rest.stderr
    results = json.loads(rest.stdout)["results"]
    assert [(r["issue_id"], r["rule"], r["status"]) for r in results] == [
        (OPEN_ID, "email", "applied")
    ]
    assert state_of(store, OPEN_ID) is State.IGNORED
    assert store.write_count() == 2

    again = run(["plan", "--detailed-exitcode", path], env)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.rstrip() == "No changes."


def test_apply_target_issue_id_writes_only_that_issue(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    result = run(["apply", "--auto-approve", "--target", OPEN_ID, config_file(tmp_path)], env)
    assert result.exit_code == 0, result.stderr
    assert state_of(store, OPEN_ID) is State.IGNORED
    assert state_of(store, REGRESSED_ID) is State.OPEN
    assert store.write_count() == 1


def test_apply_target_that_is_no_rule_or_uuid_is_refused_before_any_request(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    result = run(["apply", "--auto-approve", "--target", "paymnts", config_file(tmp_path)], env)
    assert result.exit_code == 1
    assert last_line(result).startswith("Error: unknown --target 'paymnts'")
    assert "did you mean 'payments'?" in result.stderr
    assert store.request_count() == 0


def test_apply_target_with_a_saved_plan_is_a_usage_error_and_sends_nothing(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    plan_file = tmp_path / "plan.json"
    saved = run(["plan", "--out", str(plan_file), config_file(tmp_path)], env)
    assert saved.exit_code == 0, saved.stderr
    store.reset_counts()
    result = run(["apply", "--plan", str(plan_file), "--target", "payments"], env)
    assert result.exit_code == 1
    assert last_line(result).startswith(
        "Error: --target cannot be combined with --plan: a saved plan is applied whole"
    )
    assert store.request_count() == 0


def test_the_rerun_an_interrupted_targeted_apply_suggests_keeps_its_targets() -> None:
    command = _rerun_command((Path("triage dir"),), ("payments", OPEN_ID))
    assert command == f"reconciler apply 'triage dir' --target payments --target {OPEN_ID}"


# ---------------------------------------------------------------- apply --strict


def test_apply_strict_with_a_conflict_exits_1_and_writes_nothing(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    result = run(["apply", "--auto-approve", "--strict", config_file(tmp_path, CONFLICTING)], env)
    assert result.exit_code == 1
    assert "email wins over email-wide" in result.stdout
    assert last_line(result).startswith("Error: 1 conflict(s) between rules and --strict is set")
    assert store.write_count() == 0
    assert state_of(store, OPEN_ID) is State.OPEN
    assert state_of(store, REGRESSED_ID) is State.OPEN


def test_apply_without_strict_applies_the_winner_of_a_conflict(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    result = run(["apply", "--auto-approve", config_file(tmp_path, CONFLICTING)], env)
    assert result.exit_code == 0, result.stderr
    assert state_of(store, OPEN_ID) is State.IGNORED


def test_apply_strict_targeted_away_from_the_conflict_applies(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    path = config_file(tmp_path, CONFLICTING)
    result = run(["apply", "--auto-approve", "--strict", "--target", "payments", path], env)
    assert result.exit_code == 0, result.stderr
    assert state_of(store, REGRESSED_ID) is State.ACKNOWLEDGED
    assert state_of(store, OPEN_ID) is State.OPEN


def test_apply_strict_refuses_a_saved_plan_that_carries_conflicts(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    plan_file = tmp_path / "plan.json"
    saved = run(["plan", "--out", str(plan_file), config_file(tmp_path, CONFLICTING)], env)
    assert saved.exit_code == 0, saved.stderr
    result = run(["apply", "--plan", str(plan_file), "--strict"], env)
    assert result.exit_code == 1
    assert last_line(result).startswith("Error: 1 conflict(s) between rules and --strict is set")
    assert store.write_count() == 0


# ---------------------------------------------------------------- a target that keeps nothing


def test_plan_target_id_that_matches_nothing_warns_and_exits_0_with_detailed_exitcode(
    tmp_path: Path, env: dict[str, str]
) -> None:
    args = ["plan", "--detailed-exitcode", "--target", UNKNOWN_ID, config_file(tmp_path)]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip() == "No changes."
    assert f"Warning: {UNMATCHED_ID}" in result.stderr.splitlines()


def test_plan_target_rule_that_matched_no_issue_warns(tmp_path: Path, env: dict[str, str]) -> None:
    result = run(["plan", "--detailed-exitcode", "--target", "idle", config_file(tmp_path)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip() == "No changes."
    assert f"Warning: {UNMATCHED_RULE}" in result.stderr.splitlines()


def test_plan_unmatched_target_beside_one_with_changes_warns_and_exits_2(
    tmp_path: Path, env: dict[str, str]
) -> None:
    args = ["plan", "--detailed-exitcode", "--target", UNKNOWN_ID, "--target", "email"]
    result = run([*args, config_file(tmp_path)], env)
    assert result.exit_code == 2, result.stderr
    assert f"Warning: {UNMATCHED_ID}" in result.stderr.splitlines()
    assert OPEN_ID in result.stdout and REGRESSED_ID not in result.stdout


def test_plan_targets_that_match_give_no_warning(tmp_path: Path, env: dict[str, str]) -> None:
    args = ["plan", "--target", "email", "--target", REGRESSED_ID, config_file(tmp_path)]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    assert "Warning:" not in result.stderr


@pytest.mark.parametrize("fmt", ["json", "markdown"], ids=["json", "markdown"])
def test_plan_unmatched_target_warning_is_in_the_plans_warnings(
    tmp_path: Path, env: dict[str, str], fmt: str
) -> None:
    out = tmp_path / "plan.json"
    args = ["plan", "--format", fmt, "--out", str(out), "--target", UNKNOWN_ID]
    result = run([*args, config_file(tmp_path)], env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["warnings"] == [UNMATCHED_ID]
    if fmt == "json":
        assert json.loads(result.stdout)["warnings"] == [UNMATCHED_ID]
    else:
        assert result.stdout.startswith("No changes.")
        assert "matches no pin and no issue a rule selected" in result.stdout


def test_apply_target_that_matches_nothing_warns_exits_0_and_writes_nothing(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    args = ["apply", "--auto-approve", "--target", UNKNOWN_ID, "--target", "idle"]
    result = run([*args, config_file(tmp_path)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip() == "No changes."
    lines = result.stderr.splitlines()
    assert f"Warning: {UNMATCHED_ID}" in lines and f"Warning: {UNMATCHED_RULE}" in lines
    assert store.write_count() == 0


def test_apply_json_keeps_the_unmatched_target_warning_off_stdout(
    tmp_path: Path, env: dict[str, str], store: Store
) -> None:
    args = ["apply", "--auto-approve", "--format", "json", "--target", UNKNOWN_ID]
    result = run([*args, "--target", "email", config_file(tmp_path)], env)
    assert result.exit_code == 0, result.stderr
    assert f"Warning: {UNMATCHED_ID}" in result.stderr.splitlines()
    report = json.loads(result.stdout)
    assert [(r["issue_id"], r["status"]) for r in report["results"]] == [(OPEN_ID, "applied")]
    assert store.write_count() == 1
