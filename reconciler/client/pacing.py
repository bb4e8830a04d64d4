"""Retry backoff and rate-limit pacing shared by every thread using one client."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

logger = logging.getLogger("reconciler.client")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently 429, 5xx and transport errors are retried."""

    max_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff after the `attempt`-th (1-based) failure."""
        return float(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


def header_seconds(value: str | None) -> float | None:
    """A non-negative number of seconds from a header, None when absent or not a number."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


class RateLimiter:
    """Remembers the API's X-RateLimit-* headers and holds every thread during a pause."""

    def __init__(self, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._paused_until = 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        """Pause everyone until the reset when a response says no request is left."""
        remaining = header_seconds(headers.get("X-RateLimit-Remaining"))
        reset = header_seconds(headers.get("X-RateLimit-Reset"))
        if remaining is not None and remaining <= 0 and reset is not None:
            self.pause(reset)

    def pause(self, seconds: float) -> None:
        """Hold every thread's next request for `seconds` from now."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def wait(self) -> None:
        """Sleep out the current pause, if any (each thread sleeps on its own)."""
        with self._lock:
            remaining = self._paused_until - self._clock()
        if remaining > 0:
            logger.debug("rate limit reached; waiting %.1fs", remaining)
            self._sleep(remaining)
