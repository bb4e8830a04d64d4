"""One rule's complete selection: its searches, split until every slice is short.

The search endpoint returns at most SEARCH_CAP issues with no cursor, so a full
answer is treated as truncated and split (`reconciler.slicing`) until every slice is
short (CONTRACT 4.5). The slices of every rule run on one pool of `parallelism`
threads, so no more than that many searches are ever in flight; a slice's parts are
submitted as soon as its answer is in, never waited for by a thread of the pool.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reconciler.errors import ReconcilerError, TruncatedSelectionError
from reconciler.model import (
    DEFAULT_PARALLELISM,
    SEARCH_CAP,
    Issue,
    IssueApi,
    ProgressHook,
    Rule,
    RuleProgress,
    SearchRequest,
)
from reconciler.query import narrowed
from reconciler.slicing import Slice, is_time_cut, shared_facets, split

logger = logging.getLogger(__name__)

# The per-rule guard against a runaway split, scaled with the rule's window: a rule
# may make SEARCHES_PER_DAY searches per day of window (at least MIN_SEARCHES), which
# lists ~18,000 issues per day spread over it, while a pathological spread could
# take 1,440 one-minute calls per day.
SEARCHES_PER_DAY = 250
MIN_SEARCHES = 1000
# Answers that list issues in this order show the newest of them packed together,
# which measures the density of a slice (see `reconciler.slicing`).
SEARCH_ORDER = "FIRST_SEEN"


def search_guard(window_s: int) -> int:
    """How many searches one rule with this window may make before it fails."""
    return max(MIN_SEARCHES, math.ceil(window_s / 86_400 * SEARCHES_PER_DAY))


@runtime_checkable
class _ParsesOnce(Protocol):
    """A client that can parse each issue once however many searches return it."""

    def parsing_once(self) -> AbstractContextManager[None]: ...


def parsing_once(api: IssueApi) -> AbstractContextManager[None]:
    """A scope within which the api parses each returned issue once, when it can."""
    return api.parsing_once() if isinstance(api, _ParsesOnce) else nullcontext()


@dataclass
class _RuleSearch:
    """One rule's search: slices run on a shared pool, each full answer split again."""

    api: IssueApi
    rule: Rule
    pool: ThreadPoolExecutor
    budget: int
    progress: ProgressHook | None = None
    calls: int = 0  # searches submitted
    sent: int = 0  # searches sent (a failure skips those still queued)
    answered: int = 0  # searches answered
    found: dict[str, Issue] = field(default_factory=dict)
    error: BaseException | None = None
    # Bumped when the search starts again from its first answer with time cut last
    # (see `_restart_timeless`): the parts of an earlier generation are dropped.
    _generation: int = 0
    _root: tuple[Slice, list[Issue]] | None = None
    _pending: int = 0
    _over_budget: Slice | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _done: threading.Event = field(default_factory=threading.Event)

    @property
    def timeless(self) -> bool:
        """Whether time is cut last: the rule's issues are too long-lived for it."""
        return self._generation > 0

    def start(self, now_ms: int) -> None:
        root = Slice(now_ms - self.rule.window_s * 1000, now_ms, tuple(self.rule.search_states))
        with self._lock:
            self._report()  # a display then knows every rule from the start
        self._submit([root])

    def wait(self) -> list[Issue] | BaseException:
        """The rule's issues sorted by id, or the error that stopped it."""
        self._done.wait()
        if isinstance(self.error, _OverBudget) and self._over_budget is not None:
            where = self._over_budget.describe()
            return TruncatedSelectionError(
                self.rule.name, str(self.rule.source), where, searches=self.sent
            )
        if self.error is not None:
            return self.error
        logger.debug(
            "rule %r: %d issue(s) in %d search call(s)", self.rule.name, len(self.found), self.calls
        )
        return [self.found[issue_id] for issue_id in sorted(self.found)]

    def _submit(self, parts: Sequence[Slice]) -> None:
        with self._lock:
            if self.error is not None:
                return
            if self.calls + len(parts) > self.budget:
                self._over_budget = parts[0]
                self._fail(_OverBudget())
                return
            self.calls += len(parts)
            self._pending += len(parts)
            generation = self._generation
        for part in parts:
            self.pool.submit(self._run, part, generation)

    def _run(self, part: Slice, generation: int) -> None:
        try:
            if self.error is None and generation == self._generation:
                self._search(part, generation)
        except BaseException as exc:  # recorded and raised by the caller of `wait`
            with self._lock:
                self._fail(exc)
        finally:
            with self._lock:
                self._pending -= 1
                finished = self._pending == 0
            if finished:  # no other search of the rule is left to report
                try:
                    self._report(done=True)
                except BaseException as exc:  # a bug in the hook, raised by `select_rules`
                    self.error = self.error or exc
                finally:
                    self._done.set()

    def _search(self, part: Slice, generation: int) -> None:
        request = SearchRequest(
            query=narrowed(self.rule.query, part.clauses),
            from_ms=part.from_ms,
            to_ms=part.to_ms,
            track=self.rule.track,
            persona=self.rule.persona,
            states=part.states,
            order_by=SEARCH_ORDER,
        )
        with self._lock:
            self.sent += 1
        found = self.api.search(request)
        complete = len(found) < SEARCH_CAP
        with self._lock:
            self.answered += 1
            if complete:
                for issue in found:
                    self.found.setdefault(issue.id, issue)
            self._report()
        if complete:
            return
        first = self._root is None
        if first:
            self._root = (part, found)
        elif generation != self._generation:
            return  # a part of the time cut the search has given up
        parts = self._split(part, found)
        tried_time = first or part.density is not None
        if tried_time and not self.timeless and not is_time_cut(part, parts):
            self._restart_timeless()  # time cannot separate this rule's issues
            return
        self._submit(parts)

    def _split(self, part: Slice, found: list[Issue]) -> list[Slice]:
        parts = split(
            part, found, max_parts=max(2, self.budget - self.calls), time_first=not self.timeless
        )
        if parts is None:
            shared = shared_facets(found)
            where = part.describe() + (f"; all of its issues share {shared}" if shared else "")
            raise TruncatedSelectionError(self.rule.name, str(self.rule.source), where)
        return parts

    def _restart_timeless(self) -> None:
        """Split the first answer again, by the query and state before time.

        The first answer itself can show it (most of its issues span the window). A
        time part that comes back full of issues carried in from before it shows
        that the rule's issues are long-lived: every other part of the cut holds most
        of them too, and splitting each by state and query would list them once per
        part (7,133 searches for 5,000 issues). One split of the whole window by
        state and query lists each once. The parts of the abandoned cut still queued
        are never sent; what those already answered is kept (their issues match).
        """
        with self._lock:
            if self.timeless or self._root is None:
                return
            self._generation += 1
        root, found = self._root
        self._submit(self._split(root, found))

    def _report(self, *, done: bool = False) -> None:
        """Tell the progress hook where the rule stands; called with the lock held (or once
        the rule's last search is over), so a rule's events arrive in order."""
        if self.progress is not None:
            failed = done and self.error is not None
            event = RuleProgress(
                self.rule.name, self.answered, len(self.found), done, failed, self._pending
            )
            self.progress(event)

    def cancel(self) -> None:
        """Search no slice still queued and split no answer again (Ctrl-C)."""
        with self._lock:
            self._fail(_Cancelled())

    def _fail(self, error: BaseException) -> None:
        """Keep the first error (the lock is held); the slices still queued do nothing."""
        if self.error is None:
            self.error = error


