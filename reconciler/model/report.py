"""The ownership report (`reconciler report`, CONTRACT 8): values with a JSON-ready form."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reconciler.model.desired import Rule, Source
from reconciler.model.enums import Persona, State
from reconciler.model.plan import Conflict, Held

SCOPE_RULE = "scope"
SCOPE_SOURCE = Source("--scope", 0, 0)


@dataclass(frozen=True)
class Scope:
    """Which issues a report covers: what `query` selects over `window` (shown as given)."""

    query: str
    window: str
    window_s: int

    def rule(self) -> Rule:
        """The scope as a search like any rule's: every persona and state, so an issue the
        config reopens is in it too; it decides nothing."""
        return Rule(
            name=SCOPE_RULE,
            query=self.query,
            from_states=tuple(State),
            window_s=self.window_s,
            grace_s=0,
            source=SCOPE_SOURCE,
            persona=Persona.ALL,
        )


@dataclass(frozen=True)
class Coverage:
    """Owned open and acknowledged issues, by count and weighted by events."""

    owned: int
    total: int
    events_owned: int
    events_total: int

    @property
    def percent(self) -> Decimal:
        """Owned issues in percent of all; 100 when there is nothing to own."""
        if not self.total:
            return Decimal(100)
        return Decimal(self.owned * 100) / Decimal(self.total)

    def below(self, minimum: Decimal) -> bool:
        """Whether the count coverage is below `minimum` percent (exact: no rounding)."""
        return self.owned * 100 < minimum * self.total

    def to_json(self) -> dict[str, int]:
        return {
            "owned": self.owned,
            "total": self.total,
            "events_owned": self.events_owned,
            "events_total": self.events_total,
        }


@dataclass(frozen=True)
class OwnerLoad:
    """One assignee's open and acknowledged issues; `label` is the email when known."""

    assignee: str
    label: str | None
    issues: int
    events: int
    impacted_users: int

    def to_json(self) -> dict[str, Any]:
        return {
            "assignee": self.assignee,
            "label": self.label,
            "issues": self.issues,
            "events": self.events,
            "impacted_users": self.impacted_users,
        }


@dataclass(frozen=True)
class TeamLoad:
    """One owning team's open and acknowledged issues, and how many of them have an assignee."""

    team: str
    name: str | None
    issues: int
    owned: int

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "name": self.name, "issues": self.issues, "owned": self.owned}


@dataclass(frozen=True)
class TopIssue:
    issue_id: str
    error_type: str | None
    events: int

    def to_json(self) -> dict[str, Any]:
        return {"issue_id": self.issue_id, "error_type": self.error_type, "events": self.events}


@dataclass(frozen=True)
class UnownedService:
    """The open and acknowledged issues of one service that nobody will own, heaviest first."""

    service: str | None
    issues: int
    events: int
    impacted_users: int
    top: tuple[TopIssue, ...]

    def to_json(self) -> dict[str, Any]:
        # CONTRACT 8 names exactly these keys; impacted users only order the groups.
        return {
            "service": self.service,
            "issues": self.issues,
            "events": self.events,
            "top": [issue.to_json() for issue in self.top],
        }


@dataclass(frozen=True)
class MissingPin:
    issue_id: str
    source: Source

    def to_json(self) -> dict[str, str]:
        return {"issue_id": self.issue_id, "source": str(self.source)}


@dataclass(frozen=True)
class Report:
    """Ownership as it will be after the config is applied, over the issues in scope;
    rules, pins, held items and conflicts over the whole config."""

    scope: Scope
    issues: int  # every issue in scope, whatever its state
    coverage: Coverage
    owners: tuple[OwnerLoad, ...] = ()
    teams: tuple[TeamLoad, ...] = ()
    unowned: tuple[UnownedService, ...] = ()
    rules_without_matches: tuple[str, ...] = ()
    shadowed_rules: tuple[str, ...] = ()
    missing_pins: tuple[MissingPin, ...] = ()
    held: tuple[Held, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    ui_host: str | None = None  # the web UI host issue links point at

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "scope": {
                "query": self.scope.query,
                "window": self.scope.window,
                "issues": self.issues,
            },
            "coverage": self.coverage.to_json(),
            "owners": [owner.to_json() for owner in self.owners],
            "teams": [team.to_json() for team in self.teams],
            "unowned": [group.to_json() for group in self.unowned],
            "rules_without_matches": list(self.rules_without_matches),
            "shadowed_rules": list(self.shadowed_rules),
            "missing_pins": [pin.to_json() for pin in self.missing_pins],
            "held": [held.to_json() for held in self.held],
            "conflicts": [conflict.to_json() for conflict in self.conflicts],
        }
