"""Performs a Plan against the API with bounded concurrency, one result per change.

Issues are independent, so they run concurrently; the changes of one issue run
in order, assignee first, because assigning can move an OPEN issue to
ACKNOWLEDGED and the state write is decided from what the assignee write left
(CONTRACT 4.6). Nothing is written that the plan does not ask for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from itertools import groupby

from reconciler.errors import NotFoundError, ReconcilerError
from reconciler.model import (
    Change,
    ChangeResult,
    Field,
    Issue,
    IssueApi,
    Plan,
    ResultStatus,
    State,
)

log = logging.getLogger(__name__)

ResultCallback = Callable[[ChangeResult], None]


@dataclass(frozen=True)
class ApplyOutcome:
    """The results of one apply, in plan order, and whether Ctrl-C cut it short."""

    results: tuple[ChangeResult, ...]
    interrupted: bool = False

    def counts(self) -> dict[str, int]:
        """Results per status, every status present (applied, failed, stale, skipped)."""
        counts = {status.value: 0 for status in ResultStatus}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when every change was applied and nothing interrupted the run."""
        return not self.interrupted and all(
            result.status is ResultStatus.APPLIED for result in self.results
        )


def apply_plan(
    plan: Plan,
    api: IssueApi,
    *,
    parallelism: int = 4,
    recheck: bool = False,
    on_result: ResultCallback | None = None,
) -> ApplyOutcome:
    """Write the plan's changes; never raises for a failed write (it becomes a `failed`
    result) and returns with `interrupted=True` on Ctrl-C, unattempted changes `skipped`.

    `recheck=True` (a saved plan) re-reads each issue first: a field that no longer has
    its planned `before` value is `stale`, and one that already has its `after` value is
    `applied` with nothing sent. `on_result` is called once per change as it finishes,
    from worker threads (so it must be thread-safe), and from the calling thread for
    changes skipped after an interrupt. `parallelism` below 1 counts as 1.
    """
    run = _Run(api, recheck, on_result)
    groups = [list(group) for _, group in groupby(plan.changes, key=lambda c: c.issue_id)]
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        futures: list[Future[None]] = [pool.submit(run.issue, group) for group in groups]
        try:
            for future in as_completed(futures):
                future.result()
        except KeyboardInterrupt:
            log.warning("interrupted: finishing the writes in flight, skipping the rest")
            _stop(run, futures)
        except BaseException:
            _stop(run, futures)
            raise
    results = tuple(run.result_for(change) for change in plan.changes)
    return ApplyOutcome(results=results, interrupted=run.stop.is_set())


def _stop(run: _Run, futures: Sequence[Future[None]]) -> None:
    """Let the writes in flight finish and start no other issue."""
    run.stop.set()
    for future in futures:
        future.cancel()


class _IssueGone(Exception):
    """Internal: a 404 on one write; every remaining change of the issue fails with it."""

    def __init__(self, error: NotFoundError) -> None:
        super().__init__(str(error))
        self.error = error


class _Run:
    """The shared state of one apply: the API, the stop flag and the results so far."""

    def __init__(self, api: IssueApi, recheck: bool, on_result: ResultCallback | None) -> None:
        self.api = api
        self.recheck = recheck
        self.on_result = on_result
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._results: dict[tuple[str, Field], ChangeResult] = {}

    def record(self, change: Change, status: ResultStatus, error: str | None = None) -> None:
        result = ChangeResult(change=change, status=status, error=error)
        with self._lock:
            self._results[(change.issue_id, change.field)] = result
        log.info("%s %s %s: %s", status.value, change.issue_id, change.field.value, error or "ok")
        if self.on_result is not None:
            self.on_result(result)

    def result_for(self, change: Change) -> ChangeResult:
        """The recorded result, or `skipped` (reported now) for a change never finished."""
        with self._lock:
            result = self._results.get((change.issue_id, change.field))
        if result is None:
            self.record(change, ResultStatus.SKIPPED)
            return self._results[(change.issue_id, change.field)]
        return result

    def issue(self, changes: Sequence[Change]) -> None:
        """Apply one issue's changes (assignee, then state), recording each result."""
        try:
            _IssueWriter(self, changes).run()
        except KeyboardInterrupt:
            # Only a test fake raises this in a worker; set the flag before the pool can
            # start another issue, then let the main thread handle it like a real Ctrl-C.
            self.stop.set()
            raise


