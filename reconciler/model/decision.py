"""What the planner decided, and why, before any diff: the records `explain` and
`report` read.

Per issue, an `IssueDecision` lists every rule whose search returned the issue (a
`RuleMatch`, with whether its `from_states` let it in), the pin, and one `Decision`
per managed field: the value wanted, the rule or pin that decided it, the rules it
won over, the `Hold` that keeps a RESOLVED back, and the state an assignee write
must keep. `Decisions` holds them all with the config and the time they were made at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from reconciler.model.desired import Config, Pin, Rule, Source
from reconciler.model.enums import Field, HoldReason, State


@dataclass(frozen=True)
class RuleMatch:
    """One rule's verdict on one issue: did its search return it, and did its
    `from_states` allow the issue's state. Only both make the rule match (CONTRACT 4.1)."""

    rule: Rule
    returned: bool
    state_allowed: bool

    @property
    def matched(self) -> bool:
        return self.returned and self.state_allowed


@dataclass(frozen=True)
class Hold:
    """Why a wanted RESOLVED is held back (CONTRACT 4.4), with the numbers that decided it.

    `last_seen_ms` against `grace_s` at `now_ms` for a grace hold (`last_seen` is in
    `unreadable` when the API sent one the tool could not read); `regressed_at` for a
    regression hold when the decider does not set `resolve_regressions`.
    """

    reason: HoldReason
    now_ms: int
    grace_s: int
    last_seen_ms: int | None = None
    regressed_at: str | None = None
    unreadable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    """Who decides one field of one issue, the value wanted there, and what it beat.

    `losers` are the later matching rules that named another value (a conflict when
    not empty); `held` is set when the guards keep the value from being written;
    `keep_state` (assignee only) is the state an assignee write must not move
    (CONTRACT 4.6).
    """

    issue_id: str
    field: Field
    wanted: str | None
    decided_by: Rule | Pin
    losers: tuple[str, ...] = ()
    held: Hold | None = None
    keep_state: State | None = None

    @property
    def rule(self) -> str | None:
        """The deciding rule's name, None when a pin decides."""
        return self.decided_by.name if isinstance(self.decided_by, Rule) else None

    @property
    def source(self) -> Source:
        return self.decided_by.source

    @property
    def note(self) -> str | None:
        return self.decided_by.note if isinstance(self.decided_by, Pin) else None


@dataclass(frozen=True)
class IssueDecision:
    """Everything decided about one issue in scope."""

    issue_id: str
    state: State  # as observed when deciding
    matches: tuple[RuleMatch, ...]  # every rule whose search returned it, config order
    pin: Pin | None
    fields: tuple[Decision, ...]  # state first, then assignee; only decided fields

    def decision(self, field: Field) -> Decision | None:
        return next((d for d in self.fields if d.field is field), None)

    @property
    def matched_rules(self) -> tuple[Rule, ...]:
        return tuple(m.rule for m in self.matches if m.matched)

    @property
    def matched(self) -> bool:
        """Whether any rule matched the issue (CONTRACT 4.1)."""
        # A plain loop, not any(): a plan asks this of every issue of the org.
        for match in self.matches:  # noqa: SIM110
            if match.returned and match.state_allowed:
                return True
        return False


@dataclass(frozen=True)
class Decisions:
    """The planner's decisions for one config at one instant, keyed by issue id.

    Every observed issue a search returned or a pin names has an entry: one that every
    returning rule's `from_states` excluded is kept, its matches saying so, with no
    field decided and out of `in_scope`.
    """

    config: Config
    now_ms: int
    issues: Mapping[str, IssueDecision] = field(default_factory=dict)

    def match(self, issue_id: str, rule: Rule) -> RuleMatch:
        """The rule's verdict on the issue, `returned=False` when its search did not
        return it."""
        entry = self.issues.get(issue_id)
        if entry is None:
            return RuleMatch(rule, returned=False, state_allowed=False)
        found = next((m for m in entry.matches if m.rule == rule), None)
        return found or RuleMatch(rule, False, entry.state in rule.from_states)

    @cached_property
    def in_scope(self) -> tuple[IssueDecision, ...]:
        """The issues a rule matched or a pin names (CONTRACT 4.1), sorted by id."""
        issues = self.issues
        return tuple(
            entry
            for entry in map(issues.__getitem__, sorted(issues))
            if entry.pin is not None or entry.matched
        )
