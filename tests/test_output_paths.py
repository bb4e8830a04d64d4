"""`--out` and `--log-file`: a path that cannot be written is one `Error:` line before any
request, `-` is stdout (and refused as a log), and a plan or imported config is written
whole or not at all."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_process import run_reconciler
from click.testing import CliRunner, Result
from sandbox_fixtures import OPEN_ID, make_store

from reconciler.cli import cli
from reconciler.planfile import load_plan
from reconciler.sandbox import Knobs, RunningSandbox, Store, serve_in_thread

KEYS = {"DD_API_KEY": "test-api-key", "DD_APP_KEY": "test-app-key"}

CONFIG = """
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


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "triage.yaml"
    path.write_text(textwrap.dedent(CONFIG).lstrip(), encoding="utf-8")
    return path


def run(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(cli, args, env=env)


def last_line(result: Result) -> str:
    return result.stderr.rstrip().splitlines()[-1]


def assert_clean_error(result: Result, option: str, path: Path | str, reason: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    line = last_line(result)
    assert line.startswith(f"Error: cannot write {option} {path}: "), line
    assert reason in line


def plan_args(config: Path, path: str) -> list[str]:
    return ["plan", "--out", path, str(config)]


def apply_args(config: Path, path: str) -> list[str]:
    return ["apply", "--auto-approve", "--log-file", path, str(config)]


def import_args(_config: Path, path: str) -> list[str]:
    return ["import", "--query", "service:*", "--persona", "ALL", "--out", path]


Args = Callable[[Path, str], list[str]]
COMMANDS: list[tuple[str, Args]] = [
    ("--out", plan_args),
    ("--log-file", apply_args),
    ("--out", import_args),
]
COMMAND_IDS = ["plan", "apply", "import"]


# ---------------------------------------------------------------- refused before any request


@pytest.mark.parametrize(("option", "args"), COMMANDS, ids=COMMAND_IDS)
def test_a_missing_directory_is_an_error_line_before_any_request(
    tmp_path: Path, env: dict[str, str], store: Store, config: Path, option: str, args: Args
) -> None:
    target = tmp_path / "missing" / "out.file"
    result = run(args(config, str(target)), env)
    assert_clean_error(result, option, target, f"directory {target.parent} does not exist")
    assert f"mkdir -p {target.parent}" in last_line(result)
    assert store.request_count() == 0
    assert not target.parent.exists()


@pytest.mark.parametrize(("option", "args"), COMMANDS, ids=COMMAND_IDS)
def test_a_directory_given_as_the_file_is_an_error_line_before_any_request(
    tmp_path: Path, env: dict[str, str], store: Store, config: Path, option: str, args: Args
) -> None:
    result = run(args(config, str(tmp_path)), env)
    assert_clean_error(result, option, tmp_path, "it is a directory; name a file")
    assert store.request_count() == 0


@pytest.mark.parametrize(("option", "args"), COMMANDS, ids=COMMAND_IDS)
def test_a_file_in_place_of_the_directory_is_an_error_line_before_any_request(
    tmp_path: Path, env: dict[str, str], store: Store, config: Path, option: str, args: Args
) -> None:
    target = config / "out.file"
    result = run(args(config, str(target)), env)
    assert_clean_error(result, option, target, f"{config} is not a directory")
    assert store.request_count() == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
@pytest.mark.parametrize(("option", "args"), COMMANDS, ids=COMMAND_IDS)
def test_an_unwritable_directory_is_an_error_line_before_any_request(
    tmp_path: Path, env: dict[str, str], store: Store, config: Path, option: str, args: Args
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = run(args(config, str(locked / "out.file")), env)
    finally:
        locked.chmod(stat.S_IRWXU)
    assert_clean_error(result, option, locked / "out.file", "is not writable")
    assert store.request_count() == 0


def test_a_log_file_of_dash_is_refused_before_any_request(
    tmp_path: Path, env: dict[str, str], store: Store, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(apply_args(config, "-"), env)
    assert_clean_error(result, "--log-file", "-", "a log must be a file")
    assert "--format json" in last_line(result)
    assert store.request_count() == 0
    assert not (tmp_path / "-").exists()


# ---------------------------------------------------------------- `-` is stdout


def test_plan_out_dash_writes_the_json_plan_alone_on_stdout(
    tmp_path: Path, env: dict[str, str], config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(["plan", "--out", "-", str(config)], env)
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [(c["issue_id"], c["field"]) for c in plan["changes"]] == [
        (OPEN_ID, "assignee"),
        (OPEN_ID, "state"),
    ]
    # The text plan still reaches the reader, on stderr.
    assert "Plan: 2 changes on 1 issue" in result.stderr
    assert not (tmp_path / "-").exists()


def test_plan_out_of_a_dash_in_a_directory_is_a_file(
    tmp_path: Path, env: dict[str, str], config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(["plan", "--out", "./-", str(config)], env)
    assert result.exit_code == 0, result.stderr
    assert load_plan(tmp_path / "-").changes
    assert "Plan: 2 changes on 1 issue" in result.stdout


def test_import_out_dash_writes_the_config_on_stdout(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(import_args(tmp_path, "-"), env)
    assert result.exit_code == 0, result.stderr
    assert "version: 1" in result.stdout and OPEN_ID in result.stdout
    assert not (tmp_path / "-").exists()


def test_sandbox_generate_out_dash_writes_the_data_on_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["sandbox", "generate", "--issues", "3", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["issues"]) == 3
    assert not (tmp_path / "-").exists()


# ---------------------------------------------------------------- whole or not at all


def test_a_plan_that_cannot_be_renamed_into_place_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, env: dict[str, str], config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "plans" / "plan.json"
    out.parent.mkdir()
    out.write_text("the previous plan", encoding="utf-8")

    def refuse(_src: object, _dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    result = run(["plan", "--out", str(out), str(config)], env)
    assert_clean_error(result, "--out", out, "Permission denied")
    assert out.read_text(encoding="utf-8") == "the previous plan"
    assert sorted(p.name for p in out.parent.iterdir()) == ["plan.json"]


def test_an_import_that_cannot_create_its_file_is_an_error_line(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "imported.yaml"

    def refuse(*_args: object, **_kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    result = run(import_args(tmp_path, str(out)), env)
    assert_clean_error(result, "--out", out, "Permission denied")
    assert list(tmp_path.iterdir()) == []


def test_a_plan_file_replaced_keeps_its_permissions(
    tmp_path: Path, env: dict[str, str], config: Path
) -> None:
    out = tmp_path / "plan.json"
    out.write_text("{}", encoding="utf-8")
    out.chmod(0o640)
    result = run(["plan", "--out", str(out), str(config)], env)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert load_plan(out).changes


def test_a_new_plan_file_gets_the_umask_permissions_not_a_temporary_files(
    tmp_path: Path, env: dict[str, str], config: Path
) -> None:
    out = tmp_path / "plan.json"
    previous = os.umask(0o022)
    try:
        result = run(["plan", "--out", str(out), str(config)], env)
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_a_stream_given_as_out_is_written_through(env: dict[str, str], config: Path) -> None:
    result = run(["plan", "--out", os.devnull, str(config)], env)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_sandbox_generate_that_cannot_rename_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_src: object, _dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    out = tmp_path / "org.json"
    result = CliRunner().invoke(cli, ["sandbox", "generate", "--issues", "1", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}: ") and "Permission denied" in result.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- streams that block or fill up


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize(("option", "args"), COMMANDS, ids=COMMAND_IDS)
def test_a_named_pipe_nobody_reads_is_an_error_line_not_a_hang(
    tmp_path: Path, env: dict[str, str], store: Store, config: Path, option: str, args: Args
) -> None:
    fifo = tmp_path / "pipe.out"
    os.mkfifo(fifo)
    # An open waiting for a reader would block: run_reconciler times out instead.
    done = run_reconciler(args(config, str(fifo)), env)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.rstrip().splitlines()[-1] == (
        f"Error: cannot write {option} {fifo}: it is a named pipe that no process is reading; "
        "start the reader first"
    )
    assert store.write_count() == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_log_that_fills_up_stops_no_write_and_ends_with_an_error_line(
    env: dict[str, str], store: Store, config: Path
) -> None:
    result = run(
        ["apply", "--auto-approve", "--format", "json", "--log-file", "/dev/full", str(config)], env
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # Every change was applied and reported on stdout though none reached the log.
    statuses = [r["status"] for r in json.loads(result.stdout)["results"]]
    assert statuses == ["applied", "applied"]
    issue = store.issue(OPEN_ID)
    assert issue is not None and issue.state.value == "IGNORED"
    assert last_line(result) == (
        "Error: cannot write --log-file /dev/full: No space left on device; 2 of 2 results "
        "are missing from it (all are printed above)"
    )
