"""An in-memory stand-in for `model.IssueApi`, shared by the tests of every layer.

It holds issues and users, answers searches with a simple predicate and the
real 100-issue cap, records every call, behaves like the API when an OPEN issue
is assigned (it becomes ACKNOWLEDGED), raises injected errors on demand, runs a
hook before every call (to block or interrupt) and can answer a write with a lie.
mypy checks it against the `IssueApi` protocol at the bottom of this module.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reconciler.errors import NotFoundError, ReconcilerError, UserLookupError
from reconciler.model import SEARCH_CAP, Issue, IssueApi, SearchRequest, State, User

SearchPredicate = Callable[[SearchRequest, Issue], bool]
# hook(method, key) runs before a call is recorded: key is the issue id, query or reference.
Hook = Callable[[str, str], None]

_ISSUES = "/api/v2/error-tracking/issues"


@dataclass(frozen=True)
class Call:
    """One recorded call: the method name and its arguments."""

    method: str
    args: tuple[object, ...]


def query_matches(query: str, issue: Issue) -> bool:
    """A tiny subset of event search: `*`, and AND-ed `service:` / `@error.type:` globs."""
    fields = {"service": issue.service, "@error.type": issue.error_type}
    for term in query.split():
        if term in ("AND", "*"):
            continue
        key, _, pattern = term.partition(":")
        negate = key.startswith("-")
        value = fields.get(key.lstrip("-"))
        hit = value is not None and fnmatch.fnmatchcase(value, pattern)
        if hit == negate:
            return False
    return True


def in_window(request: SearchRequest, issue: Issue) -> bool:
    """An issue is in [from, to) when its [first_seen, last_seen] span overlaps it;
    an issue without timestamps is always in."""
    if issue.last_seen is None:
        return True
    first = issue.first_seen if issue.first_seen is not None else issue.last_seen
    return first < request.to_ms and issue.last_seen >= request.from_ms


def default_predicate(request: SearchRequest, issue: Issue) -> bool:
    states_ok = not request.states or issue.state in request.states
    return states_ok and in_window(request, issue) and query_matches(request.query, issue)


class FakeIssueApi:
    """A thread-safe fake of the Datadog issue and user endpoints."""

    def __init__(
        self,
        issues: Iterable[Issue] = (),
        users: Iterable[User] = (),
        *,
        predicate: SearchPredicate = default_predicate,
        hook: Hook | None = None,
    ) -> None:
        self.issues: dict[str, Issue] = {issue.id: issue for issue in issues}
        self.users: list[User] = list(users)
        self.predicate = predicate
        self.hook = hook
        self.calls: list[Call] = []
        # (method or None for every method, key) -> the error that call raises
        self.errors: dict[tuple[str | None, str], ReconcilerError] = {}
        # method -> what a write's 200 shows instead of the stored issue (a lying answer)
        self.answers: dict[str, Callable[[Issue], Issue]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ test helpers

    def fail(self, key: str, error: ReconcilerError, *, method: str | None = None) -> None:
        """Raise `error` on calls about `key` (an issue id, a search query or a user
        reference), for every method or only `method`."""
        self.errors[(method, key)] = error

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def writes(self) -> list[Call]:
        """The calls that change something, in order."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method in ("set_state", "set_assignee", "remove_assignee")
            ]

    def _record(self, method: str, key: str, *args: object) -> None:
        # Outside the lock: a hook may block until other calls arrive.
        if self.hook is not None:
            self.hook(method, key)
        with self._lock:
            self.calls.append(Call(method, args))
            error = self.errors.get((method, key)) or self.errors.get((None, key))
        if error is not None:
            raise error

    def _answer(self, method: str, issue: Issue) -> Issue:
        tamper = self.answers.get(method)
        return tamper(issue) if tamper is not None else issue

    def _issue(self, verb: str, path: str, issue_id: str) -> Issue:
        try:
            return self.issues[issue_id]
        except KeyError:
            raise NotFoundError(verb, path, 404, "issue not found") from None

    # ------------------------------------------------------------------ IssueApi

    def search(self, request: SearchRequest) -> list[Issue]:
        self._record("search", request.query, request)
        with self._lock:
            found = [issue for issue in self.issues.values() if self.predicate(request, issue)]
        found.sort(key=lambda issue: (-(issue.last_seen or 0), issue.id))
        return found[:SEARCH_CAP]

    def get_issue(self, issue_id: str) -> Issue:
        self._record("get_issue", issue_id, issue_id)
        return self._issue("GET", f"{_ISSUES}/{issue_id}", issue_id)

    def set_state(self, issue_id: str, state: State) -> Issue:
        self._record("set_state", issue_id, issue_id, state)
        with self._lock:
            issue = self._issue("PUT", f"{_ISSUES}/{issue_id}/state", issue_id)
            self.issues[issue_id] = replace(issue, state=state)
            return self._answer("set_state", self.issues[issue_id])

    def set_assignee(self, issue_id: str, user_id: str) -> Issue:
        self._record("set_assignee", issue_id, issue_id, user_id)
        with self._lock:
            issue = self._issue("PUT", f"{_ISSUES}/{issue_id}/assignee", issue_id)
            # Like the real API: assigning marks an OPEN issue as reviewed.
            state = State.ACKNOWLEDGED if issue.state is State.OPEN else issue.state
            self.issues[issue_id] = replace(issue, assignee_id=user_id, state=state)
            return self._answer("set_assignee", self.issues[issue_id])

    def remove_assignee(self, issue_id: str) -> None:
        self._record("remove_assignee", issue_id, issue_id)
        with self._lock:
            path = f"{_ISSUES}/{issue_id}/assignee"
            issue = self._issue("DELETE", path, issue_id)
            self.issues[issue_id] = replace(issue, assignee_id=None)

    def find_user(self, reference: str) -> User:
        self._record("find_user", reference, reference)
        wanted = reference.lower()
        for user in self.users:
            if wanted in ((user.email or "").lower(), (user.handle or "").lower()):
                return user
        raise UserLookupError(reference, "matches no Datadog user (check the email or handle)")


if TYPE_CHECKING:
    # The one fake of the API, checked against the protocol it stands in for.
    _CONFORMS: IssueApi = FakeIssueApi()
