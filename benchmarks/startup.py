"""Time the start-up of `reconciler --help` and `reconciler validate examples/`.

    python benchmarks/startup.py [--runs 5]

The package's bytecode is compiled first (`compileall`), as an install leaves it, so
the figures are not a first run's. Each command runs as a fresh subprocess
(`python -m reconciler ...`, from the repository root) `--runs` times, and the fastest
wall time is printed beside two baselines measured in the same run: the interpreter
alone (`python -c pass`) and the interpreter with click (`python -c "import click"`),
the floor of any click command. The targets are printed beside them; a slow machine
reads as a slow machine in every row. The CPU time (user + system) of the same
fastest run, read with `os.wait4`, is shown too: on a busy machine it moves less
than the wall time. Exits 1 when a command fails.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from child import reap

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    """One command to time, and the wall time it should stay under (None for a baseline)."""

    label: str
    args: tuple[str, ...]
    target_s: float | None = None


BASELINES = (
    Case("python -c pass", ("-c", "pass")),
    Case('python -c "import click"', ("-c", "import click")),
)
# `-m` rather than the console script, so no install is needed; it adds only runpy's import.
SCRIPT = ("-m", "reconciler")
COMMANDS = (
    Case("reconciler --help", (*SCRIPT, "--help"), 0.15),
    Case("reconciler validate examples/", (*SCRIPT, "validate", "examples/"), 0.2),
)


@dataclass(frozen=True)
class Timing:
    """The fastest run's wall time and the CPU time (user + system) that run took."""

    wall_s: float
    cpu_s: float


def fastest(args: Sequence[str], runs: int) -> Timing:
    """The fastest of `runs` runs of `python ARGS`; raises RuntimeError on a failure."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best = Timing(float("inf"), float("inf"))
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        usage = reap(child)
        elapsed = time.perf_counter() - start
        if child.returncode != 0:
            raise RuntimeError(f"python {' '.join(args)} exited {child.returncode}")
        if elapsed < best.wall_s:
            best = Timing(elapsed, usage.ru_utime + usage.ru_stime)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (5)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    compileall.compile_dir(ROOT / "reconciler", quiet=1)
    try:
        bare, click = (fastest(case.args, args.runs) for case in BASELINES)
        rows = [(case, fastest(case.args, args.runs)) for case in COMMANDS]
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Start-up, fastest of {args.runs} runs, bytecode compiled ({sys.executable}):\n")
    print(f"{'command':<32} {'wall s':>7} {'vs python':>10} {'vs click':>9} {'cpu s':>6}  target")
    for case, timing in ((BASELINES[0], bare), (BASELINES[1], click), *rows):
        wall = timing.wall_s
        if case.target_s is None:
            verdict = ""
        else:
            met = "met" if wall < case.target_s else "MISSED"
            verdict = f"< {case.target_s:.2f} s: {met}"
        print(
            f"{case.label:<32} {wall:>7.3f} {wall / bare.wall_s:>9.1f}x "
            f"{wall / click.wall_s:>8.1f}x {timing.cpu_s:>6.3f}  {verdict}".rstrip()
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