class _IssueWriter:
    """The writes of one issue, in order, following CONTRACT 4.6."""

    def __init__(self, run: _Run, changes: Sequence[Change]) -> None:
        self.run_ = run
        self.api = run.api
        self.issue_id = changes[0].issue_id
        self.assignee = next((c for c in changes if c.field is Field.ASSIGNEE), None)
        self.state = next((c for c in changes if c.field is Field.STATE), None)
        self.pending = list(changes)

    def _record(self, change: Change, status: ResultStatus, error: str | None = None) -> None:
        self.pending.remove(change)
        self.run_.record(change, status, error)

    def run(self) -> None:
        if self.run_.stop.is_set():
            return
        try:
            live = self._reread() if self.run_.recheck else None
            after_assign = self._assignee(self.assignee, live) if self.assignee else None
            if self.state is not None and not self.run_.stop.is_set():
                self._state(self.state, live, after_assign or live)
        except _IssueGone as gone:
            for change in list(self.pending):
                self._record(change, ResultStatus.FAILED, str(gone.error))

    def _reread(self) -> Issue | None:
        """The issue as it is now; None (every change failed) when it cannot be read."""
        try:
            return self.api.get_issue(self.issue_id)
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except ReconcilerError as exc:
            for change in list(self.pending):
                self._record(change, ResultStatus.FAILED, f"cannot re-read the issue: {exc}")
            return None

    def _assignee(self, change: Change, live: Issue | None) -> Issue | None:
        """Write the assignee; returns the issue as the write left it, when the API says."""
        if change not in self.pending:
            return None
        if live is not None and live.assignee_id != change.before:
            done = live.assignee_id == change.after
            self._record(change, ResultStatus.APPLIED if done else ResultStatus.STALE)
            return None
        try:
            if change.after is None:
                self.api.remove_assignee(self.issue_id)
                returned = None  # DELETE answers 204 and leaves the state alone
            else:
                returned = self.api.set_assignee(self.issue_id, change.after)
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except ReconcilerError as exc:
            self._record(change, ResultStatus.FAILED, str(exc))
            return None
        keep = change.keep_state
        if returned is not None and keep is not None and self._moved(keep, live, returned):
            returned = self._write_state_back(change, keep, returned)
            if returned is None:
                return None
        self._record(change, ResultStatus.APPLIED)
        return returned

    def _moved(self, keep: State, live: Issue | None, returned: Issue) -> bool:
        """True when the assignee write moved the state the config keeps."""
        if self.state is not None or returned.state is keep:
            return False
        # A state moved by someone else since the plan is not ours to undo.
        return live is None or live.state is keep

    def _write_state_back(self, change: Change, keep: State, returned: Issue) -> Issue | None:
        """Restore `keep`; on failure the assignee change fails and None is returned."""
        log.info("assigning moved %s to %s; writing %s back", self.issue_id, returned.state, keep)
        try:
            return self.api.set_state(self.issue_id, keep)
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except ReconcilerError as exc:
            error = f"assigned, but writing state {keep} back failed: {exc}"
        except KeyboardInterrupt:
            error = f"assigned, but interrupted before writing state {keep} back"
            self._record(change, ResultStatus.FAILED, error)
            raise
        self._record(change, ResultStatus.FAILED, error)
        return None

    def _state(self, change: Change, live: Issue | None, current: Issue | None) -> None:
        """Write the state unless it is stale (recheck) or already in effect."""
        if change not in self.pending:
            return
        if change.after is None:
            self._record(change, ResultStatus.FAILED, "the plan names no state to write")
            return
        wanted = State(change.after)
        if live is not None and live.state.value not in (change.before, change.after):
            self._record(change, ResultStatus.STALE)
            return
        if current is not None and current.state is wanted:
            self._record(change, ResultStatus.APPLIED)  # already in effect: nothing to send
            return
        try:
            self.api.set_state(self.issue_id, wanted)
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except ReconcilerError as exc:
            self._record(change, ResultStatus.FAILED, str(exc))
            return
        self._record(change, ResultStatus.APPLIED)
