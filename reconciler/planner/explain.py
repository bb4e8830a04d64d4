"""Explaining: one issue's decisions and plan, read back rule by rule (CONTRACT 9).

Pure like deciding: it reads the `Decisions` and `Plan` the planner made and adds no
judgement of its own, so what it says is what the plan does.
"""

from __future__ import annotations

from reconciler.model import (
    Decision,
    Decisions,
    Explanation,
    Field,
    Issue,
    Observed,
    Plan,
    Rule,
    RuleVerdict,
)
from reconciler.planner.decide import state_allowed

FIELDS = (Field.STATE, Field.ASSIGNEE)


def explain_issue(
    issue: Issue, decisions: Decisions, observed: Observed, plan: Plan
) -> Explanation:
    """Why `decisions` (and `plan`, made from them) treat `issue` as they do."""
    entry = decisions.issues.get(issue.id)
    found = {field: entry.decision(field) if entry else None for field in FIELDS}
    returned = {m.rule.name: m for m in entry.matches} if entry else {}
    verdicts = []
    for rule in decisions.config.rules:
        match = returned.get(rule.name)
        if match is None:
            verdicts.append(RuleVerdict(rule, False, state_allowed(rule, issue, observed)))
            continue
        verdicts.append(
            RuleVerdict(
                rule,
                True,
                match.state_allowed,
                decides=tuple(
                    f for f, d in found.items() if d is not None and d.decided_by == rule
                ),
                beaten_on=_beaten_on(rule, found) if match.matched else (),
            )
        )
    return Explanation(
        issue=issue,
        now_ms=decisions.now_ms,
        rules=tuple(verdicts),
        pin=entry.pin if entry else None,
        decisions=found,
        changes=tuple(c for c in plan.changes if c.issue_id == issue.id),
        users=_labels(issue, plan),
        ui_host=plan.ui_host,
    )


def _beaten_on(rule: Rule, found: dict[Field, Decision | None]) -> tuple[Field, ...]:
    """The fields the matching rule sets that another rule, or the pin, decides."""
    sets = {Field.STATE: rule.state is not None, Field.ASSIGNEE: rule.assignee is not None}
    return tuple(
        field
        for field, decision in found.items()
        if sets[field] and decision is not None and decision.decided_by != rule
    )


def _labels(issue: Issue, plan: Plan) -> dict[str, str]:
    """The plan's user labels, and the issue's own assignee's when no search returned it."""
    labels = dict(plan.users)
    if issue.assignee_id and issue.assignee_label:
        labels.setdefault(issue.assignee_id, issue.assignee_label)
    return labels
