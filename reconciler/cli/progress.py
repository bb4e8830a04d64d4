"""Progress on a terminal: one updating status line on stderr, other lines above it.

Only used when stderr is a terminal and the format is text (CONTRACT 5); piped or
with `--format json` nothing here is created. Hand-written with `\\r` and a clear
to end of line, so start-up pays for no library.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from reconciler.model import ChangeResult, ResultStatus
from reconciler.render import render_results_text

_CLEAR = "\r\x1b[K"
_REDRAW_SECONDS = 0.1  # at most ten redraws a second: a terminal is slower than the API


def wants_progress(stream: TextIO, fmt: str) -> bool:
    """Progress only on a terminal, and only with text output."""
    isatty = getattr(stream, "isatty", None)
    return fmt == "text" and callable(isatty) and bool(isatty())


class StatusLine:
    """The one line that keeps being rewritten; thread-safe."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()
        self._text = ""
        self._drawn_at = float("-inf")

    def update(self, text: str, *, force: bool = False) -> None:
        """Show `text` as the status; redraws are throttled unless `force`."""
        with self._lock:
            self._text = text
            now = self._clock()
            if force or now - self._drawn_at >= _REDRAW_SECONDS:
                self._drawn_at = now
                self._stream.write(_CLEAR + text)
                self._stream.flush()

    def print(self, line: str) -> None:
        """A line of its own, printed above the status line."""
        with self._lock:
            self._stream.write(_CLEAR + line + "\n" + self._text)
            self._stream.flush()

    def close(self) -> None:
        """Remove the status line."""
        with self._lock:
            if self._text:
                self._stream.write(_CLEAR)
                self._stream.flush()
            self._text = ""


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
    ) -> None:
        self._status = status
        self._total = total
        self._users = users or {}
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._done = 0

    def __call__(self, result: ChangeResult) -> None:
        if result.status in (ResultStatus.FAILED, ResultStatus.STALE):
            # The results' own line, without the summary the full render closes with.
            text = render_results_text([result], users=self._users)
            self._status.print(text.splitlines()[0])
        if result.status is ResultStatus.SKIPPED:
            return
        with self._lock:
            self._done += 1
            done = self._done
        self._status.update(self.describe(done), force=done == self._total)

    def describe(self, done: int) -> str:
        """`apply: 120/400 changes, 38.2/s, about 7s left`."""
        elapsed = max(self._clock() - self._started, 1e-6)
        rate = done / elapsed
        text = f"apply: {done}/{self._total} changes, {rate:.1f}/s"
        if done < self._total and rate > 0:
            text += f", about {_seconds((self._total - done) / rate)} left"
        return text


def interrupted_line(writes_sent: int, not_attempted: int, rerun: str) -> str:
    """The one line an interrupted apply ends with on a terminal."""
    writes = "1 write" if writes_sent == 1 else f"{writes_sent} writes"
    return (
        f"Interrupted: {writes} sent, {not_attempted} changes not attempted. "
        f"Run `{rerun}` to finish: it sends only what is still needed."
    )


def _seconds(value: float) -> str:
    whole = int(value + 0.5)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"
