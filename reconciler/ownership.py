"""Ownership as it will be after apply: the `report` and what `plan --base` adds. Pure.

An issue's state and assignee after apply are its observed values with the plan's
changes on top, and the side effect the API adds (assigning an OPEN issue marks it
ACKNOWLEDGED, CONTRACT 4.6); held values are not changes, so they stay as observed.
Reading the plan rather than re-deciding keeps the report and the plan in agreement
by construction: an issue is reported unowned exactly when no change assigns it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler.model import (
    Coverage,
    Decisions,
    Field,
    Issue,
    MissingPin,
    Move,
    Observed,
    Owned,
    OwnerLoad,
    OwnershipDelta,
    Plan,
    Report,
    Scope,
    State,
    TeamLoad,
    TopIssue,
    UnownedService,
)
from reconciler.planner.decide import live_user

LIVE = frozenset({State.OPEN, State.ACKNOWLEDGED})
TOP_ISSUES = 3  # the heaviest unowned issues shown per service


@dataclass(frozen=True)
class After:
    """One issue's state and assignee once the plan is applied."""

    state: State
    assignee: str | None

    @property
    def live(self) -> bool:
        return self.state in LIVE


def after_apply(observed: Observed, plan: Plan, issue_ids: Iterable[str]) -> dict[str, After]:
    """State and assignee after applying `plan` (made without targets) for each issue."""
    changes = {(c.issue_id, c.field): c for c in plan.changes}
    result: dict[str, After] = {}
    for issue_id in issue_ids:
        issue = observed.issues[issue_id]
        assignee = live_user(issue.assignee_id)
        state = issue.state
        assigning = changes.get((issue_id, Field.ASSIGNEE))
        if assigning is not None:
            assignee = assigning.after
            if assignee is not None and state is State.OPEN:
                state = assigning.keep_state or State.ACKNOWLEDGED
        setting = changes.get((issue_id, Field.STATE))
        if setting is not None and setting.after is not None:
            state = State(setting.after)
        result[issue_id] = After(state, assignee)
    return result


def build_report(
    scope: Scope,
    scope_ids: Iterable[str],
    plan: Plan,
    decisions: Decisions,
    observed: Observed,
) -> Report:
    """The ownership report over the issues in `scope_ids`, for the config `decisions`
    was made for and its untargeted `plan`."""
    ids = sorted(set(scope_ids) & set(observed.issues))
    after = after_apply(observed, plan, ids)
    live = [observed.issues[i] for i in ids if after[i].live]
    owned = [issue for issue in live if after[issue.id].assignee is not None]
    unowned = [issue for issue in live if after[issue.id].assignee is None]
    return Report(
        scope=scope,
        issues=len(ids),
        coverage=Coverage(len(owned), len(live), _events(owned), _events(live)),
        owners=_owners(owned, after, observed.labels()),
        teams=_teams(live, after, observed.team_labels()),
        unowned=_unowned(unowned),
        rules_without_matches=_without_matches(decisions),
        shadowed_rules=_shadowed(decisions),
        missing_pins=tuple(MissingPin(p.issue_id, p.source) for p in observed.missing_pins),
        held=plan.held,
        conflicts=plan.conflicts,
        ui_host=observed.ui_host,
    )


def ownership_delta(
    observed: Observed, head: tuple[Plan, Decisions], base: tuple[Plan, Decisions]
) -> OwnershipDelta:
    """What going from the base config to this one does to ownership (CONTRACT 6): over
    the issues open or acknowledged now that either config selects, how many are owned
    after applying each; and every selected issue whose assignee after apply differs."""
    head_plan, head_decisions = head
    base_plan, base_decisions = base
    ids = sorted(
        {entry.issue_id for entry in head_decisions.in_scope}
        | {entry.issue_id for entry in base_decisions.in_scope}
    )
    after_head = after_apply(observed, head_plan, ids)
    after_base = after_apply(observed, base_plan, ids)
    live = [i for i in ids if observed.issues[i].state in LIVE]
    moves = tuple(
        Move(i, after_base[i].assignee, after_head[i].assignee)
        for i in ids
        if after_base[i].assignee != after_head[i].assignee
    )
    return OwnershipDelta(
        before=Owned(sum(after_base[i].assignee is not None for i in live), len(live)),
        after=Owned(sum(after_head[i].assignee is not None for i in live), len(live)),
        moves=moves,
        newly_unowned=tuple(
            i for i in live if after_base[i].assignee is not None and after_head[i].assignee is None
        ),
    )


def _events(issues: Iterable[Issue]) -> int:
    return sum(issue.total_count or 0 for issue in issues)


def _owners(
    owned: Iterable[Issue], after: Mapping[str, After], labels: Mapping[str, str]
) -> tuple[OwnerLoad, ...]:
    by_owner: dict[str, list[Issue]] = {}
    for issue in owned:
        by_owner.setdefault(str(after[issue.id].assignee), []).append(issue)
    loads = [
        OwnerLoad(
            user,
            labels.get(user),
            len(issues),
            _events(issues),
            sum(issue.impacted_users or 0 for issue in issues),
        )
        for user, issues in by_owner.items()
    ]
    return tuple(
        sorted(
            loads, key=lambda o: (-o.events, -o.impacted_users, -o.issues, o.label or o.assignee)
        )
    )


def _teams(
    live: Iterable[Issue], after: Mapping[str, After], names: Mapping[str, str]
) -> tuple[TeamLoad, ...]:
    issues: Counter[str] = Counter()
    owned: Counter[str] = Counter()
    for issue in live:
        for team in dict.fromkeys(issue.team_ids):
            issues[team] += 1
            owned[team] += after[issue.id].assignee is not None
    loads = [TeamLoad(team, names.get(team), issues[team], owned[team]) for team in issues]
    return tuple(sorted(loads, key=lambda t: (-t.issues, -t.owned, t.name or "", t.team)))


def _unowned(unowned: Iterable[Issue]) -> tuple[UnownedService, ...]:
    by_service: dict[str | None, list[Issue]] = {}
    for issue in unowned:
        by_service.setdefault(issue.service, []).append(issue)
    groups = []
    for service, issues in by_service.items():
        heaviest = sorted(issues, key=lambda i: (-(i.total_count or 0), i.id))[:TOP_ISSUES]
        groups.append(
            UnownedService(
                service,
                len(issues),
                _events(issues),
                sum(issue.impacted_users or 0 for issue in issues),
                tuple(TopIssue(i.id, i.error_type, i.total_count or 0) for i in heaviest),
            )
        )
    return tuple(
        sorted(groups, key=lambda g: (-g.events, -g.impacted_users, -g.issues, g.service or ""))
    )


def _matched(decisions: Decisions) -> Counter[str]:
    return Counter(rule.name for entry in decisions.issues.values() for rule in entry.matched_rules)


def _without_matches(decisions: Decisions) -> tuple[str, ...]:
    """The rules that matched no issue (config order)."""
    matched = _matched(decisions)
    return tuple(rule.name for rule in decisions.config.rules if not matched[rule.name])


def _shadowed(decisions: Decisions) -> tuple[str, ...]:
    """The rules that matched issues but decided no field of any: earlier rules or pins
    decide every field they set (config order)."""
    matched = _matched(decisions)
    deciding = {d.rule for entry in decisions.issues.values() for d in entry.fields}
    return tuple(
        rule.name
        for rule in decisions.config.rules
        if matched[rule.name] and rule.name not in deciding
    )
