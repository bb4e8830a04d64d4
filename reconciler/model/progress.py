"""What a long run reports while it works, for a progress display; the library prints none.

Observing reports `RuleProgress` after each answered search of a rule and `PinProgress`
after each pinned issue fetched; the client reports `RateLimitWait` when it holds
requests to stay under the API's rate limit; the engine reports `Progress` when it
starts deciding what it observed, and per change applied.
Events come from worker threads, so a hook must be thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "PinProgress",
    "Progress",
    "ProgressEvent",
    "ProgressHook",
    "RateLimitWait",
    "RuleProgress",
]


@dataclass(frozen=True)
class Progress:
    """One step of a long run: `done` of `total` in `stage` ("apply": changes finished;
    "plan": observing is over, `total` issues are being decided)."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class RuleProgress:
    """A rule's selection so far: `searches` answered and the distinct `issues` they listed
    (a full answer is split, its issues listed by the parts), `pending` searches queued
    or in flight; `done` once the selection is complete, or `failed` (the plan then
    reports why)."""

    rule: str
    searches: int
    issues: int
    done: bool = False
    failed: bool = False
    pending: int = 0


@dataclass(frozen=True)
class PinProgress:
    """Pinned issues that no search returned, fetched one by one: `done` of `total`."""

    done: int
    total: int


@dataclass(frozen=True)
class RateLimitWait:
    """The client holds its next request for `seconds` to stay under the rate limit."""

    seconds: float


ProgressEvent = Progress | RuleProgress | PinProgress | RateLimitWait
ProgressHook = Callable[[ProgressEvent], None]
