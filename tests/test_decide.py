"""The planner's decision records (`planner.decide`): what explain and report read."""

from __future__ import annotations

from test_planner import ALICE, BOB, HOUR_MS, NOW, config, issue, pin, rule, uid

from reconciler.model import (
    Config,
    Field,
    Hold,
    HoldReason,
    Issue,
    Observed,
    Regression,
    Rule,
    RuleMatch,
    State,
    User,
)
from reconciler.planner import build_plan, decide, diff, plan_with_decisions


def observed(issues: list[Issue], rules: list[Rule], **kw: object) -> Observed:
    return Observed(
        issues={i.id: i for i in issues},
        selections={r.name: frozenset(i.id for i in issues) for r in rules},
        **kw,  # type: ignore[arg-type]
    )


def test_a_returned_issue_excluded_by_from_states_is_kept_with_its_reason() -> None:
    r = rule("resolve-open", state=State.RESOLVED)
    ignored = issue(1, State.IGNORED)
    decisions = decide(config([r]), observed([ignored], [r]), NOW)
    entry = decisions.issues[uid(1)]
    assert entry.matches == (RuleMatch(r, returned=True, state_allowed=False),)
    assert entry.fields == ()
    assert decisions.in_scope == ()
    assert build_plan(config([r]), observed([ignored], [r]), NOW).issues_in_scope == 0


def test_a_rule_that_did_not_return_an_issue_says_so() -> None:
    a, b = rule("a", state=State.IGNORED), rule("b", state=State.RESOLVED)
    seen = Observed(issues={uid(1): issue(1)}, selections={"a": frozenset({uid(1)})})
    decisions = decide(config([a, b]), seen, NOW)
    assert decisions.match(uid(1), b) == RuleMatch(b, returned=False, state_allowed=True)
    assert decisions.match(uid(1), a).matched


def test_the_winner_and_the_losers_of_a_field_are_recorded() -> None:
    first = rule("first", state=State.IGNORED)
    second = rule("second", state=State.RESOLVED)
    same = rule("same", state=State.IGNORED)
    decisions = decide(
        config([first, second, same]), observed([issue(1)], [first, second, same]), NOW
    )
    state = decisions.issues[uid(1)].decision(Field.STATE)
    assert state is not None
    assert (state.decided_by, state.wanted, state.losers) == (first, "IGNORED", ("second",))


def test_a_grace_hold_carries_its_numbers() -> None:
    r = rule("resolve", state=State.RESOLVED)
    recent = issue(1, last_seen=NOW - HOUR_MS // 2)
    decisions = decide(config([r]), observed([recent], [r]), NOW)
    state = decisions.issues[uid(1)].decision(Field.STATE)
    assert state is not None
    assert state.held == Hold(
        HoldReason.GRACE, now_ms=NOW, grace_s=3_600, last_seen_ms=NOW - HOUR_MS // 2
    )


def test_a_regression_hold_carries_when_it_regressed() -> None:
    r = rule("resolve", state=State.RESOLVED)
    regression = Regression("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    regressed = issue(1, regression=regression)
    decisions = decide(config([r]), observed([regressed], [r]), NOW)
    state = decisions.issues[uid(1)].decision(Field.STATE)
    assert state is not None and state.held is not None
    assert (state.held.reason, state.held.regressed_at) == (
        HoldReason.REGRESSED,
        "2026-01-02T00:00:00Z",
    )


def test_keep_state_is_decided_with_the_assignee() -> None:
    p = pin(1, state=State.OPEN, assignee=ALICE)
    decisions = decide(config([], [p]), observed([issue(1)], []), NOW)
    assignee = decisions.issues[uid(1)].decision(Field.ASSIGNEE)
    assert assignee is not None
    assert (assignee.decided_by, assignee.keep_state) == (p, State.OPEN)


def test_users_are_resolved_through_observed_not_the_config() -> None:
    r = rule("own", assignee="bob@example.com")
    cfg = config([r])
    seen = observed([issue(1)], [r], users={"bob@example.com": User(BOB, email="bob@example.com")})
    plan = build_plan(cfg, seen, NOW)
    assert [(c.after, c.rule) for c in plan.changes] == [(BOB, "own")]
    assert plan.users == {BOB: "bob@example.com"}
    assert cfg.rules[0].assignee is not None and cfg.rules[0].assignee.user == "bob@example.com"


def test_diff_of_the_decisions_is_the_plan() -> None:
    r = rule("ignore", state=State.IGNORED)
    cfg: Config = config([r])
    seen = observed([issue(1), issue(2)], [r], api_url="https://api.example", ui_host="app.example")
    plan, decisions = plan_with_decisions(cfg, seen, NOW)
    assert plan == diff(decide(cfg, seen, NOW), seen) == build_plan(cfg, seen, NOW)
    assert set(decisions.issues) == {uid(1), uid(2)}
    assert (plan.api_url, plan.ui_host, plan.generated_at) == (
        "https://api.example",
        "app.example",
        "2026-09-21T14:13:20Z",
    )
