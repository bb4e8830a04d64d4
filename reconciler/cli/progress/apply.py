"""The apply phase on the status line: done/total, rate and ETA, failed and stale
changes on lines of their own, and the line an interrupted apply ends with."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from reconciler.cli.progress.line import StatusLine
from reconciler.model import ChangeResult, ResultStatus
from reconciler.render import render_results_text


def _no_note() -> str:
    return ""


class ApplyProgress:
    """Counts results as they finish: done/total, rate and ETA on the status line;
    failed and stale changes also get a line of their own. Thread-safe."""

    def __init__(
        self,
        status: StatusLine,
        total: int,
        *,
        users: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        note: Callable[[], str] = _no_note,
        color: bool = False,
    ) -> None:
        self._status = status
        self._total = total
        self._users = users or {}
        self._clock = clock
        self._note = note
        self._color = color
        self._started = clock()
        self._lock = threading.Lock()
        self._done = 0

    def __call__(self, result: ChangeResult) -> None:
        if result.status in (ResultStatus.FAILED, ResultStatus.STALE):
            # The results' own line, without the summary the full render closes with.
            text = render_results_text([result], users=self._users, color=self._color)
            self._status.print(text.splitlines()[0])
        if result.status is ResultStatus.SKIPPED:
            return
        with self._lock:
            self._done += 1
            done = self._done
            self._status.update(self.describe(done), force=done == self._total)

    def redraw(self, *, if_shown: bool = False) -> None:
        """Show the count again now (a rate-limit wait began, or time passed)."""
        with self._lock:
            self._status.update(self.describe(self._done), force=True, if_shown=if_shown)

    def describe(self, done: int) -> str:
        """`apply: 120/400 changes, 38.2/s, about 7s left`, then any note."""
        elapsed = max(self._clock() - self._started, 1e-6)
        rate = done / elapsed
        text = f"apply: {done}/{self._total} changes, {rate:.1f}/s"
        if done < self._total and rate > 0:
            text += f", about {seconds(max((self._total - done) / rate, 1.0))} left"
        return text + self._note()


def interrupted_line(writes_sent: int, not_attempted: int, rerun: str) -> str:
    """The one line an interrupted apply ends with."""
    writes = "1 write" if writes_sent == 1 else f"{writes_sent} writes"
    return (
        f"Interrupted: {writes} sent, {not_attempted} changes not attempted. "
        f"Run `{rerun}` to finish: it sends only what is still needed."
    )


def seconds(value: float) -> str:
    whole = int(value + 0.5)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"
