"""The text explanation of one issue: the issue, every rule in order, the pin, who decides
each field and what holds it, then the changes or `No change.`"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.model import (
    AssignPolicy,
    Decision,
    Explanation,
    Field,
    Hold,
    HoldReason,
    Pin,
    Rule,
    RuleVerdict,
    State,
)
from reconciler.render.common import clean, issue_description, value_label
from reconciler.render.explain_json import iso_utc, user_id

NO_CHANGE = "No change."


def render_explain_text(explanation: Explanation) -> str:
    """The explanation for a terminal, one section per question it answers."""
    issue = explanation.issue
    users = explanation.users
    head = [f"issue {issue.id}"]
    description = issue_description(issue.summary())
    if description:
        head.append(f"  {description}")
    assignee = value_label(Field.ASSIGNEE, user_id(issue.assignee_id), users)
    head.append(f"  now: state {issue.state.value}, assignee {assignee}")
    rules = ["Rules, in order:"]
    deciders = {
        field: _by(decision) for field, decision in explanation.decisions.items() if decision
    }
    for verdict in explanation.rules:
        rules.extend(_rule(verdict, issue.state, deciders))
    if not explanation.rules:
        rules.append("  (the config has no rules)")
    pin = [_pin(explanation.pin)]
    fields = ["Decided:"]
    for field in (Field.STATE, Field.ASSIGNEE):
        decision = explanation.decisions.get(field)
        fields.extend(_field(field, decision, users, issue.assignee_id is not None))
    result = ["Result:"]
    for change in explanation.changes:
        before = value_label(change.field, change.before, users)
        after = value_label(change.field, change.after, users)
        result.append(f"  ~ {change.field.value}: {before} -> {after}")
    if not explanation.changes:
        result.append(f"  {NO_CHANGE}")
    sections = (head, rules, pin, fields, result)
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def _rule(verdict: RuleVerdict, state: State, deciders: Mapping[Field, str]) -> list[str]:
    rule = verdict.rule
    lines = [f"  {rule.name} ({rule.source.file_line})"]
    allowed = ", ".join(s.value for s in rule.from_states)
    if not verdict.returned:
        # The search asks only for from_states, so the query alone cannot be blamed.
        excluded = f" (it searches only from_states [{allowed}]; the issue is {state.value})"
        lines.append(f"    search did not return it{'' if verdict.state_allowed else excluded}")
        return lines
    if not verdict.state_allowed:
        lines.append(f"    search returned it; from_states [{allowed}] exclude {state.value}")
        return lines
    lines.append(f"    search returned it; from_states allow {state.value}: it matches")
    if verdict.decides:
        lines.append(f"    decides {', '.join(f.value for f in verdict.decides)}")
    for field in verdict.beaten_on:
        lines.append(f"    beaten on {field.value} by {deciders.get(field, 'another')}")
    return lines


def _by(decision: Decision) -> str:
    owner = decision.decided_by
    return f"rule {owner.name}" if isinstance(owner, Rule) else "the pin"


def _pin(pin: Pin | None) -> str:
    if pin is None:
        return "Pin: none"
    managed = ((Field.STATE, pin.state), (Field.ASSIGNEE, pin.assignee))
    sets = " and ".join(field.value for field, value in managed if value is not None)
    note = f" ({clean(pin.note)})" if pin.note else ""
    return f"Pin: at {pin.source.file_line}, sets {sets}{note}"


def _field(
    field: Field, decision: Decision | None, users: Mapping[str, str], assigned: bool
) -> list[str]:
    if decision is None:
        return [f"  {field.value}: no matching rule or pin decides it"]
    owner = decision.decided_by
    wanted = value_label(field, decision.wanted, users)
    by = _by(decision)
    lines = [f"  {field.value}: {wanted}, decided by {by} at {owner.source.file_line}"]
    if (
        field is Field.ASSIGNEE
        and isinstance(owner, Rule)
        and owner.assign is AssignPolicy.IF_UNASSIGNED
        and assigned
    ):
        lines.append("    keeps the current assignee (assign: if_unassigned)")
    if decision.losers:
        names = ", ".join(decision.losers)
        lines.append(f"    conflict: it beats {names}, which name another value")
    if decision.held is not None:
        lines.append(f"    held: {_hold(decision.held)}")
    if decision.keep_state is not None:
        lines.append(f"    keeps state {decision.keep_state.value} if assigning moves it")
    return lines


def _hold(hold: Hold) -> str:
    if hold.reason is HoldReason.REGRESSED:
        when = f" at {hold.regressed_at}" if hold.regressed_at else ""
        return f"regressed (it came back{when}; resolve_regressions is false)"
    grace = _duration(hold.grace_s)
    if hold.last_seen_ms is None or "last_seen" in hold.unreadable:
        return f"grace (last seen unreadable, so taken as within grace {grace})"
    ago = _duration((hold.now_ms - hold.last_seen_ms) // 1000)
    return f"grace (last seen {ago} ago at {iso_utc(hold.last_seen_ms)}, within grace {grace})"


def _duration(seconds: int) -> str:
    """At most two units, largest first: 300 -> 5m, 5400 -> 1h30m, 90061 -> 1d1h."""
    parts: list[str] = []
    rest = max(seconds, 0)
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if rest >= size or (unit == "s" and not parts):
            parts.append(f"{rest // size}{unit}")
            rest %= size
        if len(parts) == 2:
            break
    return "".join(parts)
