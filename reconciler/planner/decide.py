"""Deciding: who sets each managed field of each issue, to what, and what holds it back
(CONTRACT 4.1 - 4.4, 4.6). Pure: config + observed + now -> `Decisions`."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from reconciler.model import (
    AssignPolicy,
    Config,
    Decision,
    Decisions,
    Field,
    Hold,
    HoldReason,
    Issue,
    IssueDecision,
    Observed,
    Pin,
    Rule,
    RuleMatch,
    State,
    is_uuid,
)


def decide(config: Config, observed: Observed, now_ms: int) -> Decisions:
    """Every decision the config makes about the observed issues at `now_ms`.

    Raises UserLookupError when a rule or pin names a user `observed` did not look up.
    """
    pins = {pin.issue_id.lower(): pin for pin in config.pins}
    returned: dict[str, list[Rule]] = {}
    for rule in config.rules:
        for issue_id in observed.selections.get(rule.name, frozenset()):
            returned.setdefault(issue_id, []).append(rule)
    known = observed.issues
    users = _RuleUsers(observed)
    # RuleMatch is a value: one instance per (rule, verdict) serves every issue.
    verdicts: dict[tuple[int, bool], RuleMatch] = {}
    issues: dict[str, IssueDecision] = {}
    for issue_id in sorted((returned.keys() | pins.keys()) & known.keys()):
        issue = known[issue_id]
        matches = []
        matched = []
        for rule in returned.get(issue_id, ()):
            allowed = issue.state in rule.from_states or _state_allowed(rule, issue, users)
            match = verdicts.get((id(rule), allowed))
            if match is None:
                match = verdicts[id(rule), allowed] = RuleMatch(rule, True, allowed)
            matches.append(match)
            if allowed:
                matched.append(rule)
        pin = pins.get(issue_id)
        fields = _decide_issue(issue, pin, matched, users, now_ms) if pin or matched else ()
        issues[issue_id] = IssueDecision(issue_id, issue.state, tuple(matches), pin, fields)
    return Decisions(config=config, now_ms=now_ms, issues=issues)


class _RuleUsers:
    """The user id each rule's assignee names, looked up once per rule when first needed
    (a rule that matches nothing never raises for its user)."""

    def __init__(self, observed: Observed) -> None:
        self.observed = observed
        self._named: dict[int, tuple[Rule, str | None]] = {}

    def named(self, rule: Rule) -> str | None:
        found = self._named.get(id(rule))
        if found is None:
            # The rule is kept beside its user so its id is not reused while cached.
            found = self._named[id(rule)] = (rule, _named_user(rule, self.observed))
        return found[1]


def state_allowed(rule: Rule, issue: Issue, observed: Observed) -> bool:
    """Whether the rule's `from_states` let the issue in (CONTRACT 4.1), counting an
    ACKNOWLEDGED issue assigned to exactly the rule's assignee as OPEN for a rule that
    finishes its own assignment: that is the state the tool's own assignment leaves
    when a run stops between the assignee and the state write (CONTRACT 4.6). A person
    who acknowledged such an issue by hand is treated alike."""
    return _state_allowed(rule, issue, _RuleUsers(observed))


def _state_allowed(rule: Rule, issue: Issue, users: _RuleUsers) -> bool:
    if issue.state in rule.from_states:
        return True
    if not rule.finishes_own_assignment or issue.state is not State.ACKNOWLEDGED:
        return False
    named = users.named(rule)
    return named is not None and live_user(issue.assignee_id) == named.lower()


def _decide_issue(
    issue: Issue, pin: Pin | None, rules: Sequence[Rule], users: _RuleUsers, now_ms: int
) -> tuple[Decision, ...]:
    state = _decide_state(issue, pin, rules, now_ms)
    assignee = _decide_assignee(issue, pin, rules, users)
    if assignee is None:
        return () if state is None else (state,)
    if state is None:
        return (assignee,)
    # Only an explicit, unheld wish for the current state is defended against
    # the OPEN -> ACKNOWLEDGED side effect of assigning (CONTRACT 4.6).
    if state.held is None and state.wanted == issue.state:
        assignee = Decision(
            assignee.issue_id,
            assignee.field,
            assignee.wanted,
            assignee.decided_by,
            assignee.losers,
            keep_state=issue.state,
        )
    return (state, assignee)


def _decide_state(
    issue: Issue, pin: Pin | None, rules: Sequence[Rule], now_ms: int
) -> Decision | None:
    wanted: State | None
    owner: Rule | Pin
    losers: tuple[str, ...] = ()
    if pin is not None and pin.state is not None:
        wanted, owner = pin.state, pin
    else:
        deciders = [rule for rule in rules if rule.state is not None]
        if not deciders:
            return None
        winner = deciders[0]
        wanted, owner = winner.state, winner
        if len(deciders) > 1:
            losers = tuple(rule.name for rule in deciders[1:] if rule.state != winner.state)
    held = _hold(issue, owner, now_ms) if wanted is State.RESOLVED else None
    return Decision(issue.id, Field.STATE, wanted.value if wanted else None, owner, losers, held)


def _decide_assignee(
    issue: Issue, pin: Pin | None, rules: Sequence[Rule], users: _RuleUsers
) -> Decision | None:
    if pin is not None and pin.assignee is not None:
        wanted = _user_id(pin.assignee.user, users.observed)
        return Decision(issue.id, Field.ASSIGNEE, wanted, pin)
    deciders = [rule for rule in rules if rule.assignee is not None]
    if not deciders:
        return None
    winner = deciders[0]
    # Conflicts compare the users the rules name, whatever their policies make of them.
    named = users.named(winner)
    losers: tuple[str, ...] = ()
    if len(deciders) > 1:
        losers = tuple(rule.name for rule in deciders[1:] if users.named(rule) != named)
    current = live_user(issue.assignee_id)
    # `if_unassigned` decides "keep" on an assigned issue (CONTRACT 4.3).
    keeps = winner.assign is AssignPolicy.IF_UNASSIGNED and current is not None
    return Decision(issue.id, Field.ASSIGNEE, current if keeps else named, winner, losers)


def _named_user(rule: Rule, observed: Observed) -> str | None:
    return _user_id(rule.assignee.user, observed) if rule.assignee is not None else None


def _user_id(reference: str | None, observed: Observed) -> str | None:
    return None if reference is None else observed.user_id(reference)


@functools.lru_cache(maxsize=4096)  # an org has few assignees, and issues repeat them
def live_user(user_id: str | None) -> str | None:
    """An assignee id as the API reports it, UUIDs lowercased as the config's are."""
    return user_id.lower() if user_id is not None and is_uuid(user_id) else user_id


def _hold(issue: Issue, owner: Rule | Pin, now_ms: int) -> Hold | None:
    """Why a wanted RESOLVED must not be written yet (CONTRACT 4.4), if it must not."""
    if issue.state is State.RESOLVED:
        return None
    unreadable = issue.unreadable & {"last_seen", "regression"}
    last_seen = issue.last_seen
    regressed_at = issue.regression.regressed_at if issue.regression else None

    def hold(reason: HoldReason) -> Hold:
        return Hold(reason, now_ms, owner.grace_s, last_seen, regressed_at, unreadable)

    # An unreadable last_seen counts as still firing, never as absent.
    if "last_seen" in unreadable:
        return hold(HoldReason.GRACE)
    if last_seen is not None and now_ms - last_seen < owner.grace_s * 1000:
        return hold(HoldReason.GRACE)
    regressed = issue.regression is not None or "regression" in unreadable
    if regressed and not owner.resolve_regressions:
        return hold(HoldReason.REGRESSED)
    return None
