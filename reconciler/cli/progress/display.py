"""The engine's progress hook on a terminal: observing and applying on one status line."""

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

from reconciler.cli.progress.apply import ApplyProgress, seconds
from reconciler.cli.progress.line import LinesAbove, StatusLine, wants_progress
from reconciler.model import PinProgress, ProgressEvent, RateLimitWait, RuleProgress

_TICK_SECONDS = 1.0  # with no event, the line is still redrawn this often


class TerminalProgress:
    """The engine's progress hook on a terminal (see the package docstring); thread-safe.

    A context manager: within it, log records meant for the same stream are printed
    above the status line instead of through it, the line is redrawn every `tick`
    seconds when given (so a rate, an ETA and a wait keep moving while no answer
    comes), and on exit it is removed.
    """

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        columns: int | None = None,
        tick: float | None = None,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._tick = tick
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None
        self.status = StatusLine(stream, clock, columns)
        self._lock = threading.Lock()
        self._rules: dict[str, RuleProgress] = {}
        self._latest: str | None = None  # the rule heard from last, while it is searching
        self._pins: PinProgress | None = None
        self._deciding: int | None = None  # the issues observed, once deciding begins
        self._wait_until = float("-inf")
        self._apply: ApplyProgress | None = None
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> TerminalProgress:
        above = LinesAbove(self.status)
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is self._stream:
                self._handlers.append((handler, handler.setStream(above)))
        if self._tick is not None:
            self._ticker = threading.Thread(
                target=self._ticking, args=(self._tick,), name="progress", daemon=True
            )
            self._ticker.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        for handler, stream in self._handlers:
            handler.setStream(stream)
        self._handlers.clear()
        self.status.close()

    def _ticking(self, seconds: float) -> None:
        while not self._stopped.wait(seconds):
            self.refresh()

    def refresh(self) -> None:
        """Redraw what is shown, as of now; nothing when no status is shown."""
        with self._lock:
            applying = self._apply
            if applying is None:
                self.status.update(self._observing(), force=True, if_shown=True)
        if applying is not None:
            applying.redraw(if_shown=True)

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
            elif event.stage == "plan":
                self._deciding = event.total
                self.status.update(self._observing(), force=True)
            # Changes applied are counted by `applying`, with their statuses.

    def applying(self, total: int, users: Mapping[str, str] | None = None) -> ApplyProgress:
        """The results callback for an apply of `total` changes, on this status line."""
        progress = ApplyProgress(
            self.status,
            total,
            users=users,
            clock=self._clock,
            note=self._wait_note,
            color="NO_COLOR" not in os.environ,
        )
        with self._lock:
            self._apply = progress
        return progress

    def clear(self) -> None:
        """Remove the status line, before something else is written to the terminal."""
        self.status.close()

    def _observing(self) -> str:
        """The status while observing, then deciding; the lock is held."""
        if self._deciding is not None:
            text = f"planning: deciding {_count(self._deciding, 'issue')} observed"
        elif self._pins is not None:
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
                    f"; {latest.rule}: {_count(latest.searches, 'search', 'searches')}"
                    f"{f' ({latest.pending:,} to go)' if latest.pending else ''}, "
                    f"{_count(latest.issues, 'issue')}"
                )
        return text + self._wait_note()

    def _wait_note(self) -> str:
        left = self._wait_until - self._clock()
        return f"; waiting {seconds(max(left, 1.0))} for the rate limit" if left > 0 else ""


@contextmanager
def progress_display(fmt: str, stream: TextIO | None = None) -> Iterator[TerminalProgress | None]:
    """A TerminalProgress on stderr (or `stream`) when it is a terminal and `fmt` is text,
    else None; its status line is removed on the way out, whatever ends the block."""
    shown = sys.stderr if stream is None else stream
    if not wants_progress(shown, fmt):
        yield None
        return
    with TerminalProgress(shown, tick=_TICK_SECONDS) as display:
        yield display


def _rule_line(event: RuleProgress) -> str:
    """`rule web: 2,900 issues in 31 searches`, once a rule's selection is complete."""
    searches = _count(event.searches, "search", "searches")
    return f"rule {event.rule}: {_count(event.issues, 'issue')} in {searches}"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"
