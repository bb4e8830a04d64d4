from __future__ import annotations

from collections.abc import Iterable, Mapping

import pytest

from reconciler.errors import ReconcilerError, UnknownTargetError
from reconciler.model import (
    DEFAULT_FROM_STATES,
    Assignee,
    AssignPolicy,
    Config,
    Conflict,
    Field,
    HoldReason,
    Issue,
    Observed,
    Pin,
    Plan,
    Regression,
    Rule,
    Source,
    State,
)
from reconciler.planner import build_plan, check_targets

NOW = 1_790_000_000_000
HOUR_MS = 3_600_000
ALICE = "aaaaaaaa-0000-4000-8000-000000000001"
BOB = "bbbbbbbb-0000-4000-8000-000000000002"
CAROL = "cccccccc-0000-4000-8000-000000000003"
_UNSET: tuple[State, ...] = ("unset",)  # type: ignore[assignment]


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def issue(n: int = 1, state: State = State.OPEN, **kw: object) -> Issue:
    kw.setdefault("last_seen", NOW - 24 * HOUR_MS)
    return Issue(id=uid(n), state=state, service="payments", **kw)  # type: ignore[arg-type]


def rule(
    name: str,
    *,
    state: State | None = None,
    assignee: str | bool | None = False,
    assign: AssignPolicy = AssignPolicy.IF_UNASSIGNED,
    from_states: tuple[State, ...] = _UNSET,
    line: int = 10,
    resolve_regressions: bool = False,
) -> Rule:
    return Rule(
        name=name,
        query="service:payments",
        from_states=DEFAULT_FROM_STATES[state] if from_states is _UNSET else from_states,
        window_s=30 * 86_400,
        grace_s=3_600,
        source=Source("triage.yaml", line, 5),
        state=state,
        assignee=None if assignee is False else Assignee(assignee),  # type: ignore[arg-type]
        assign=assign,
        resolve_regressions=resolve_regressions,
    )


def pin(
    n: int,
    *,
    state: State | None = None,
    assignee: str | bool | None = False,
    note: str | None = None,
    resolve_regressions: bool = False,
) -> Pin:
    return Pin(
        issue_id=uid(n),
        source=Source("triage.yaml", 40 + n, 3),
        grace_s=3_600,
        state=state,
        assignee=None if assignee is False else Assignee(assignee),  # type: ignore[arg-type]
        note=note,
        resolve_regressions=resolve_regressions,
    )


def config(rules: Iterable[Rule] = (), pins: Iterable[Pin] = ()) -> Config:
    return Config(rules=tuple(rules), pins=tuple(pins), max_changes=25, digest="sha256:cfg")


def plan_for(
    issues: Iterable[Issue],
    rules: Iterable[Rule] = (),
    pins: Iterable[Pin] = (),
    *,
    targets: Iterable[str] = (),
    selections: Mapping[str, Iterable[int]] | None = None,
) -> Plan:
    """Plan with every rule's search returning every issue unless `selections` says otherwise."""
    issues = list(issues)
    rules = list(rules)
    chosen = selections or {r.name: [int(i.id[-12:]) for i in issues] for r in rules}
    observed = Observed(
        issues={i.id: i for i in issues},
        selections={name: frozenset(uid(n) for n in ns) for name, ns in chosen.items()},
    )
    return build_plan(config(rules, pins), observed, NOW, targets=tuple(targets))


def rows(plan: Plan) -> list[tuple[str, str, str | None, str | None, str | None]]:
    return [(c.issue_id[-1:], c.field.value, c.before, c.after, c.rule) for c in plan.changes]


# --------------------------------------------------------------------------- 4.1 matching


ALL_STATES = list(State)


