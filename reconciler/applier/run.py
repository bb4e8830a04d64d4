"""`apply_plan`: one worker per issue in flight, and what an interrupt does to them.

A first interrupt (Ctrl-C, or SIGTERM turned into one by the CLI) starts no
further issue, but an issue whose first write was sent still gets its second,
so no issue is left half done by the tool itself. A second interrupt starts no
further request at all. Either way the call returns only once every worker has
finished, so whoever logs the results sees the last one before closing its log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TypeVar

from reconciler.applier.cancel import Cancellation
from reconciler.applier.writer import IssueWriter, Recorder
from reconciler.model import (
    DEFAULT_PARALLELISM,
    Change,
    ChangeResult,
    Field,
    IssueApi,
    Plan,
    ResultStatus,
)

log = logging.getLogger(__name__)

ResultCallback = Callable[[ChangeResult], None]

# How often the waiting thread wakes to notice an interrupt.
_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ApplyOutcome:
    """The results of one apply, in plan order, and whether an interrupt cut it short."""

    results: tuple[ChangeResult, ...]
    interrupted: bool = False
    writes_sent: int = 0  # write requests started, whatever their answer

    def counts(self) -> dict[str, int]:
        """Results per status, every status present."""
        counts = {status.value: 0 for status in ResultStatus}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when every change is in effect (applied or unchanged) and nothing
        interrupted the run."""
        done = (ResultStatus.APPLIED, ResultStatus.UNCHANGED)
        return not self.interrupted and all(result.status in done for result in self.results)


def apply_plan(
    plan: Plan,
    api: IssueApi,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    recheck: bool = False,
    on_result: ResultCallback | None = None,
    cancellation: Cancellation | None = None,
) -> ApplyOutcome:
    """Write the plan's changes; never raises for a failed write (it becomes a `failed`
    result) and returns with `interrupted=True` after Ctrl-C, unattempted changes `skipped`.

    `recheck=True` (a saved plan) re-reads each issue first: a field that no longer has
    its planned `before` value is `stale`, and one that already has its `after` value is
    `unchanged`, with nothing sent. `on_result` is called once per change as it finishes,
    from worker threads (so it must be thread-safe), and from the calling thread for the
    changes skipped. A bug in a worker or in `on_result` is raised once every worker has
    finished. `parallelism` below 1 counts as 1.
    """
    cancel = cancellation or Cancellation()
    recorder = _Results(on_result)
    groups = [list(group) for _, group in groupby(plan.changes, key=lambda c: c.issue_id)]
    queue = _Queue([IssueWriter(api, group, recorder, cancel, recheck) for group in groups], cancel)
    workers: list[_Worker] = []
    for number in range(min(max(1, parallelism), len(groups))):
        worker = _Worker(queue, number)
        # Listed before it starts: an interrupt during start() must not hide it from the join.
        workers.append(worker)
        _patiently(worker.start, cancel)
    _patiently(lambda: _join(workers), cancel)
    if cancel.requested.is_set():
        log.info("interrupted: the issues in flight were finished, no other was started")
    if queue.bug is not None:
        raise queue.bug
    results = _patiently(lambda: tuple(recorder.result_for(c) for c in plan.changes), cancel)
    return ApplyOutcome(
        results=results, interrupted=cancel.requested.is_set(), writes_sent=recorder.writes
    )


class _Queue:
    """The issues still to start, shared by the workers; the first bug stops them all."""

    def __init__(self, writers: Sequence[IssueWriter], cancel: Cancellation) -> None:
        self._writers = iter(writers)
        self._cancel = cancel
        self._lock = threading.Lock()
        self.bug: BaseException | None = None

    def _next(self) -> IssueWriter | None:
        with self._lock:
            if self._cancel.requested.is_set():
                return None
            return next(self._writers, None)

    def work(self) -> None:
        while (writer := self._next()) is not None:
            try:
                writer.run()
            except BaseException as exc:  # a bug: stop everyone, raise it from apply_plan
                with self._lock:
                    self.bug = self.bug or exc
                self._cancel.requested.set()
                return


class _Worker:
    """One thread working through the queue, with an event that says it has finished.

    The join waits on that event, not on Thread.join: an interrupted join can mark a
    thread that is still running as stopped (bpo-45274's fix releases the lock the
    running thread holds), and the log would then be closed under a worker's feet.
    """

    def __init__(self, queue: _Queue, number: int) -> None:
        self.finished = threading.Event()
        self._queue = queue
        self._thread = threading.Thread(target=self._run, name=f"apply-{number}")

    def start(self) -> None:
        """Start the thread; idempotent, so an interrupted start can be retried."""
        if self._thread.ident is None:
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def _run(self) -> None:
        try:
            self._queue.work()
        finally:
            self.finished.set()


def _join(workers: Sequence[_Worker]) -> None:
    """Wait for every started worker to finish."""
    for worker in workers:
        while worker.started and not worker.finished.wait(_POLL_SECONDS):
            pass


_R = TypeVar("_R")


def _patiently(step: Callable[[], _R], cancel: Cancellation) -> _R:
    """Run an idempotent step to its end; an interrupt meanwhile is counted and the step
    run again (the handler does nothing that a further interrupt could cut short)."""
    while True:
        try:
            return step()
        except KeyboardInterrupt:
            cancel.interrupt()


class _Results(Recorder):
    """The results so far, keyed by change; thread-safe."""

    def __init__(self, on_result: ResultCallback | None) -> None:
        self._on_result = on_result
        self._lock = threading.Lock()
        self._results: dict[tuple[str, Field], ChangeResult] = {}
        self.writes = 0

    def sent(self) -> None:
        with self._lock:
            self.writes += 1

    def record(self, result: ChangeResult) -> None:
        change = result.change
        with self._lock:
            self._results[(change.issue_id, change.field)] = result
        log.info(
            "%s %s %s: %s",
            result.status.value,
            change.issue_id,
            change.field.value,
            result.error or "ok",
        )
        if self._on_result is not None:
            self._on_result(result)

    def result_for(self, change: Change) -> ChangeResult:
        """The recorded result, or `skipped` (reported now) for a change never finished."""
        with self._lock:
            result = self._results.get((change.issue_id, change.field))
        if result is None:
            result = ChangeResult(change=change, status=ResultStatus.SKIPPED)
            self.record(result)
        return result