class _Cancelled(Exception):
    """The rule's search was given up (the caller was interrupted)."""


class _OverBudget(Exception):
    """A split needed more searches than the rule's guard allows (reported by `wait`)."""


def select_rules(
    api: IssueApi,
    rules: Sequence[Rule],
    now_ms: int,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    guard: Callable[[int], int] = search_guard,
    progress: ProgressHook | None = None,
) -> list[list[Issue] | ReconcilerError]:
    """Every issue each rule's search returns over its window (sorted by id), or its error.

    All rules share `parallelism` threads. A rule fails with TruncatedSelectionError
    when a slice can be split no further, or after `guard(window_s)` searches; with
    whatever the api raises (ApiError, NetworkError) otherwise. Anything else is raised.
    `progress` hears each rule's `RuleProgress`, from the pool's threads.
    """
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        searches = [_RuleSearch(api, rule, pool, guard(rule.window_s), progress) for rule in rules]
        try:
            for search in searches:
                search.start(now_ms)
            outcomes = [search.wait() for search in searches]
        except BaseException:
            # Ctrl-C: leaving the pool waits for its queue, so empty it first; only the
            # searches in flight are then waited for.
            for search in searches:
                search.cancel()
            raise
    results: list[list[Issue] | ReconcilerError] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, ReconcilerError):
            raise outcome
        results.append(outcome)
    return results


def select_rule(
    api: IssueApi,
    rule: Rule,
    now_ms: int,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    max_searches: int | None = None,
    progress: ProgressHook | None = None,
) -> list[Issue]:
    """Every issue a rule's search returns over its window, sorted by id.

    Raises TruncatedSelectionError when a slice can be split no further or after
    `max_searches` calls (default `search_guard(rule.window_s)`), and whatever the api
    raises (ApiError, NetworkError).
    """
    guard = search_guard if max_searches is None else (lambda _window_s: max_searches)
    with parsing_once(api):
        (outcome,) = select_rules(
            api, [rule], now_ms, parallelism=parallelism, guard=guard, progress=progress
        )
    if isinstance(outcome, ReconcilerError):
        raise outcome
    return outcome