@pytest.mark.parametrize(
    ("target", "matching"),
    [
        (State.RESOLVED, {State.OPEN, State.ACKNOWLEDGED}),
        (State.IGNORED, {State.OPEN}),
        (State.ACKNOWLEDGED, {State.OPEN}),
        (State.EXCLUDED, {State.OPEN, State.IGNORED}),
        (State.OPEN, set()),
        (None, {State.OPEN, State.ACKNOWLEDGED}),
    ],
    ids=["resolved", "ignored", "acknowledged", "excluded", "open", "assignee-only"],
)
def test_default_from_states_decide_which_issues_match(
    target: State | None, matching: set[State]
) -> None:
    issues = [issue(n, s) for n, s in enumerate(ALL_STATES, start=1)]
    r = rule("r", state=target, assignee=ALICE if target is None else False)
    plan = plan_for(issues, [r])
    changed = {c.issue_id for c in plan.changes}
    assert {i.state for i in issues if i.id in changed} == matching
    assert plan.issues_in_scope == len(matching)


def test_reopen_rule_with_explicit_from_states_matches_only_those() -> None:
    issues = [issue(1, State.RESOLVED), issue(2, State.IGNORED)]
    plan = plan_for(issues, [rule("reopen", state=State.OPEN, from_states=(State.IGNORED,))])
    assert rows(plan) == [("2", "state", "IGNORED", "OPEN", "reopen")]


def test_issue_outside_a_rules_selection_does_not_match() -> None:
    plan = plan_for([issue(1), issue(2)], [rule("r", state=State.IGNORED)], selections={"r": [2]})
    assert rows(plan) == [("2", "state", "OPEN", "IGNORED", "r")]
    assert plan.issues_in_scope == 1


# --------------------------------------------------------------------------- 4.2 precedence


def test_first_matching_rule_wins_per_field() -> None:
    rules = [rule("first", state=State.IGNORED), rule("second", state=State.ACKNOWLEDGED)]
    plan = plan_for([issue(1)], rules)
    assert rows(plan) == [("1", "state", "OPEN", "IGNORED", "first")]


def test_later_rule_decides_a_field_the_first_does_not_set() -> None:
    rules = [rule("state", state=State.IGNORED), rule("owner", assignee=ALICE)]
    plan = plan_for([issue(1)], rules)
    assert rows(plan) == [
        ("1", "assignee", None, ALICE, "owner"),
        ("1", "state", "OPEN", "IGNORED", "state"),
    ]
    assert plan.conflicts == ()


def test_pin_beats_rule() -> None:
    rules = [rule("r", state=State.IGNORED, assignee=ALICE, assign=AssignPolicy.ALWAYS)]
    pins = [pin(1, state=State.RESOLVED, assignee=BOB, note="fixed by #12")]
    plan = plan_for([issue(1)], rules, pins)
    assert rows(plan) == [
        ("1", "assignee", None, BOB, None),
        ("1", "state", "OPEN", "RESOLVED", None),
    ]
    assert {str(c.source) for c in plan.changes} == {"triage.yaml:41:3"}
    assert {c.note for c in plan.changes} == {"fixed by #12"}


def test_pin_overriding_rules_is_not_a_conflict() -> None:
    rules = [rule("a", state=State.IGNORED), rule("b", state=State.ACKNOWLEDGED)]
    plan = plan_for([issue(1)], rules, [pin(1, state=State.RESOLVED)])
    assert plan.conflicts == ()
    assert rows(plan) == [("1", "state", "OPEN", "RESOLVED", None)]


def test_pin_on_one_field_leaves_the_other_to_rules() -> None:
    rules = [rule("owner", state=State.IGNORED, assignee=ALICE)]
    plan = plan_for([issue(1)], rules, [pin(1, state=State.RESOLVED)])
    assert rows(plan) == [
        ("1", "assignee", None, ALICE, "owner"),
        ("1", "state", "OPEN", "RESOLVED", None),
    ]


def test_conflicts_list_winner_and_losers() -> None:
    rules = [
        rule("a", state=State.IGNORED),
        rule("same", state=State.IGNORED),
        rule("b", state=State.ACKNOWLEDGED),
        rule("c", state=State.RESOLVED),
    ]
    plan = plan_for([issue(1)], rules)
    assert plan.conflicts == (Conflict(uid(1), Field.STATE, "a", ("b", "c")),)
    assert rows(plan) == [("1", "state", "OPEN", "IGNORED", "a")]


