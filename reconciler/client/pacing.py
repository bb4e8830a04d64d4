"""Retry backoff and rate-limit pacing shared by every thread using one client."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

logger = logging.getLogger(__package__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently 429, 5xx and transport errors are retried."""

    max_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff after the `attempt`-th (1-based) failure."""
        return float(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


# The longest the client waits on one rate-limit header. A reset of 1e9 or inf seconds
# is a broken proxy, not a plan: a 429 asking for more is reported at once, and a longer
# window on a success is no pacing hint (holding every request for the cap would make a
# run of N requests take N / parallelism minutes).
MAX_WAIT = 60.0
_MAX_HEADER_CHARS = 64


def header_number(value: str | None) -> float | None:
    """A non-negative number from a header (inf allowed), None when absent, negative,
    NaN or not a number."""
    if value is None or len(value) > _MAX_HEADER_CHARS:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) or number < 0 else number


class Ticket(NamedTuple):
    """A started request: the window it started in, its place in that window, and when."""

    epoch: int
    sequence: int
    started_at: float


def calendar_end(sent_at: float, answered_at: float, reset: float, period: float) -> float | None:
    """The end of the API's window as a multiple of `period` (its windows are
    calendar-aligned, api-notes section 5), or None when no multiple fits the answer.

    The API rounds the reset up to whole seconds at the moment it counted the request,
    somewhere between sending and answering, so the window ends within
    `(sent_at + reset - 1, answered_at + reset]`: `answered_at + reset` alone is up to a
    second late, a second lost in every window of a one-second limit. Of the multiples
    in that interval the latest is taken: while the two clocks agree, never earlier
    than the API's end. A period under a second is not taken (a reset in whole
    seconds cannot place it, and `1e-320` would overflow the division).
    """
    if not 1 <= period <= MAX_WAIT:
        return None
    latest = math.floor((answered_at + reset) / period) * period
    return latest if latest > sent_at + reset - 1 else None


class RateLimiter:
    """Client-side pacing from the API's X-RateLimit-* headers, shared by every thread.

    The API says how many requests are left in its window; the limiter lets the
    client start only that many (less the ones already in flight) and then holds
    every thread until the reset, so parallel workers do not storm into 429s.
    `on_wait`, when given, hears how long a thread is about to wait (for a display).

    The window's end is taken on the calendar while the API's clock agrees with ours;
    a 429 ends that trust (a skewed clock would start each window early), and the
    end is then the reset as the answers give it.
    """

    def __init__(
        self,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        on_wait: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] | None = None,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._on_wait = on_wait
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._window_end = 0.0
        self._left: float | None = None  # requests this client may still start in the window
        self._in_flight = 0
        self._epoch = 0  # windows this client has seen end
        self._started = 0  # requests started since the last one ended
        self._calendar = wall_clock is not None  # whether window ends follow the calendar

    def wait(self) -> Ticket:
        """Block until a request may start, then count it as in flight; returns its
        ticket, to pass to `release`."""
        while True:
            with self._lock:
                now = self._clock()
                if now >= self._window_end and self._left is not None:
                    self._left = None
                    self._epoch += 1
                    self._started = 0
                delay = self._paused_until - now
                if delay <= 0:
                    if self._left is None or self._left > 0:
                        if self._left is not None:
                            self._left -= 1
                        self._in_flight += 1
                        self._started += 1
                        return Ticket(self._epoch, self._started, now)
                    delay = self._window_end - now
            logger.debug("rate limit reached; waiting %.1fs", delay)
            if self._on_wait is not None:
                self._on_wait(delay)
            self._sleep(delay)

    def release(
        self, headers: Mapping[str, str] | None = None, ticket: Ticket | None = None
    ) -> None:
        """A request ended (with the response's headers, when there was a response);
        `ticket` is what `wait` returned for it."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if headers is None:
                return
            if ticket is None:
                self._observe(headers, self._in_flight, None, exact=False)
            # An answer to a request sent before the last reset describes the window that
            # ended: its "0 left, reset in 1 s" would hold the new window for nothing.
            elif ticket.epoch == self._epoch:
                # The API counted this request when it answered; those started after it
                # may not be counted yet, and will spend part of what it says is left.
                # With none on its way, every request has been counted: the figure is
                # exact.
                settled = self._in_flight == 0
                uncounted = 0 if settled else self._started - ticket.sequence
                self._observe(headers, uncounted, ticket.started_at, exact=settled)

    def refused(self) -> None:
        """A 429 came: the calendar is not the API's, stop taking window ends from it."""
        with self._lock:
            self._calendar = False

    def _observe(
        self,
        headers: Mapping[str, str],
        uncounted: int,
        sent_at: float | None,
        *,
        exact: bool,
    ) -> None:
        remaining = header_number(headers.get("X-RateLimit-Remaining"))
        reset = header_number(headers.get("X-RateLimit-Reset"))
        if remaining is None or reset is None or reset > MAX_WAIT:
            return
        now = self._clock()
        end = now + reset
        period = header_number(headers.get("X-RateLimit-Period"))
        if self._calendar and self._wall_clock and sent_at is not None and period is not None:
            # The calendar is on the wall clock; waits are on the monotonic one.
            offset = self._wall_clock() - now
            aligned = calendar_end(sent_at + offset, now + offset, reset, period)
            if aligned is not None:
                end = aligned - offset
        left = remaining - uncounted
        # Within one window the reset counts down to the same end; a later end is a new
        # window, whose allowance replaces the old one. Each answer's end is a late
        # bound: keep the earliest one seen.
        if self._left is None or end > self._window_end + 0.5:
            self._left, self._window_end = left, end
            return
        self._window_end = min(self._window_end, end)
        # Requests counted out of order (ten in flight) spoil some answers' figures
        # low, and the lowest is kept while requests are on their way: it cost 3 of 25
        # in each window until an exact figure could replace it.
        self._left = left if exact else min(self._left, left)

    def pause(self, seconds: float) -> None:
        """Hold every thread's next request for `seconds` from now."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
