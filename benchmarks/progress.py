"""What progress on a terminal costs, and how fast an interrupted plan stops.

    python benchmarks/progress.py [--issues 50000] [--latency-ms 40] [--writes 2000] [--runs 3]

1. **Interrupt**: `reconciler plan` of one rule over `--issues` issues spread over 20
   days, against the in-process sandbox at `--latency-ms` per request, run once to
   the end (the baseline: wall time and requests), then `--runs` times with SIGINT
   sent once a quarter of its searches were received: seconds from the signal to the
   exit, and the requests received after it, beside the whole plan's.
2. **Display**: `reconciler apply --auto-approve` of `--writes` writes (no latency),
   with stderr on a pseudo-terminal (the status line drawn) and piped (nothing
   drawn), alternately, `--runs` times each: the fastest wall time and the least
   CPU (user + system of the CLI process) of each, their ratios, and the requests
   of one run. The fastest, as in `startup.py`: other load on the machine only
   ever adds to a run.

Every CLI run is a fresh `python -m reconciler` process, from the repository root.
Progress goes to stderr, the table to stdout; exit 1 when a run ends otherwise than
it must (exit 0, or 130 when interrupted).
"""

from __future__ import annotations

import argparse
import os
import pty
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from reconciler.model import State
from reconciler.sandbox import Knobs, SandboxIssue, SandboxUser, Store, serve_in_thread

from child import reap

ROOT = Path(__file__).resolve().parent.parent
ALICE = "7c0b5b9e-3f1a-4e8e-9a51-2d4f6c1e8a01"
CONFIG = """
version: 1
defaults:
  max_changes: 1000000
users:
  alice: alice@example.com
rules:
  - name: bulk
    query: 'service:bulk-api'
    state: IGNORED
    assignee: alice
"""


def org(count: int) -> Store:
    """`count` open issues of one service, each seen once, spread over the last 20 days."""
    now = int(time.time() * 1000)
    step = 20 * 86_400_000 // max(count, 1)
    issues = [
        SandboxIssue(
            id=f"5e1f0000-0000-4000-8000-{n:012d}",
            service="bulk-api",
            error_type="TimeoutError",
            error_message=f"timeout {n}",
            first_seen=now - 7_200_000 - n * step,
            last_seen=now - 7_200_000 - n * step,
            state=State.OPEN,
        )
        for n in range(count)
    ]
    users = [SandboxUser(ALICE, "alice@example.com", "alice@example.com", "Alice")]
    return Store(users, [], issues)


@dataclass(frozen=True)
class Running:
    """A CLI process, and the terminal's end its stderr is read from (None: a pipe)."""

    process: subprocess.Popen[bytes]
    master: int | None


def cli(args: list[str], url: str, *, terminal: bool) -> Running:
    """`reconciler ARGS...` with stdout discarded and stderr on a pseudo-terminal (read
    and discarded by `drain`) or a pipe."""
    env = {**os.environ, "DD_API_KEY": "bench-api-key", "DD_APP_KEY": "bench-app-key"}
    env.update(DD_API_URL=url, PYTHONPATH=str(ROOT), NO_COLOR="1", TERM="xterm")
    command = [sys.executable, "-m", "reconciler", *args]
    if not terminal:
        piped = subprocess.Popen(
            command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        return Running(piped, None)
    master, slave = pty.openpty()
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    return Running(process, master)


@dataclass(frozen=True)
class Ended:
    """How a CLI process ended: its exit code and the CPU seconds (user + system) it used."""

    code: int
    cpu_s: float


def drain(running: Running) -> Ended:
    """Read the process's terminal (or pipe) to the end, then reap it."""
    process, master = running.process, running.master
    if master is None:
        assert process.stderr is not None
        process.stderr.read()
        process.stderr.close()
    else:
        while True:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:  # EIO: the child's end is closed
                break
        os.close(master)
    usage = reap(process)
    code = 128 - process.returncode if process.returncode < 0 else process.returncode
    return Ended(code, usage.ru_utime + usage.ru_stime)


def interrupt_rows(issues: int, latency_ms: float, runs: int, config: Path) -> list[str]:
    print(f"interrupt: {issues:,} issues, {latency_ms:g} ms a request", file=sys.stderr)
    store = org(issues)
    rows = []
    with serve_in_thread(store, Knobs(latency_ms=latency_ms)) as sandbox:
        started = time.monotonic()
        ended = drain(cli(["plan", str(config)], sandbox.url, terminal=True))
        whole_s = time.monotonic() - started
        whole_requests = store.request_count()
        _check(ended.code, 0, "the uninterrupted plan")
        # Interrupted a quarter of the way through its searches.
        threshold = max(1, store.request_count("POST") // 4)
        rows.append(f"{'plan to the end':<34} {whole_s:>8.2f} {whole_requests:>9} {'1.00':>8}")
        for run in range(runs):
            store.reset_counts()
            running = cli(["plan", str(config)], sandbox.url, terminal=True)
            while store.request_count("POST") < threshold:
                time.sleep(0.005)
            at_signal = store.request_count()
            signalled = time.monotonic()
            running.process.send_signal(signal.SIGINT)
            ended = drain(running)
            after_s = time.monotonic() - signalled
            after = store.request_count() - at_signal
            _check(ended.code, 130, "the interrupted plan")
            label = f"Ctrl-C: signal to exit (run {run + 1})"
            rows.append(f"{label:<34} {after_s:>8.2f} {after:>9} {after_s / whole_s:>8.3f}")
    return rows


def display_rows(writes: int, runs: int, config: Path) -> list[str]:
    print(f"display: apply of {writes:,} writes, terminal and piped", file=sys.stderr)
    times: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    requests = 0
    for _ in range(runs):
        for terminal in (False, True):
            store = org(writes // 2)
            with serve_in_thread(store, Knobs()) as sandbox:
                args = ["apply", "--auto-approve", str(config)]
                started = time.monotonic()
                ended = drain(cli(args, sandbox.url, terminal=terminal))
                times[terminal].append(time.monotonic() - started)
                cpu[terminal].append(ended.cpu_s)
                _check(ended.code, 0, "apply")
                requests = store.request_count()
    rows = []
    for label, measured in (("wall", times), ("CPU", cpu)):
        piped, shown = min(measured[False]), min(measured[True])
        rows.append(
            f"{'apply ' + label + ', stderr piped':<34} {piped:>8.2f} {requests:>9} {1.0:>8.2f}"
        )
        rows.append(
            f"{'apply ' + label + ', stderr on a terminal':<34} {shown:>8.2f} {requests:>9} "
            f"{shown / piped:>8.2f}"
        )
    return rows


def _check(code: int, wanted: int, what: str) -> None:
    if code != wanted:
        print(f"FAILED: {what} exited {code}, not {wanted}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "triage.yaml"
        config.write_text(textwrap.dedent(CONFIG).lstrip(), encoding="utf-8")
        rows = interrupt_rows(options.issues, options.latency_ms, options.runs, config)
        rows += display_rows(options.writes, options.runs, config)
    print(f"{'run':<34} {'s':>8} {'requests':>9} {'ratio':>8}")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
