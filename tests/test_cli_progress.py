"""Progress on a terminal, and none off it: the display fed events by hand (a fake
terminal, a fake clock), then the CLI itself run under a pseudo-terminal against the
in-process sandbox, with Ctrl-C and SIGTERM mid-apply, beside piped and `--format json`
runs that must carry no status line."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sandbox_fixtures import NOW_MS, OPEN_ID, make_store

from reconciler.cli.progress import (
    ApplyProgress,
    StatusLine,
    TerminalProgress,
    interrupted_line,
    progress_display,
    wants_progress,
)
from reconciler.model import (
    Change,
    ChangeResult,
    Field,
    PinProgress,
    Progress,
    RateLimitWait,
    ResultStatus,
    RuleProgress,
    Source,
    State,
)
from reconciler.sandbox import Knobs, RunningSandbox, SandboxIssue, Store, serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"DD_API_KEY": "test-api-key", "DD_APP_KEY": "test-app-key"}
CLEAR = "\r\x1b[K"
STATUS_MARKS = ("\r", "\x1b[K", "searching:", "apply: ")
BULK = "5e1f0000-0000-4000-8000-"

# IGNORED with an assignee: two writes per issue.
BULK_CONFIG = """
version: 1
defaults:
  max_changes: 1000
users:
  alice: alice@example.com
rules:
  - name: bulk
    query: 'service:bulk-api'
    state: IGNORED
    assignee: alice
  - name: email
    query: 'service:email-api-py'
    state: ACKNOWLEDGED