def test_warning_for_a_rule_that_matches_but_never_decides() -> None:
    rules = [rule("a", state=State.IGNORED), rule("dead", state=State.IGNORED, line=20)]
    plan = plan_for([issue(1)], rules)
    assert plan.warnings == (
        "triage.yaml:20:5: rule 'dead' matched 1 issue(s) but pins or earlier rules decide "
        "every field it sets; it has no effect",
    )


def test_rule_matching_nothing_is_not_a_warning() -> None:
    plan = plan_for([issue(1)], [rule("idle", state=State.IGNORED)], selections={"idle": []})
    assert plan.warnings == ()
    assert plan.changes == ()


# --------------------------------------------------------------------------- 4.3 assignment


def test_if_unassigned_assigns_an_unassigned_issue() -> None:
    plan = plan_for([issue(1)], [rule("own", assignee=ALICE)])
    assert rows(plan) == [("1", "assignee", None, ALICE, "own")]


def test_if_unassigned_keeps_an_assigned_issue_and_decides_the_field() -> None:
    rules = [rule("own", assignee=ALICE), rule("grab", assignee=CAROL, assign=AssignPolicy.ALWAYS)]
    plan = plan_for([issue(1, assignee_id=BOB)], rules)
    assert plan.changes == ()
    assert plan.conflicts == (Conflict(uid(1), Field.ASSIGNEE, "own", ("grab",)),)


def test_rules_naming_different_users_conflict_even_when_both_keep() -> None:
    rules = [rule("own", assignee=ALICE), rule("other", assignee=CAROL)]
    plan = plan_for([issue(1, assignee_id=BOB)], rules)
    assert plan.conflicts == (Conflict(uid(1), Field.ASSIGNEE, "own", ("other",)),)
    assert plan.changes == ()


def test_rules_naming_the_same_user_under_different_policies_agree() -> None:
    rules = [rule("grab", assignee=ALICE, assign=AssignPolicy.ALWAYS), rule("own", assignee=ALICE)]
    plan = plan_for([issue(1, assignee_id=BOB)], rules)
    assert plan.conflicts == ()
    assert rows(plan) == [("1", "assignee", BOB, ALICE, "grab")]


def test_always_replaces_a_different_assignee() -> None:
    plan = plan_for(
        [issue(1, assignee_id=BOB)], [rule("r", assignee=ALICE, assign=AssignPolicy.ALWAYS)]
    )
    assert rows(plan) == [("1", "assignee", BOB, ALICE, "r")]


def test_always_leaves_the_same_assignee_alone() -> None:
    plan = plan_for(
        [issue(1, assignee_id=ALICE)], [rule("r", assignee=ALICE, assign=AssignPolicy.ALWAYS)]
    )
    assert plan.changes == ()


def test_assignee_null_unassigns() -> None:
    plan = plan_for(
        [issue(1, assignee_id=BOB)], [rule("r", assignee=None, assign=AssignPolicy.ALWAYS)]
    )
    assert rows(plan) == [("1", "assignee", BOB, None, "r")]


def test_pin_enforces_its_assignee_and_uuid_case_is_ignored() -> None:
    plan = plan_for(
        [issue(1, assignee_id=BOB), issue(2, assignee_id=ALICE)],
        [],
        [
            pin(1, assignee=ALICE.upper()),
            pin(2, assignee=ALICE.upper()),
        ],
    )
    assert rows(plan) == [("1", "assignee", BOB, ALICE, None)]


# --------------------------------------------------------------------------- 4.4 guards


