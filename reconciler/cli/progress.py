"""Progress on a terminal: one updating status line on stderr, other lines above it.

Only used when stderr is a terminal and the format is text (CONTRACT 5); piped or
with `--format json` nothing here is created. `TerminalProgress` is the engine's
progress hook: while observing, each rule's searches and the issues they listed,
one line per rule once it is complete, and the pinned issues fetched; while
applying, done/total, rate and ETA, failed and stale changes on lines of their own;
in both, any rate-limit wait. Hand-written with `\\r` and a clear to end of line, so
start-up pays for no library.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TextIO

from reconciler.model import (
    ChangeResult,
    PinProgress,
    ProgressEvent,
    RateLimitWait,
    ResultStatus,
    RuleProgress,
)
from reconciler.render import render_results_text

_CLEAR = "\r\x1b[K"
_REDRAW_SECONDS = 0.1  # at most ten redraws a second: a terminal is slower than the API
_DEFAULT_COLUMNS = 80


def wants_progress(stream: TextIO, fmt: str) -> bool:
    """Progress only on a terminal, and only with text output."""
    isatty = getattr(stream, "isatty", None)
    return fmt == "text" and callable(isatty) and bool(isatty())


def _columns(stream: TextIO) -> int:
    """The terminal's width; a line as wide wraps, and `\\r` would then clear only its end."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or _DEFAULT_COLUMNS
    except (AttributeError, OSError, ValueError):
        return _DEFAULT_COLUMNS


class StatusLine:
    """The one line that keeps being rewritten, cut to the terminal's width (`columns`, or
    as the terminal says at each redraw); thread-safe."""

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        columns: int | None = None,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._columns = columns
        self._lock = threading.Lock()
        self._text = ""
        self._drawn_at = float("-inf")

    def update(self, text: str, *, force: bool = False) -> None:
        """Show `text` as the status; redraws are throttled unless `force`."""
        with self._lock:
            self._text = self._fit(text)
            now = self._clock()
            if force or now - self._drawn_at >= _REDRAW_SECONDS:
                self._drawn_at = now
                self._stream.write(_CLEAR + self._text)
                self._stream.flush()

    def print(self, line: str, *, then: str | None = None) -> None:
        """A line of its own, printed above the status line (showing `then` when given)."""
        with self._lock:
            if then is not None:
                self._text = self._fit(then)
                self._drawn_at = self._clock()
            self._stream.write(_CLEAR + line + "\n" + self._text)
            self._stream.flush()

    def _fit(self, text: str) -> str:
        columns = self._columns if self._columns is not None else _columns(self._stream)
        return text[: max(columns - 1, 1)]

    def close(self) -> None:
        """Remove the status line (until the next update)."""
        with self._lock:
            if self._text:
                self._stream.write(_CLEAR)
                self._stream.flush()
            self._text = ""


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
    ) -> None:
        self._status = status
        self._total = total
        self._users = users or {}
        self._clock = clock
        self._note = note
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

    def redraw(self) -> None:
        """Show the count again now (a rate-limit wait began)."""
        with self._lock:
            self._status.update(self.describe(self._done), force=True)

    def describe(self, done: int) -> str:
        """`apply: 120/400 changes, 38.2/s, about 7s left`, then any note."""
        elapsed = max(self._clock() - self._started, 1e-6)
        rate = done / elapsed
        text = f"apply: {done}/{self._total} changes, {rate:.1f}/s"
        if done < self._total and rate > 0:
            text += f", about {_seconds(max((self._total - done) / rate, 1.0))} left"
        return text + self._note()


