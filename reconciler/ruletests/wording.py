"""How a failed rule test says why the sample got what it got: the rule or pin that
decided the field (`rule 'web' at FILE:LINE`, `pin at FILE:LINE`), the guard or policy
that kept the value, or that nothing decides it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.model import (
    AssignPolicy,
    Config,
    ConfigTest,
    Decision,
    Field,
    HoldReason,
    Issue,
    Rule,
    State,
)
from reconciler.ruletests.samples import offline_id, returns

if TYPE_CHECKING:
    from reconciler.ruletests import Outcome


def labels(config: Config) -> dict[str, str]:
    """Offline user id -> the first alias of `users:` that names it."""
    names: dict[str, str] = {}
    for alias, reference in config.users.items():
        names.setdefault(offline_id(reference), alias)
    return names


def who(decision: Decision) -> str:
    """`rule 'web' at FILE:LINE`, or `pin at FILE:LINE`."""
    owner = decision.decided_by
    where = owner.source.file_line
    return f"rule {owner.name!r} at {where}" if isinstance(owner, Rule) else f"pin at {where}"


def because(config: Config, test: ConfigTest, outcome: Outcome, issue: Issue, field: Field) -> str:
    """Why the sample is left with what it got for `field`."""
    entry = outcome.entry
    decision = entry.decision(field) if entry is not None else None
    if decision is not None:
        return who(decision) + _kept(decision, issue, field)
    if field is Field.STATE and outcome.state is not issue.state:
        # No state is decided, yet it moved: the assignment did it.
        assigner = entry.decision(Field.ASSIGNEE) if entry is not None else None
        if assigner is not None:
            return f"{who(assigner)} assigns it, and assigning marks an OPEN issue ACKNOWLEDGED"
    if entry is None:
        return _nothing_matches(config, test, issue)
    return f"no matching rule or pin sets {field.value}"


def _kept(decision: Decision, issue: Issue, field: Field) -> str:
    """What kept the decided value from being written, if anything did."""
    hold = decision.held
    if hold is not None:
        if hold.reason is HoldReason.REGRESSED:
            return ", held: it regressed and resolve_regressions is false"
        if hold.last_seen_ms is None or "last_seen" in hold.unreadable:
            return ", held: its last_seen is unknown"
        ago = (hold.now_ms - hold.last_seen_ms) // 1000
        return f", held: last seen {_duration(ago)} ago, within grace {_duration(hold.grace_s)}"
    owner = decision.decided_by
    if (
        field is Field.ASSIGNEE
        and isinstance(owner, Rule)
        and owner.assign is AssignPolicy.IF_UNASSIGNED
        and issue.assignee_id is not None
    ):
        return ", which keeps the current assignee: assign is if_unassigned"
    return ""


def _nothing_matches(config: Config, test: ConfigTest, issue: Issue) -> str:
    """No rule matches: say which searches return the sample but exclude its state."""
    excluded = [
        rule.name
        for rule in config.rules
        if returns(rule, test.issue) and issue.state not in rule.from_states
    ]
    if not excluded:
        return "no rule matches"
    names = ", ".join(repr(name) for name in excluded)
    return f"no rule matches; from_states of {names} exclude {State(issue.state).value}"


def _duration(seconds: int) -> str:
    """The largest unit that divides the seconds exactly: 300 -> 5m, 3600 -> 1h."""
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
