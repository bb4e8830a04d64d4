"""`python -m reconciler ...` in a child process, for tests of what could block."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_reconciler(
    args: Sequence[str], env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI run on this tree's package with `args`, output captured.

    A child process with a timeout, so that a regression (an open blocked on a FIFO, a
    read of /dev/zero without end) fails the test instead of hanging the suite. `env`
    is added to this process's environment.
    """
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)},
        check=False,
    )
