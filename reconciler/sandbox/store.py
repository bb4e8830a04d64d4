"""The sandbox's thread-safe in-memory org: indexed search, request counters, and writes
kept in an SQLite database when persisting."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from reconciler.model import SearchRequest, State
from reconciler.sandbox.data import OrgData, TimeSpec
from reconciler.sandbox.data.database import OrgDatabase, open_org
from reconciler.sandbox.index import SearchIndex
from reconciler.sandbox.records import SandboxCase, SandboxIssue, SandboxTeam, SandboxUser

WRITE_METHODS = frozenset({"PUT", "POST", "PATCH", "DELETE"})
_SEARCH_ROUTE = "/api/v2/error-tracking/issues/search"
_CASE_NAMESPACE = uuid.UUID("0b5ba7c1-5a4d-4b0c-9d1e-5a4db0c5e000")


class Store:
    """Users, teams and issues of one fake org; every method is safe to call from any thread."""

    def __init__(
        self,
        users: Iterable[SandboxUser] = (),
        teams: Iterable[SandboxTeam] = (),
        issues: Iterable[SandboxIssue] = (),
        *,
        database: OrgDatabase | None = None,
        time_specs: dict[str, dict[str, TimeSpec]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._lock = threading.RLock()
        self._users = {u.id: u for u in users}
        self._teams = {t.id: t for t in teams}
        self._issues = {i.id: i for i in issues}
        self._index = SearchIndex(self._issues.values())
        self._cases = sum(1 for i in self._issues.values() if i.case is not None)
        self._time_specs = {k: dict(v) for k, v in (time_specs or {}).items()}
        self._database = database
        self._clock = clock
        self._requests: Counter[tuple[str, str]] = Counter()

    @classmethod
    def from_org(cls, org: OrgData, *, database: OrgDatabase | None = None) -> Store:
        """A store holding a loaded org; writes each changed issue to `database` if given."""
        return cls(
            org.users,
            org.teams,
            org.issues,
            database=database,
            time_specs={k: dict(v) for k, v in org.time_specs.items()},
        )

    @classmethod
    def from_file(cls, path: Path, *, persist: bool = False) -> Store:
        """A store loaded from a JSON data file or an SQLite org; raises SandboxDataError.

        With `persist`, every write is kept: in the SQLite file itself, or for a JSON
        file in `<file>.sqlite` beside it (seeded from the JSON on first use).
        """
        org, database = open_org(path, persist=persist)
        return cls.from_org(org, database=database)

    @property
    def database(self) -> Path | None:
        """The SQLite file writes are kept in, or None when they stay in memory."""
        return None if self._database is None else self._database.path

    def close(self) -> None:
        """Close the database writes are kept in, if any; the store stays readable."""
        with self._lock:
            if self._database is not None:
                self._database.close()
                self._database = None

    # ----------------------------------------------------------------------- reading

    def issues(self) -> list[SandboxIssue]:
        """Every issue, in insertion order."""
        with self._lock:
            return list(self._issues.values())

    def issue_count(self) -> int:
        """How many issues the org has."""
        with self._lock:
            return len(self._issues)

    def search(self, criteria: SearchRequest) -> list[SandboxIssue]:
        """The issues a search returns, best first, at most 100; raises ApiAnswer."""
        with self._lock:
            return self._index.search(criteria)

    def prepare(self) -> None:
        """Build the search index now, rather than on the first search."""
        with self._lock:
            self._index.prepare()

    def issue(self, issue_id: str) -> SandboxIssue | None:
        """One issue, or None when the org has no such issue."""
        with self._lock:
            return self._issues.get(issue_id.lower())

    def users(self) -> list[SandboxUser]:
        """Every user, in insertion order."""
        with self._lock:
            return list(self._users.values())

    def user(self, user_id: str) -> SandboxUser | None:
        """One user, or None."""
        with self._lock:
            return self._users.get(user_id.lower())

    def team(self, team_id: str) -> SandboxTeam | None:
        """One team, or None."""
        with self._lock:
            return self._teams.get(team_id.lower())

    def teams(self) -> list[SandboxTeam]:
        """Every team, in insertion order."""
        with self._lock:
            return list(self._teams.values())

    def snapshot(self) -> OrgData:
        """The whole org as it is now."""
        with self._lock:
            return OrgData(
                users=tuple(self._users.values()),
                teams=tuple(self._teams.values()),
                issues=tuple(self._issues.values()),
                time_specs={k: dict(v) for k, v in self._time_specs.items()},
            )

    # ----------------------------------------------------------------------- writing

    def put_issue(self, issue: SandboxIssue) -> None:
        """Add or replace an issue (for tests and generators)."""
        with self._lock:
            old = self._issues.get(issue.id)
            self._cases += (issue.case is not None) - (old is not None and old.case is not None)
            self._issues[issue.id] = issue
            self._index.put(issue)
            self._time_specs.pop(issue.id, None)
            self._save(issue)

    def set_state(self, issue_id: str, state: State) -> SandboxIssue | None:
        """Move an issue to `state`; None when there is no such issue."""
        with self._lock:
            issue = self._issues.get(issue_id.lower())
            if issue is None:
                return None
            return self._write(issue, replace(issue, state=state))

    def set_assignee(
        self, issue_id: str, user_id: str, *, auto_acknowledge: bool = True
    ) -> SandboxIssue | None:
        """Assign an issue (opening its case if needed); None when there is no such issue.

        Like the real API, assigning an OPEN issue marks it ACKNOWLEDGED when
        `auto_acknowledge` is on; other states are left alone.
        """
        with self._lock:
            issue = self._issues.get(issue_id.lower())
            if issue is None:
                return None
            state = issue.state
            if auto_acknowledge and state is State.OPEN:
                state = State.ACKNOWLEDGED
            case = issue.case or self._new_case(issue)
            updated = replace(issue, assignee_id=user_id.lower(), state=state, case=case)
            return self._write(issue, updated)

    def remove_assignee(self, issue_id: str) -> SandboxIssue | None:
        """Unassign an issue; None when there is no such issue."""
        with self._lock:
            issue = self._issues.get(issue_id.lower())
            if issue is None:
                return None
            return self._write(issue, replace(issue, assignee_id=None))

    def _new_case(self, issue: SandboxIssue) -> SandboxCase:
        stamp = self._clock().isoformat(timespec="microseconds").replace("+00:00", "Z")
        self._cases += 1
        return SandboxCase(
            id=str(uuid.uuid5(_CASE_NAMESPACE, issue.id)),
            key=f"ET-{self._cases}",
            created_at=stamp,
            modified_at=stamp,
        )

    def _write(self, old: SandboxIssue, new: SandboxIssue) -> SandboxIssue:
        # Only state, assignee and case change here, which the index takes in place.
        self._issues[new.id] = new
        self._index.replace(old, new)
        self._save(new)
        return new

    def _save(self, issue: SandboxIssue) -> None:
        if self._database is not None:
            self._database.save_issue(issue, self._time_specs.get(issue.id, {}))

    # ----------------------------------------------------------------------- counters

    def record_request(self, method: str, route: str) -> None:
        """Count one request received for a route template such as `.../{issue_id}/state`."""
        with self._lock:
            self._requests[(method.upper(), route)] += 1

    def request_count(self, method: str | None = None, route: str | None = None) -> int:
        """How many requests were received, optionally for one method and/or route."""
        with self._lock:
            return sum(
                n
                for (m, r), n in self._requests.items()
                if (method is None or m == method.upper()) and (route is None or r == route)
            )

    def request_counts(self) -> dict[str, int]:
        """Requests received so far, keyed "METHOD /route/{template}"."""
        with self._lock:
            return {f"{m} {r}": n for (m, r), n in sorted(self._requests.items())}

    def write_count(self) -> int:
        """How many state or assignee writes were received (search POSTs are reads)."""
        with self._lock:
            return sum(
                n
                for (m, r), n in self._requests.items()
                if m in WRITE_METHODS and r != _SEARCH_ROUTE
            )

    def reset_counts(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._requests.clear()