class TerminalProgress:
    """The engine's progress hook on a terminal (see the module docstring); thread-safe.

    A context manager: within it, log records meant for the same stream are printed
    above the status line instead of through it, and on exit the line is removed.
    """

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        columns: int | None = None,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self.status = StatusLine(stream, clock, columns)
        self._lock = threading.Lock()
        self._rules: dict[str, RuleProgress] = {}
        self._latest: str | None = None  # the rule heard from last, while it is searching
        self._pins: PinProgress | None = None
        self._wait_until = float("-inf")
        self._apply: ApplyProgress | None = None
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> TerminalProgress:
        above = _LinesAbove(self.status)
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is self._stream:
                self._handlers.append((handler, handler.setStream(above)))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for handler, stream in self._handlers:
            handler.setStream(stream)
        self._handlers.clear()
        self.status.close()

    def __call__(self, event: ProgressEvent) -> None:
        if isinstance(event, RateLimitWait):
            with self._lock:
                self._wait_until = max(self._wait_until, self._clock() + event.seconds)
                applying = self._apply
                if applying is None:
                    self.status.update(self._observing(), force=True)
            if applying is not None:
                applying.redraw()
            return
        with self._lock:
            if isinstance(event, PinProgress):
                self._pins = event
                self.status.update(self._observing())
            elif isinstance(event, RuleProgress):
                self._rules[event.rule] = event
                if event.done:
                    self._latest = None if self._latest == event.rule else self._latest
                    if not event.failed:
                        self.status.print(_rule_line(event), then=self._observing())
                elif event.searches:  # a rule is announced with 0 before its first search
                    self._latest = event.rule
                    self.status.update(self._observing())
            # Changes applied (`Progress`) are counted by `applying`, with their statuses.

    def applying(self, total: int, users: Mapping[str, str] | None = None) -> ApplyProgress:
        """The results callback for an apply of `total` changes, on this status line."""
        progress = ApplyProgress(
            self.status, total, users=users, clock=self._clock, note=self._wait_note
        )
        with self._lock:
            self._apply = progress
        return progress

    def clear(self) -> None:
        """Remove the status line, before something else is written to the terminal."""
        self.status.close()

    def _observing(self) -> str:
        """The status while observing; the lock is held."""
        if self._pins is not None:
            text = f"fetching pinned issues: {self._pins.done:,}/{self._pins.total:,}"
        else:
            rules = self._rules.values()
            searches = sum(rule.searches for rule in rules)
            issues = sum(rule.issues for rule in rules)
            done = sum(1 for rule in rules if rule.done)
            text = (
                f"searching: {_count(searches, 'search', 'searches')}, "
                f"{_count(issues, 'issue')} listed, {done} of {len(self._rules)} rules done"
            )
            latest = self._rules.get(self._latest) if self._latest else None
            if latest is not None:
                text += (
                    f"; {latest.rule}: {_count(latest.searches, 'search', 'searches')}, "
                    f"{_count(latest.issues, 'issue')}"
                )
        return text + self._wait_note()

    def _wait_note(self) -> str:
        left = self._wait_until - self._clock()
        return f"; waiting {_seconds(max(left, 1.0))} for the rate limit" if left > 0 else ""


class _LinesAbove:
    """A stream for a logging handler: each complete line is printed above the status."""

    def __init__(self, status: StatusLine) -> None:
        self._status = status
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._status.print(line)
        return len(text)

    def flush(self) -> None:
        """Lines are printed as they complete."""


@contextmanager
def progress_display(fmt: str, stream: TextIO | None = None) -> Iterator[TerminalProgress | None]:
    """A TerminalProgress on stderr (or `stream`) when it is a terminal and `fmt` is text,
    else None; its status line is removed on the way out, whatever ends the block."""
    shown = sys.stderr if stream is None else stream
    if not wants_progress(shown, fmt):
        yield None
        return
    with TerminalProgress(shown) as display:
        yield display


def interrupted_line(writes_sent: int, not_attempted: int, rerun: str) -> str:
    """The one line an interrupted apply ends with."""
    writes = "1 write" if writes_sent == 1 else f"{writes_sent} writes"
    return (
        f"Interrupted: {writes} sent, {not_attempted} changes not attempted. "
        f"Run `{rerun}` to finish: it sends only what is still needed."
    )


def _rule_line(event: RuleProgress) -> str:
    """`rule web: 2,900 issues in 31 searches`, once a rule's selection is complete."""
    searches = _count(event.searches, "search", "searches")
    return f"rule {event.rule}: {_count(event.issues, 'issue')} in {searches}"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


def _seconds(value: float) -> str:
    whole = int(value + 0.5)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"