def test_resolved_is_held_within_grace() -> None:
    recent = issue(1, last_seen=NOW - HOUR_MS + 1)
    plan = plan_for([recent], [rule("fix", state=State.RESOLVED)])
    assert plan.changes == ()
    [held] = plan.held
    assert (held.field, held.wanted, held.current, held.reason, held.rule) == (
        Field.STATE,
        "RESOLVED",
        "OPEN",
        HoldReason.GRACE,
        "fix",
    )


def test_resolved_is_written_once_grace_has_passed() -> None:
    plan = plan_for([issue(1, last_seen=NOW - HOUR_MS)], [rule("fix", state=State.RESOLVED)])
    assert rows(plan) == [("1", "state", "OPEN", "RESOLVED", "fix")]
    assert plan.held == ()


REGRESSION = Regression("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")


def test_regressed_issue_is_held() -> None:
    plan = plan_for([issue(1, regression=REGRESSION)], [rule("fix", state=State.RESOLVED)])
    assert plan.changes == ()
    assert [(h.reason, h.rule) for h in plan.held] == [(HoldReason.REGRESSED, "fix")]


def test_resolve_regressions_on_a_rule_lets_it_resolve() -> None:
    rules = [rule("fix", state=State.RESOLVED, resolve_regressions=True)]
    plan = plan_for([issue(1, regression=REGRESSION)], rules)
    assert rows(plan) == [("1", "state", "OPEN", "RESOLVED", "fix")]


def test_resolve_regressions_on_a_pin_lets_it_resolve() -> None:
    pins = [pin(1, state=State.RESOLVED, resolve_regressions=True)]
    plan = plan_for([issue(1, regression=REGRESSION)], [], pins)
    assert rows(plan) == [("1", "state", "OPEN", "RESOLVED", None)]
    held = plan_for([issue(1, regression=REGRESSION)], [], [pin(1, state=State.RESOLVED)]).held
    assert [(h.reason, h.rule, str(h.source)) for h in held] == [
        (HoldReason.REGRESSED, None, "triage.yaml:41:3")
    ]


def test_grace_wins_over_regression_as_the_reason() -> None:
    recent = issue(1, last_seen=NOW - 1, regression=REGRESSION)
    plan = plan_for([recent], [rule("fix", state=State.RESOLVED)])
    assert [h.reason for h in plan.held] == [HoldReason.GRACE]


@pytest.mark.parametrize(
    ("unreadable", "reason"),
    [
        pytest.param("last_seen", HoldReason.GRACE, id="last-seen"),
        pytest.param("regression", HoldReason.REGRESSED, id="regression"),
    ],
)
def test_an_unreadable_guard_field_holds_resolved(unreadable: str, reason: HoldReason) -> None:
    unknown = issue(1, last_seen=None, unreadable=frozenset({unreadable}))
    plan = plan_for([unknown], [rule("fix", state=State.RESOLVED)])
    assert plan.changes == ()
    assert [h.reason for h in plan.held] == [reason]


def test_already_resolved_issue_is_neither_held_nor_changed() -> None:
    recent = issue(1, State.RESOLVED, last_seen=NOW - 1)
    plan = plan_for([recent], [], [pin(1, state=State.RESOLVED)])
    assert (plan.changes, plan.held) == ((), ())


def test_held_state_is_not_written_and_assignee_change_has_no_keep_state() -> None:
    rules = [rule("fix", state=State.RESOLVED, assignee=ALICE)]
    plan = plan_for([issue(1, last_seen=NOW - 1)], rules)
    assert rows(plan) == [("1", "assignee", None, ALICE, "fix")]
    assert plan.changes[0].keep_state is None
    assert [h.field for h in plan.held] == [Field.STATE]


# --------------------------------------------------------------------------- 4.6 keep_state


def test_keep_state_set_when_a_pin_wants_open_and_assigns() -> None:
    plan = plan_for([issue(1)], [], [pin(1, state=State.OPEN, assignee=ALICE)])
    assert rows(plan) == [("1", "assignee", None, ALICE, None)]
    assert plan.changes[0].keep_state is State.OPEN


