"""The status line itself: one line of a terminal rewritten in place, with lines printed
above it (log records among them). Hand-written with `\\r` and an erase to the end of
the line, so start-up pays for no library."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TextIO

CLEAR = "\r\x1b[K"
_REDRAW_SECONDS = 0.1  # at most ten redraws a second: a terminal is slower than the API
_DEFAULT_COLUMNS = 80


def wants_progress(stream: TextIO, fmt: str) -> bool:
    """Progress only on a terminal that can erase a line (not TERM=dumb), and only with
    text output."""
    isatty = getattr(stream, "isatty", None)
    dumb = os.environ.get("TERM") == "dumb"
    return fmt == "text" and not dumb and callable(isatty) and bool(isatty())


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

    def update(self, text: str, *, force: bool = False, if_shown: bool = False) -> None:
        """Show `text` as the status; redraws are throttled unless `force`. With `if_shown`,
        only while a status is shown (a timed redraw must not bring back a removed line)."""
        with self._lock:
            if if_shown and not self._text:
                return
            self._text = self._fit(text)
            now = self._clock()
            if force or now - self._drawn_at >= _REDRAW_SECONDS:
                self._drawn_at = now
                self._stream.write(CLEAR + self._text)
                self._stream.flush()

    def print(self, line: str, *, then: str | None = None) -> None:
        """A line of its own, printed above the status line (showing `then` when given)."""
        with self._lock:
            if then is not None:
                self._text = self._fit(then)
                self._drawn_at = self._clock()
            self._stream.write(CLEAR + line + "\n" + self._text)
            self._stream.flush()

    def _fit(self, text: str) -> str:
        columns = self._columns if self._columns is not None else _columns(self._stream)
        return text[: max(columns - 1, 1)]

    def close(self) -> None:
        """Remove the status line (until the next update)."""
        with self._lock:
            if self._text:
                self._stream.write(CLEAR)
                self._stream.flush()
            self._text = ""


class LinesAbove:
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
