"""Time `reconciler validate` on a config of N pins, as `reconciler import` writes them.

    python benchmarks/validate_pins.py [--pins 10000 40000] [--runs 3]

For each size the file is generated with `reconciler.importer.pins_config` (the
exact text `import` writes for that many issues), `reconciler validate` runs in a
fresh subprocess `--runs` times, and the fastest wall time is printed together
with the time per pin and the ratio to the smallest size measured in the same run.
The process start-up (a `reconciler --version` run, fastest of as many) is shown
beside it, so a slow machine reads as a slow machine. Exits 1 when a run fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from reconciler.importer import pins_config
from reconciler.model import Issue, State

STATES = (State.OPEN, State.ACKNOWLEDGED, State.RESOLVED, State.IGNORED)


def issues(count: int) -> list[Issue]:
    """`count` distinct issues with a state, an assignee on half of them, and a summary."""
    made = []
    for index in range(count):
        made.append(
            Issue(
                id=str(uuid.UUID(int=index + 1)),
                state=STATES[index % len(STATES)],
                assignee_id=str(uuid.UUID(int=10**9 + index % 50)) if index % 2 else None,
                assignee_label=f"user{index % 50}@example.com" if index % 2 else None,
                service=f"service-{index % 40}",
                error_type="builtins.TypeError",
                error_message=f"object of type 'NoneType' has no len() #{index}",
            )
        )
    return made


def fastest(command: Sequence[str], runs: int) -> float:
    """The fastest wall time of `runs` runs of `command`; raises RuntimeError on a failure."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
        best = min(best, elapsed)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pins", type=int, nargs="+", default=[10_000, 40_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    reconciler = [sys.executable, "-m", "reconciler"]
    try:
        startup = fastest([*reconciler, "--version"], args.runs)
        print(f"start-up (reconciler --version): {startup:.2f} s, fastest of {args.runs}")
        print(f"{'pins':>8} {'file':>9} {'validate':>9} {'per pin':>9} {'vs first':>9}")
        first: float | None = None
        with tempfile.TemporaryDirectory() as tmp:
            for count in args.pins:
                path = Path(tmp) / f"pins-{count}.yaml"
                path.write_text(pins_config(issues(count)), encoding="utf-8")
                seconds = fastest([*reconciler, "validate", str(path)], args.runs)
                first = first or seconds
                size = f"{path.stat().st_size / 2**20:.1f} MiB"
                print(
                    f"{count:>8} {size:>9} {seconds:>8.2f}s {seconds / count * 1e6:>7.0f}us "
                    f"{seconds / first:>8.2f}x"
                )
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