def test_keep_state_set_when_a_rule_wants_the_current_state() -> None:
    rules = [rule("stay", state=State.OPEN, from_states=(State.OPEN,), assignee=ALICE)]
    plan = plan_for([issue(1)], rules)
    assert [(c.field, c.keep_state) for c in plan.changes] == [(Field.ASSIGNEE, State.OPEN)]


def test_assignee_only_rule_has_no_keep_state() -> None:
    plan = plan_for([issue(1)], [rule("own", assignee=ALICE)])
    assert [(c.field, c.keep_state) for c in plan.changes] == [(Field.ASSIGNEE, None)]


def test_keep_state_not_set_when_a_state_change_is_planned() -> None:
    plan = plan_for([issue(1)], [], [pin(1, state=State.IGNORED, assignee=ALICE)])
    assert [(c.field, c.keep_state) for c in plan.changes] == [
        (Field.ASSIGNEE, None),
        (Field.STATE, None),
    ]


def test_already_in_wanted_state_gives_no_change() -> None:
    issues = [issue(1, State.IGNORED, assignee_id=ALICE)]
    plan = plan_for(issues, [], [pin(1, state=State.IGNORED, assignee=ALICE)])
    assert plan.changes == ()
    assert plan.issues_in_scope == 1


# --------------------------------------------------------------------------- plan shape


def test_changes_sorted_by_issue_then_assignee_before_state() -> None:
    rules = [rule("r", state=State.IGNORED, assignee=ALICE)]
    plan = plan_for([issue(3), issue(1), issue(2)], rules)
    assert [(c.issue_id[-1], c.field.value) for c in plan.changes] == [
        ("1", "assignee"),
        ("1", "state"),
        ("2", "assignee"),
        ("2", "state"),
        ("3", "assignee"),
        ("3", "state"),
    ]


def test_change_carries_rule_source_and_issue() -> None:
    plan = plan_for([issue(1)], [rule("r", state=State.IGNORED, line=14)])
    [change] = plan.changes
    assert (str(change.source), change.note) == ("triage.yaml:14:5", None)
    assert change.issue is not None and change.issue.service == "payments"
    assert (plan.max_changes, plan.config_digest) == (25, "sha256:cfg")


def test_checksum_is_deterministic_and_order_independent() -> None:
    issues = [issue(1), issue(2, State.ACKNOWLEDGED), issue(3)]
    rules = [rule("r", state=State.RESOLVED), rule("own", assignee=ALICE)]
    first = plan_for(issues, rules)
    second = plan_for(list(reversed(issues)), list(reversed(rules)))
    assert first.checksum == plan_for(issues, rules).checksum
    assert first.checksum == second.checksum
    assert first.checksum != plan_for(issues[:2], rules).checksum


# --------------------------------------------------------------------------- targets


def test_target_by_issue_id_keeps_only_that_issue() -> None:
    plan = plan_for([issue(1), issue(2)], [rule("r", state=State.IGNORED)], targets=[uid(2)])
    assert rows(plan) == [("2", "state", "OPEN", "IGNORED", "r")]
    assert plan.issues_in_scope == 1


def test_target_by_rule_keeps_only_what_it_decides_with_precedence_intact() -> None:
    rules = [rule("a", state=State.IGNORED), rule("b", state=State.ACKNOWLEDGED)]
    plan = plan_for([issue(1), issue(2)], rules, selections={"a": [1], "b": [1, 2]}, targets=["b"])
    assert rows(plan) == [("2", "state", "OPEN", "ACKNOWLEDGED", "b")]
    assert [(c.winner, c.losers) for c in plan.conflicts] == [("a", ("b",))]


def test_target_keeps_held_entries_of_the_target() -> None:
    issues = [issue(1, last_seen=NOW - 1), issue(2, last_seen=NOW - 1)]
    plan = plan_for(issues, [rule("fix", state=State.RESOLVED)], targets=[uid(1).upper()])
    assert [h.issue_id for h in plan.held] == [uid(1)]


