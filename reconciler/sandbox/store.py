"""The sandbox's thread-safe in-memory org, with request counters and optional persistence."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from reconciler.model import State
from reconciler.sandbox.data import (
    OrgData,
    TimeSpec,
    load_data,
    org_to_dict,
    write_json_atomically,
)
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
        persist_to: Path | None = None,
        time_specs: dict[str, dict[str, TimeSpec]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._lock = threading.RLock()
        self._users = {u.id: u for u in users}
        self._teams = {t.id: t for t in teams}
        self._issues = {i.id: i for i in issues}
        self._time_specs = {k: dict(v) for k, v in (time_specs or {}).items()}
        self._persist_to = persist_to
        self._clock = clock
        self._requests: Counter[tuple[str, str]] = Counter()

    @classmethod
    def from_org(cls, org: OrgData, *, persist_to: Path | None = None) -> Store:
        """A store holding a loaded org; saves to `persist_to` after every change if given."""
        return cls(
            org.users,
            org.teams,
            org.issues,
            persist_to=persist_to,
            time_specs={k: dict(v) for k, v in org.time_specs.items()},
        )

    @classmethod
    def from_file(cls, path: Path, *, persist: bool = False) -> Store:
        """A store loaded from a data file; raises SandboxDataError."""
        return cls.from_org(load_data(path), persist_to=path if persist else None)

    # ----------------------------------------------------------------------- reading

    def issues(self) -> list[SandboxIssue]:
        """Every issue, in insertion order."""
        with self._lock:
            return list(self._issues.values())

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
            self._issues[issue.id] = issue
            self._time_specs.pop(issue.id, None)
            self._save()

    def set_state(self, issue_id: str, state: State) -> SandboxIssue | None:
        """Move an issue to `state`; None when there is no such issue."""
        with self._lock:
            issue = self._issues.get(issue_id.lower())
            if issue is None:
                return None
            updated = replace(issue, state=state)
            self._issues[issue.id] = updated
            self._save()
            return updated

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
            self._issues[issue.id] = updated
            self._save()
            return updated

    def remove_assignee(self, issue_id: str) -> SandboxIssue | None:
        """Unassign an issue; None when there is no such issue."""
        with self._lock:
            issue = self._issues.get(issue_id.lower())
            if issue is None:
                return None
            updated = replace(issue, assignee_id=None)
            self._issues[issue.id] = updated
            self._save()
            return updated

    def _new_case(self, issue: SandboxIssue) -> SandboxCase:
        stamp = self._clock().isoformat(timespec="microseconds").replace("+00:00", "Z")
        number = 1 + sum(1 for i in self._issues.values() if i.case is not None)
        return SandboxCase(
            id=str(uuid.uuid5(_CASE_NAMESPACE, issue.id)),
            key=f"ET-{number}",
            created_at=stamp,
            modified_at=stamp,
        )

    def _save(self) -> None:
        if self._persist_to is not None:
            write_json_atomically(self._persist_to, org_to_dict(self.snapshot()))

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
