"""The org a data file describes, as the store loads it and saves it again.

Besides the users, teams and issues, it keeps each issue's time expressions as
written, so that saving the org again keeps relative offsets relative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.sandbox.data.times import TimeSpec
from reconciler.sandbox.records import SandboxIssue, SandboxTeam, SandboxUser


@dataclass(frozen=True)
class OrgData:
    """Everything a data file describes, plus the time expressions it was written with."""

    users: tuple[SandboxUser, ...] = ()
    teams: tuple[SandboxTeam, ...] = ()
    issues: tuple[SandboxIssue, ...] = ()
    # issue id -> field ("first_seen", "regression.resolved_at", ...) -> spec as written
    time_specs: Mapping[str, Mapping[str, TimeSpec]] = field(default_factory=dict)
