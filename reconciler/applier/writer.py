"""The writes of one issue, in order (CONTRACT 4.6), and how each result is judged.

A write is `applied` only when the API's answer shows the issue with the written
value; a 2xx that shows anything else is `failed`. Re-applying a saved plan
(`recheck`) compares each field with the live issue first: already in effect is
`unchanged`, moved by someone is `stale` (with the live value as `current`).

A partial run (interrupted, or a failed state write) can leave an issue that
the tool's own assignment moved OPEN -> ACKNOWLEDGED without its planned state.
Re-applying the same saved plan finishes it: a state change planned from OPEN
also proceeds from ACKNOWLEDGED when the issue is assigned to exactly the plan's
assignee, and a `keep_state` of OPEN is written back in the same situation.
A human who acknowledged such an issue in between is treated alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from reconciler.applier.cancel import Cancellation
from reconciler.errors import NotFoundError, ReconcilerError
from reconciler.model import (
    Change,
    ChangeResult,
    Field,
    Issue,
    IssueApi,
    ResultStatus,
    State,
    is_uuid,
)

log = logging.getLogger(__name__)

# What assigning does to an issue's state on its own (api-notes: assigning marks
# an OPEN issue as reviewed).
ASSIGNMENT_MOVES = (State.OPEN, State.ACKNOWLEDGED)


class Recorder(Protocol):
    """Where a writer reports each finished change and counts each write it sends."""

    def record(self, result: ChangeResult) -> None: ...

    def sent(self) -> None: ...


class _IssueGone(Exception):
    """Internal: a 404 on one request; every remaining change of the issue fails with it."""

    def __init__(self, error: NotFoundError) -> None:
        super().__init__(str(error))
        self.error = error


class _Halted(Exception):
    """Internal: an urgent stop came before the next request; what is left is skipped."""


def same_user(a: str | None, b: str | None) -> bool:
    """User UUIDs compare case-insensitively; None is "unassigned"."""
    return (a or "").lower() == (b or "").lower()


class IssueWriter:
    """Applies one issue's changes (assignee, then state), recording each result."""

    def __init__(
        self,
        api: IssueApi,
        changes: Sequence[Change],
        recorder: Recorder,
        stop: Cancellation,
        recheck: bool,
    ) -> None:
        self.api = api
        self.recorder = recorder
        self.stop = stop
        self.recheck = recheck
        self.issue_id = changes[0].issue_id
        self.assignee = next((c for c in changes if c.field is Field.ASSIGNEE), None)
        self.state = next((c for c in changes if c.field is Field.STATE), None)
        self.pending = list(changes)

    def run(self) -> None:
        """Apply the changes unless a stop was requested before the issue started."""
        if self.stop.requested.is_set():
            return
        if not is_uuid(self.issue_id):
            # An id from a hostile answer or file must never become part of a URL.
            self._fail_rest(f"issue id {self.issue_id!r} is not a UUID; nothing was sent")
            return
        try:
            live = self._reread() if self.recheck else None
            if self.recheck and live is None:
                return
            known = live
            if self.assignee is not None:
                known = self._assignee(self.assignee, live, known)
            if self.state is not None:
                self._state(self.state, live, known)
        except _IssueGone as gone:
            self._fail_rest(str(gone.error))
        except _Halted:
            pass  # whatever is left stays pending and is reported `skipped`
        except KeyboardInterrupt:
            # Only a test fake raises this in a worker; treat it like a real interrupt.
            self.stop.requested.set()

    # ------------------------------------------------------------------ results

    def _record(
        self,
        change: Change,
        status: ResultStatus,
        error: str | None = None,
        current: str | None = None,
    ) -> None:
        self.pending.remove(change)
        self.recorder.record(ChangeResult(change, status, error=error, current=current))

    def _fail_rest(self, error: str) -> None:
        for change in list(self.pending):
            self._record(change, ResultStatus.FAILED, error)

    # ------------------------------------------------------------------ requests

    def _may_send(self) -> None:
        """Refuse to start a request after an urgent stop."""
        if self.stop.urgent.is_set():
            raise _Halted

    def _reread(self) -> Issue | None:
        """The issue as it is now; None (every change failed) when it cannot be read."""
        self._may_send()
        try:
            return self._check_id(self.api.get_issue(self.issue_id))
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except ReconcilerError as exc:
            self._fail_rest(f"cannot re-read the issue: {exc}")
            return None

    def _check_id(self, returned: Issue) -> Issue:
        if returned.id.lower() != self.issue_id.lower():
            raise _WrongAnswer(f"the API answered with issue {returned.id!r}, not this one")
        return returned

    # ------------------------------------------------------------------ assignee

    def _assignee(self, change: Change, live: Issue | None, known: Issue | None) -> Issue | None:
        """Write the assignee; returns the issue as the last answer showed it, or None
        when nothing reliable is known."""
        if live is not None:
            if same_user(live.assignee_id, change.after):
                return self._assignee_in_effect(change, live)
            if not same_user(live.assignee_id, change.before):
                self._record(change, ResultStatus.STALE, current=live.assignee_id)
                return live
        self._may_send()
        try:
            returned = self._send_assignee(change, known)
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except (ReconcilerError, _WrongAnswer) as exc:
            self._record(change, ResultStatus.FAILED, str(exc))
            return None
        keep = change.keep_state
        if returned is not None and keep is not None and self._moved(keep, live, returned):
            returned = self._write_state_back(change, keep)
            if returned is None:
                return None
        self._record(change, ResultStatus.APPLIED)
        return returned

    def _send_assignee(self, change: Change, known: Issue | None) -> Issue | None:
        if change.after is None:
            self.recorder.sent()
            self.api.remove_assignee(self.issue_id)
            # DELETE answers 204 with no body and leaves the state alone.
            return replace(known, assignee_id=None) if known is not None else None
        self.recorder.sent()
        returned = self._check_id(self.api.set_assignee(self.issue_id, change.after))
        if not same_user(returned.assignee_id, change.after):
            shown = returned.assignee_id or "no assignee"
            raise _WrongAnswer(
                f"the API answered, but the issue shows {shown}, not {change.after}: "
                "the write did not take effect"
            )
        return returned

    def _assignee_in_effect(self, change: Change, live: Issue) -> Issue | None:
        """A saved plan's assignee already in effect: `unchanged`, unless an earlier
        partial run assigned it and never wrote the kept state back."""
        keep = change.keep_state
        if keep is None or self.state is not None or (live.state, keep) != ASSIGNMENT_MOVES[::-1]:
            self._record(change, ResultStatus.UNCHANGED)
            return live
        returned = self._write_state_back(change, keep)
        if returned is not None:
            self._record(change, ResultStatus.APPLIED)
        return returned

    def _moved(self, keep: State, live: Issue | None, returned: Issue) -> bool:
        """True when this assignee write moved the state the config keeps."""
        if self.state is not None or returned.state is keep:
            return False
        # A state moved by someone else since the plan is not ours to undo.
        return live is None or live.state is keep

    def _write_state_back(self, change: Change, keep: State) -> Issue | None:
        """Restore `keep`; on failure the assignee change fails and None is returned."""
        log.info("assigning moved %s; writing %s back", self.issue_id, keep)
        error = f"assigned, but interrupted before writing state {keep} back"
        if self.stop.urgent.is_set():
            self._record(change, ResultStatus.FAILED, error)
            return None
        try:
            return self._send_state(keep)
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except (ReconcilerError, _WrongAnswer) as exc:
            error = f"assigned, but writing state {keep} back failed: {exc}"
        except KeyboardInterrupt:
            self._record(change, ResultStatus.FAILED, error)
            raise
        self._record(change, ResultStatus.FAILED, error)
        return None

    # ------------------------------------------------------------------ state

    def _state(self, change: Change, live: Issue | None, known: Issue | None) -> None:
        """Write the state unless it is stale (recheck) or already in effect."""
        if change.after is None:
            self._record(change, ResultStatus.FAILED, "the plan names no state to write")
            return
        wanted = State(change.after)
        if live is not None:
            if live.state is wanted:
                self._record(change, ResultStatus.UNCHANGED)
                return
            if live.state.value != change.before and not self._moved_by_our_assignment(
                change, live
            ):
                self._record(change, ResultStatus.STALE, current=live.state.value)
                return
        if known is not None and known.state is wanted:
            # This run's assignee write brought it there: nothing more to send.
            self._record(change, ResultStatus.APPLIED)
            return
        self._may_send()
        try:
            self._send_state(wanted)
        except NotFoundError as exc:
            raise _IssueGone(exc) from exc
        except (ReconcilerError, _WrongAnswer) as exc:
            self._record(change, ResultStatus.FAILED, str(exc))
            return
        self._record(change, ResultStatus.APPLIED)

    def _moved_by_our_assignment(self, change: Change, live: Issue) -> bool:
        """True when the live state is what the plan's own assignment would have made
        of its `before` (an earlier partial run of this plan assigned the issue)."""
        assignee = self.assignee
        return (
            (change.before, live.state.value) == ASSIGNMENT_MOVES
            and assignee is not None
            and assignee.after is not None
            and same_user(live.assignee_id, assignee.after)
        )

    def _send_state(self, wanted: State) -> Issue:
        self.recorder.sent()
        returned = self._check_id(self.api.set_state(self.issue_id, wanted))
        if returned.state is not wanted:
            raise _WrongAnswer(
                f"the API answered, but the issue shows state {returned.state}, not {wanted}: "
                "the write did not take effect"
            )
        return returned


class _WrongAnswer(Exception):
    """Internal: a 2xx whose body does not show the write; the change fails with it."""