"""


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def shown_lines(terminal: FakeTerminal) -> list[str]:
    """The lines a terminal keeps: each ends with a newline, after the last clear."""
    return [line.split(CLEAR)[-1] for line in terminal.getvalue().split("\n")[:-1]]


def status_now(terminal: FakeTerminal) -> str:
    """What the status line shows now: the text after the last clear and newline."""
    return terminal.getvalue().split(CLEAR)[-1].split("\n")[-1]


def _result(n: int, status: ResultStatus, current: str | None = None) -> ChangeResult:
    change = Change(f"{BULK}{n:012d}", Field.STATE, "OPEN", "IGNORED", Source("t", 1, 1))
    error = "HTTP 500" if status is ResultStatus.FAILED else None
    return ChangeResult(change, status, current=current, error=error)


# ---------------------------------------------------------------- the display


def test_observing_shows_each_rules_searches_and_issues_then_a_line_per_rule_done() -> None:
    terminal, clock = FakeTerminal(), Clock()
    display = TerminalProgress(terminal, clock, columns=200)
    display(RuleProgress("web", 0, 0))
    display(RuleProgress("payments", 0, 0))
    assert terminal.getvalue() == ""  # announced rules draw nothing yet
    display(RuleProgress("web", 1, 0))
    assert status_now(terminal) == (
        "searching: 1 search, 0 issues listed, 0 of 2 rules done; web: 1 search, 0 issues"
    )
    clock.now += 1
    display(RuleProgress("web", 12, 1_140))
    assert status_now(terminal).endswith("; web: 12 searches, 1,140 issues")
    display(RuleProgress("web", 13, 1_201, done=True))
    assert shown_lines(terminal) == ["rule web: 1,201 issues in 13 searches"]
    assert status_now(terminal) == "searching: 13 searches, 1,201 issues listed, 1 of 2 rules done"
    display(RuleProgress("payments", 1, 1, done=True))
    assert shown_lines(terminal)[-1] == "rule payments: 1 issue in 1 search"
    assert "2 of 2 rules done" in status_now(terminal)


def test_deciding_follows_observing_on_the_status_line() -> None:
    terminal = FakeTerminal()
    display = TerminalProgress(terminal, Clock(), columns=200)
    display(RuleProgress("web", 3, 251, done=True))
    display(Progress("plan", 0, 251))
    assert status_now(terminal) == "planning: deciding 251 issues observed"


def test_a_failed_rule_gets_no_line_of_its_own() -> None:
    terminal = FakeTerminal()
    display = TerminalProgress(terminal, Clock(), columns=200)
    display(RuleProgress("broken", 3, 200, done=True, failed=True))
    assert shown_lines(terminal) == []


def test_pinned_issues_fetched_are_counted() -> None:
    terminal, clock = FakeTerminal(), Clock()
    display = TerminalProgress(terminal, clock, columns=200)
    display(PinProgress(1, 5_000))
    clock.now += 1
    display(PinProgress(1_200, 5_000))
    assert status_now(terminal) == "fetching pinned issues: 1,200/5,000"


def test_a_rate_limit_wait_shows_until_it_is_over() -> None:
    terminal, clock = FakeTerminal(), Clock()
    display = TerminalProgress(terminal, clock, columns=200)
    display(RuleProgress("web", 1, 100))
    display(RateLimitWait(4.2))  # drawn at once, however recent the last redraw
    assert status_now(terminal).endswith("; waiting 4s for the rate limit")
    clock.now += 5
    display(RuleProgress("web", 2, 150))
    assert "waiting" not in status_now(terminal)


def test_a_refresh_counts_a_wait_down_and_never_brings_back_a_removed_line() -> None:
    terminal, clock = FakeTerminal(), Clock()
    display = TerminalProgress(terminal, clock, columns=200)
    display.refresh()
    assert terminal.getvalue() == ""  # nothing shown yet: nothing to redraw
    display(RuleProgress("web", 1, 100))
    display(RateLimitWait(10.0))
    clock.now += 4
    display.refresh()
    assert status_now(terminal).endswith("; waiting 6s for the rate limit")
    display.clear()
    shown = terminal.getvalue()
    display.refresh()
    assert terminal.getvalue() == shown
    on_result = display.applying(2)
    display.refresh()
    assert terminal.getvalue() == shown  # the apply line appears with its first result
    clock.now += 1
    on_result(_result(1, ResultStatus.APPLIED))
    clock.now += 1
    display.refresh()
    assert (
        status_now(terminal)
        == "apply: 1/2 changes, 0.5/s, about 2s left; waiting 4s for the rate limit"
    )


def test_the_line_is_redrawn_on_a_timer_until_the_display_ends() -> None:
    terminal = FakeTerminal()
    with TerminalProgress(terminal, columns=200, tick=0.001) as display:
        display(RuleProgress("web", 1, 100))
        deadline = time.monotonic() + 30
        while terminal.getvalue().count(CLEAR) < 3 and time.monotonic() < deadline:
            time.sleep(0.001)
        assert terminal.getvalue().count(CLEAR) >= 3
    ended = terminal.getvalue()
    time.sleep(0.01)
    assert terminal.getvalue() == ended and ended.endswith(CLEAR)


def test_no_display_on_a_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    with progress_display("text", FakeTerminal()) as display:
        assert display is None


def test_apply_counts_on_one_line_with_rate_eta_and_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    terminal, clock = FakeTerminal(), Clock()
    display = TerminalProgress(terminal, clock, columns=200)
    on_result = display.applying(4)
    clock.now += 1
    on_result(_result(1, ResultStatus.APPLIED))
    assert status_now(terminal) == "apply: 1/4 changes, 1.0/s, about 3s left"
    display(RateLimitWait(2.0))
    assert status_now(terminal) == (
        "apply: 1/4 changes, 1.0/s, about 3s left; waiting 2s for the rate limit"
    )
    display(Progress("apply", 1, 4))  # the engine's own count changes nothing shown
    clock.now += 3
    on_result(_result(2, ResultStatus.FAILED))
    on_result(_result(3, ResultStatus.SKIPPED))
    clock.now += 1
    on_result(_result(4, ResultStatus.APPLIED))
    assert shown_lines(terminal) == [
        f"failed     {BULK}000000000002 state: OPEN -> IGNORED: HTTP 500"
    ]
    assert status_now(terminal) == "apply: 3/4 changes, 0.6/s, about 2s left"


def test_progress_on_a_terminal_is_one_updating_line_plus_failed_and_stale() -> None:
    terminal = FakeTerminal()
    assert wants_progress(terminal, "text")
    assert not wants_progress(terminal, "json")
    clock = iter(float(t) for t in range(100))
    status = StatusLine(terminal, clock=lambda: next(clock))
    progress = ApplyProgress(status, 3, clock=lambda: next(clock))
    progress(_result(1, ResultStatus.APPLIED))
    progress(_result(2, ResultStatus.STALE, current="RESOLVED"))
    progress(_result(3, ResultStatus.APPLIED))
    status.close()
    shown = terminal.getvalue()
    own_lines = [line.split("\x1b[K")[-1] for line in shown.split("\n")[:-1]]
    assert own_lines == [
        "stale      5e1f0000-0000-4000-8000-000000000002 state: OPEN -> IGNORED (now RESOLVED)"
    ]
    assert "\rapply: 1/3 changes" in shown.replace("\x1b[K", "")
    assert "apply: 3/3 changes" in shown
    assert "left" in shown  # an ETA while changes remain
    assert shown.endswith("\r\x1b[K")  # the status line is cleared at the end


def test_the_interrupted_line_says_what_was_sent_and_what_to_run() -> None:
    assert interrupted_line(3, 37, "reconciler apply --plan p.json") == (
        "Interrupted: 3 writes sent, 37 changes not attempted. Run `reconciler apply "
        "--plan p.json` to finish: it sends only what is still needed."
    )


def test_failed_and_stale_lines_are_coloured_unless_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = FakeTerminal()
    TerminalProgress(terminal, Clock(), columns=200).applying(2)(_result(1, ResultStatus.FAILED))
    assert shown_lines(terminal)[0].startswith("\x1b[31mfailed")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = FakeTerminal()
    TerminalProgress(terminal, Clock(), columns=200).applying(2)(_result(1, ResultStatus.STALE))
    assert shown_lines(terminal)[0].startswith("stale ")


def test_a_rule_still_searching_shows_the_searches_to_go() -> None:
    terminal = FakeTerminal()
    display = TerminalProgress(terminal, Clock(), columns=200)
    display(RuleProgress("web", 12, 1_140, pending=9))
    assert status_now(terminal).endswith("; web: 12 searches (9 to go), 1,140 issues")


def test_the_status_line_is_cut_to_the_terminal_width() -> None:
    terminal = FakeTerminal()  # no file descriptor, so no size: 80 columns
    display = TerminalProgress(terminal, Clock())
    display(RuleProgress("a-rule-with-a-name-long-enough-to-overflow-the-line", 7, 700))
    assert len(status_now(terminal)) == 79  # the last column would wrap on some terminals


def test_log_records_print_above_the_status_line_and_the_line_is_removed_at_the_end() -> None:
    terminal = FakeTerminal()
    handler = logging.StreamHandler(terminal)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with TerminalProgress(terminal, Clock(), columns=200) as display:
            display(RuleProgress("web", 1, 10))
            logging.getLogger("reconciler.test").warning("a warning mid-run")
            assert shown_lines(terminal) == ["a warning mid-run"]
            assert status_now(terminal).startswith("searching: 1 search")
        assert handler.stream is terminal
    finally:
        root.removeHandler(handler)
    assert terminal.getvalue().endswith(CLEAR)


@pytest.mark.parametrize(
    ("stream", "fmt"),
    [(io.StringIO(), "text"), (FakeTerminal(), "json"), (FakeTerminal(), "markdown")],
    ids=["piped", "json-on-a-terminal", "markdown-on-a-terminal"],
)
def test_no_display_when_piped_or_not_text(stream: io.StringIO, fmt: str) -> None:
    with progress_display(fmt, stream) as display:
        assert display is None


# ---------------------------------------------------------------- under a pseudo-terminal


@dataclass(frozen=True)
class Run:
    code: int
    terminal: str  # everything the terminal received, newlines as "\n"
    stdout: str  # when stdout was a pipe


def bulk_store(count: int) -> Store:
    """The fixture org plus `count` open issues of bulk-api, one every 20 minutes."""
    base = make_store()
    issues = [
        SandboxIssue(
            id=f"{BULK}{n:012d}",
            service="bulk-api",
            error_type="TimeoutError",
            error_message=f"timeout {n}",
            first_seen=NOW_MS - 2 * 3_600_000 - n * 1_200_000,
            last_seen=NOW_MS - 2 * 3_600_000 - n * 1_200_000,
        )
        for n in range(count)
    ]
    return Store(base.users(), base.teams(), [*base.issues(), *issues])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "triage.yaml"
    path.write_text(textwrap.dedent(BULK_CONFIG).lstrip(), encoding="utf-8")
    return path


def on_terminal(
    args: list[str],
    sandbox: RunningSandbox,
    *,
    stdout_too: bool = True,
    meanwhile: Callable[[subprocess.Popen[bytes]], None] | None = None,
    answer: tuple[str, str] | None = None,
) -> Run:
    """`reconciler ARGS...` with stderr (and stdout, unless `stdout_too` is False) on a
    pseudo-terminal 200 columns wide; `meanwhile` runs while it does. With `answer`
    (prompt, reply), stdin is the terminal too, and the reply is typed once the prompt
    shows."""
    env = {**os.environ, **KEYS, "DD_API_URL": sandbox.url, "PYTHONPATH": str(ROOT)}
    env.update(NO_COLOR="1", TERM="xterm")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            stdin=slave if answer is not None else subprocess.DEVNULL,
            stdout=slave if stdout_too else subprocess.PIPE,
            stderr=slave,
            env=env,
            cwd=ROOT,
        )
    finally:
        os.close(slave)
    received: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(master, received))
    reader.start()
    try:
        if meanwhile is not None:
            meanwhile(process)
        if answer is not None:
            prompt, reply = answer
            deadline = time.monotonic() + 60
            while prompt.encode() not in b"".join(received) and time.monotonic() < deadline:
                time.sleep(0.01)
            os.write(master, reply.encode() + b"\n")
        stdout = process.stdout.read() if process.stdout is not None else b""
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=60)
        os.close(master)
        if process.stdout is not None:
            process.stdout.close()
    shown = b"".join(received).decode("utf-8", "replace").replace("\r\n", "\n")
    return Run(code, shown, stdout.decode("utf-8"))


def _read_all(master: int, received: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every copy of the terminal's other end is closed
            return
        if not chunk:
            return
        received.append(chunk)


def piped(args: list[str], sandbox: RunningSandbox) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **KEYS, "DD_API_URL": sandbox.url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def bulk() -> Iterator[tuple[Store, RunningSandbox]]:
    store = bulk_store(250)  # more than one search's worth: the rule's search is split
    with serve_in_thread(store, Knobs()) as running:
        yield store, running


def test_plan_on_a_terminal_shows_rule_progress_on_stderr_and_a_clean_plan_on_stdout(
    bulk: tuple[Store, RunningSandbox], config: Path
) -> None:
    _, sandbox = bulk
    run = on_terminal(["plan", str(config)], sandbox, stdout_too=False)
    assert run.code == 0, run.terminal
    assert f"{CLEAR}searching: " in run.terminal
    lines = [line.split(CLEAR)[-1] for line in run.terminal.split("\n")]
    bulk_line = next(line for line in lines if line.startswith("rule bulk: "))
    assert bulk_line.startswith("rule bulk: 250 issues in ")
    assert int(bulk_line.split(" in ")[1].split()[0]) > 1  # the search was split
    assert "rule email: 1 issue in 1 search" in lines
    assert run.terminal.endswith(CLEAR)  # the status line is gone before the plan shows
    assert "Plan: 501 changes on 251 issues" in run.stdout
    assert not any(mark in run.stdout for mark in STATUS_MARKS)
    assert run.stdout == piped(["plan", str(config)], sandbox).stdout


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["plan", "--format", "json"],
        ["apply", "--auto-approve", "--format", "json"],
        ["report", "--format", "json"],
        ["explain", OPEN_ID, "--format", "json"],
    ],
    ids=["plan-piped", "plan-json", "apply-json", "report-json", "explain-json"],
)
def test_piped_or_json_runs_carry_no_status_line(
    bulk: tuple[Store, RunningSandbox], config: Path, args: list[str]
) -> None:
    _, sandbox = bulk
    if args == ["plan"]:
        result = piped([*args, str(config)], sandbox)
        assert result.returncode == 0, result.stderr
        assert not any(mark in result.stderr for mark in STATUS_MARKS)
        assert "rule bulk: " not in result.stderr
        return
    # With --format json the terminal gets no status line: at most a text plan on stderr.
    run = on_terminal([*args, str(config)], sandbox, stdout_too=False)
    assert run.code == 0, run.terminal
    assert not any(mark in run.terminal for mark in STATUS_MARKS)
    assert "rule bulk: " not in run.terminal


@pytest.mark.parametrize("command", ["plan-base", "report", "import", "explain"])
def test_other_observing_commands_show_progress_on_a_terminal(
    bulk: tuple[Store, RunningSandbox], config: Path, command: str
) -> None:
    _, sandbox = bulk
    args = {
        "plan-base": ["plan", str(config), "--base", str(config)],
        "report": ["report", str(config)],
        "import": ["import", "--query", "service:bulk-api", "--track", "trace"],
        "explain": ["explain", OPEN_ID, str(config)],
    }[command]
    run = on_terminal(args, sandbox, stdout_too=False)
    assert run.code == 0, run.terminal
    assert f"{CLEAR}searching: " in run.terminal
    lines = [line.split(CLEAR)[-1] for line in run.terminal.split("\n")]
    expected = {
        "plan-base": "rule bulk: 250 issues in ",  # one search for both configs
        "report": "rule (scope): 253 issues in ",  # the fixture org's recent issues too
        "import": "rule import: 250 issues in ",
        "explain": "rule bulk: 250 issues in ",
    }[command]
    assert any(line.startswith(expected) for line in lines), lines
    assert run.terminal.endswith(CLEAR)


def test_apply_on_a_terminal_is_one_updating_line_and_the_summary(
    bulk: tuple[Store, RunningSandbox], config: Path
) -> None:
    store, sandbox = bulk
    run = on_terminal(["apply", "--auto-approve", str(config)], sandbox)
    assert run.code == 0, run.terminal
    before_plan, after_plan = run.terminal.split("Plan: 501 changes on 251 issues")
    assert f"{CLEAR}searching: " in before_plan  # the plan phase shows its progress too
    assert f"{CLEAR}rule bulk: 250 issues in " in before_plan
    assert f"{CLEAR}apply: " in after_plan
    assert "apply: 501/501 changes" in after_plan
    # No change gets a line of its own: only the summary follows the status line.
    assert [line.split(CLEAR)[-1] for line in after_plan.split("\n")[1:]] == [
        "Apply: 501 applied, 0 failed, 0 stale, 0 skipped.",
        "",
    ]
    assert store.write_count() == 501


def test_a_stale_change_gets_its_own_line_on_a_terminal(
    bulk: tuple[Store, RunningSandbox], config: Path, tmp_path: Path
) -> None:
    store, sandbox = bulk
    plan_file = tmp_path / "plan.json"
    assert piped(["plan", str(config), "--out", str(plan_file)], sandbox).returncode == 0
    store.set_state(OPEN_ID, State.RESOLVED)  # moved since the plan: stale
    run = on_terminal(["apply", "--plan", str(plan_file)], sandbox)
    assert run.code == 1, run.terminal
    lines = [line.split(CLEAR)[-1] for line in run.terminal.split("\n")]
    own = [line for line in lines if line.startswith(("stale", "applied", "failed"))]
    assert own == [f"stale      {OPEN_ID} state: OPEN -> ACKNOWLEDGED (now RESOLVED)"]
    assert "Apply: 500 applied, 0 failed, 1 stale, 0 skipped." in lines
    assert lines[-2].startswith("Error: not every change is in effect: 1 stale")


def test_a_rate_limit_wait_shows_on_the_apply_line(config: Path) -> None:
    store = bulk_store(12)
    with serve_in_thread(store, Knobs(rate_limit=10, rate_period=1.0)) as sandbox:
        run = on_terminal(["apply", "--auto-approve", str(config)], sandbox)
    assert run.code == 0, run.terminal
    assert "; waiting " in run.terminal and " for the rate limit" in run.terminal
    assert "Apply: 25 applied, 0 failed, 0 stale, 0 skipped." in run.terminal


def test_the_confirmation_prompt_is_left_alone_by_the_status_line(config: Path) -> None:
    with serve_in_thread(bulk_store(10), Knobs()) as sandbox:
        prompt = "Apply these 21 changes? Only 'yes' will be accepted: "
        run = on_terminal(["apply", str(config)], sandbox, answer=(prompt, "yes"))
    assert run.code == 0, run.terminal
    # The plan, the prompt and the typed answer (echoed), with nothing drawn between.
    assert f"conflicts.\n{prompt}yes\n{CLEAR}apply: " in run.terminal
    assert run.terminal.endswith("Apply: 21 applied, 0 failed, 0 stale, 0 skipped.\n")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_apply_on_a_terminal_ends_with_one_line(
    config: Path, signum: signal.Signals
) -> None:
    store = bulk_store(40)

    def interrupt(process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while store.write_count() < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signum)

    with serve_in_thread(store, Knobs(latency_ms=150)) as sandbox:
        args = ["apply", "--auto-approve", "--parallelism", "2", str(config)]
        run = on_terminal(args, sandbox, meanwhile=interrupt)
        sent = store.write_count()
    assert run.code == 130, run.terminal
    after_plan = run.terminal.split("Plan: 81 changes on 41 issues")[1]
    lines = [line.split(CLEAR)[-1] for line in after_plan.split("\n")[1:]]
    assert lines[-1] == ""
    (line,) = lines[:-1]
    assert line.startswith(f"Interrupted: {sent} writes sent, ")
    assert line.endswith(
        f"Run `reconciler apply {config}` to finish: it sends only what is still needed."
    )
    assert "skipped" not in after_plan and "Traceback" not in run.terminal


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_plan_on_a_terminal_stops_searching_and_ends_with_one_line(
    config: Path, signum: signal.Signals
) -> None:
    store = bulk_store(3000)  # many searches, each answered slowly
    at_signal: list[int] = []

    def interrupt(process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while store.request_count("POST") < 12 and time.monotonic() < deadline:
            time.sleep(0.02)
        at_signal.append(store.request_count())
        process.send_signal(signum)

    with serve_in_thread(store, Knobs(latency_ms=100)) as sandbox:
        run = on_terminal(["plan", str(config)], sandbox, meanwhile=interrupt)
        after = store.request_count() - at_signal[0]
    assert run.code == 130, run.terminal
    assert run.terminal.endswith("Interrupted.\n") and "Traceback" not in run.terminal
    # The status line was removed first: nothing of it is left on the last line.
    assert run.terminal.split("\n")[-2].split(CLEAR)[-1] == "Interrupted."
    assert after <= 8  # at most those in flight (--parallelism 4), none of those queued