def test_unknown_target_is_an_error_with_a_suggestion() -> None:
    cfg = config([rule("payments", state=State.IGNORED)])
    with pytest.raises(UnknownTargetError) as caught:
        check_targets(cfg, ["paymnts", uid(1)])
    assert isinstance(caught.value, ReconcilerError)
    assert caught.value.targets == ("paymnts",)
    assert "did you mean 'payments'?" in str(caught.value)


def test_build_plan_checks_targets() -> None:
    with pytest.raises(UnknownTargetError, match="'nope'"):
        plan_for([issue(1)], [rule("r", state=State.IGNORED)], targets=["nope"])


def test_a_target_id_that_no_pin_or_rule_covers_is_a_warning() -> None:
    plan = plan_for([issue(1)], [rule("r", state=State.IGNORED)], targets=[uid(9), uid(1)])
    assert rows(plan) == [("1", "state", "OPEN", "IGNORED", "r")]
    assert plan.warnings == (
        f"--target {uid(9)!r} matches no pin and no issue a rule selected; "
        "nothing is targeted by it",
    )


def test_a_target_rule_that_matched_no_issue_is_a_warning() -> None:
    rules = [rule("a", state=State.IGNORED), rule("idle", state=State.ACKNOWLEDGED)]
    plan = plan_for([issue(1)], rules, selections={"a": [1], "idle": []}, targets=["idle", "idle"])
    assert plan.changes == ()
    assert plan.warnings == (
        "--target 'idle' names a rule that matched no issue; nothing is targeted by it",
    )


def test_targets_that_match_give_no_warning_even_without_changes() -> None:
    # Already in the wanted state: matched, nothing to do, nothing to warn about.
    issues = [issue(1, state=State.IGNORED), issue(2)]
    rules = [rule("r", state=State.IGNORED, from_states=(State.OPEN, State.IGNORED))]
    pins = [pin(2, state=State.ACKNOWLEDGED)]
    plan = plan_for(issues, rules, pins, selections={"r": [1]}, targets=["r", uid(1), uid(2)])
    assert plan.warnings == ()
    assert rows(plan) == [("2", "state", "OPEN", "ACKNOWLEDGED", None)]


# --------------------------------------------------------------------------- stranded issues


def test_a_rule_finishes_an_issue_its_own_assignment_moved_to_acknowledged() -> None:
    # A partial run assigned issue 1 to alice (OPEN -> ACKNOWLEDGED) and never wrote
    # IGNORED; issue 2 was acknowledged for bob, issue 3 is an unassigned ACKNOWLEDGED.
    issues = [
        issue(1, State.ACKNOWLEDGED, assignee_id=ALICE),
        issue(2, State.ACKNOWLEDGED, assignee_id=BOB),
        issue(3, State.ACKNOWLEDGED),
    ]
    noise = rule("noise", state=State.IGNORED, assignee=ALICE)
    assert noise.search_states == (State.OPEN, State.ACKNOWLEDGED)
    plan = plan_for(issues, [noise])
    assert rows(plan) == [("1", "state", "ACKNOWLEDGED", "IGNORED", "noise")]


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(rule("r", state=State.IGNORED), id="no-assignee"),
        pytest.param(rule("r", state=State.ACKNOWLEDGED, assignee=ALICE), id="acknowledges"),
        pytest.param(
            rule("r", state=State.IGNORED, assignee=None, assign=AssignPolicy.ALWAYS),
            id="unassigns",
        ),
        pytest.param(
            rule("r", state=State.IGNORED, assignee=ALICE, from_states=(State.IGNORED,)),
            id="not-from-open",
        ),
    ],
)
def test_only_a_rule_whose_assignment_can_strand_widens_its_search(other: Rule) -> None:
    assert not other.finishes_own_assignment
    assert other.search_states == other.from_states
    plan = plan_for([issue(1, State.ACKNOWLEDGED, assignee_id=ALICE)], [other])
    assert [c for c in plan.changes if c.field is Field.STATE] == []
