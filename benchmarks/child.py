"""Child processes for the benchmarks: the sandbox in a process of its own, so its CPU
shares nothing with the measured side (the benchmark script runs itself with
`--serve` and its options), and the reaping that reads one child's own CPU and memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """The hidden options the child is started with (its `--serve` is the script's own)."""
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--now-ms", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)


@contextmanager
def serving(script: str, options: Sequence[str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`python SCRIPT --serve OPTIONS --port P` on a free port, once it printed `ready`:
    its URL and the process (stdin and stdout are pipes); killed on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, script, "--serve", *options, "--port", str(port)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("the sandbox did not start")
        yield f"http://127.0.0.1:{port}", child
    finally:
        child.kill()
        child.wait()


def reap(process: subprocess.Popen[Any]) -> resource.struct_rusage:
    """Wait for `process` and set its returncode. `os.wait4` reaps the child itself, so
    the usage is that process's alone, not the sandbox's or another run's."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage
