from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import replace

import pytest
from fakes import FakeIssueApi

from reconciler.errors import (
    AuthError,
    NetworkError,
    PinNotFoundError,
    PlanFailed,
    TruncatedSelectionError,
    UserLookupError,
)
from reconciler.model import (
    SEARCH_CAP,
    Assignee,
    AssignPolicy,
    Config,
    Issue,
    Persona,
    Pin,
    ProgressEvent,
    Rule,
    RuleProgress,
    SearchRequest,
    Source,
    State,
    Track,
    User,
)
from reconciler.selection import observe, resolve_users, select_rule

NOW = 1_790_000_000_000
DAY_MS = 86_400_000
MINUTE_MS = 60_000
ALICE = User("aaaaaaaa-0000-4000-8000-000000000001", email="alice@example.com")
BOB = User("bbbbbbbb-0000-4000-8000-000000000002", handle="bob", disabled=True)


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def issue(
    n: int,
    last_seen: int,
    state: State = State.OPEN,
    service: str = "pay",
    first_seen: int | None = None,
) -> Issue:
    first = last_seen if first_seen is None else first_seen
    return Issue(id=uid(n), state=state, service=service, first_seen=first, last_seen=last_seen)


def rule(
    name: str = "r",
    *,
    query: str = "service:pay",
    from_states: tuple[State, ...] = (State.OPEN,),
    window_s: int = 30 * 86_400,
    line: int = 7,
    assignee: str | None = None,
) -> Rule:
    return Rule(
        name=name,
        query=query,
        from_states=from_states,
        window_s=window_s,
        grace_s=3_600,
        source=Source("triage.yaml", line, 5),
        track=Track.TRACE,
        state=State.RESOLVED,
        assignee=Assignee(assignee) if assignee else None,
        assign=AssignPolicy.ALWAYS,
    )


def pin(n: int, line: int = 30, assignee: str | None = None) -> Pin:
    return Pin(
        issue_id=uid(n),
        source=Source("triage.yaml", line, 3),
        grace_s=3_600,
        state=State.IGNORED if assignee is None else None,
        assignee=Assignee(assignee) if assignee else None,
    )


def config(rules: Iterable[Rule] = (), pins: Iterable[Pin] = ()) -> Config:
    return Config(rules=tuple(rules), pins=tuple(pins), max_changes=100, digest="sha256:x")


def spread(count: int, start: int, step: int, first: int = 0, **kw: object) -> list[Issue]:
    """`count` issues seen at start, start + step, ... (ids from `first`)."""
    return [issue(first + i, start + i * step, **kw) for i in range(count)]  # type: ignore[arg-type]


def searches(api: FakeIssueApi) -> list[SearchRequest]:
    requests = [call.args[0] for call in api.calls_to("search")]
    assert all(isinstance(r, SearchRequest) for r in requests)
    return requests  # type: ignore[return-value]


# --------------------------------------------------------------------------- select_rule


def test_one_search_when_under_the_cap() -> None:
    api = FakeIssueApi(spread(SEARCH_CAP - 1, NOW - DAY_MS, 1_000))
    found = select_rule(api, rule(), NOW)
    assert len(found) == SEARCH_CAP - 1
    [call] = api.calls_to("search")
    assert call.args == (
        SearchRequest(
            query="service:pay",
            from_ms=NOW - 30 * DAY_MS,
            to_ms=NOW,
            track=Track.TRACE,
            persona=None,
            states=(State.OPEN,),
            order_by="FIRST_SEEN",
        ),
    )


def test_persona_is_passed_through() -> None:
    api = FakeIssueApi([])
    select_rule(api, replace(rule(), track=None, persona=Persona.BROWSER), NOW)
    [request] = searches(api)
    assert (request.track, request.persona) == (None, Persona.BROWSER)


def test_full_result_splits_the_window_and_unions_exactly() -> None:
    issues = spread(250, NOW - 20 * DAY_MS, 3_600_000)
    noise = [issue(900, NOW - DAY_MS, service="other"), issue(901, NOW - DAY_MS, State.RESOLVED)]
    api = FakeIssueApi(issues + noise)
    found = select_rule(api, rule(), NOW)
    assert [i.id for i in found] == sorted(i.id for i in issues)
    requests = searches(api)
    assert len(requests) > 3
    assert all(r.states == (State.OPEN,) for r in requests)
    # The first answer's parts tile the window: no gap, no overlap.
    root, *parts = requests
    first_cut = sorted((r.from_ms, r.to_ms) for r in parts if r.to_ms - r.from_ms >= 60_000)
    assert (root.from_ms, root.to_ms) == (NOW - 30 * DAY_MS, NOW)
    assert any(f == root.from_ms for f, _ in first_cut)
    assert any(t == root.to_ms for _, t in first_cut)


def test_issue_spanning_several_slices_is_returned_once() -> None:
    long_lived = Issue(
        uid(500), State.OPEN, service="pay", first_seen=NOW - 29 * DAY_MS, last_seen=NOW - 1
    )
    api = FakeIssueApi([*spread(150, NOW - 10 * DAY_MS, 3_600_000), long_lived])
    found = select_rule(api, rule(), NOW)
    assert len(found) == 151
    assert [i.id for i in found].count(uid(500)) == 1


def test_states_are_split_before_the_window() -> None:
    # Active all window long: no time split could ever separate them.
    opened = [issue(n, NOW - 1, first_seen=0) for n in range(60)]
    acked = [issue(100 + n, NOW - 1, state=State.ACKNOWLEDGED, first_seen=0) for n in range(60)]
    api = FakeIssueApi(opened + acked)
    found = select_rule(api, rule(from_states=(State.OPEN, State.ACKNOWLEDGED)), NOW)
    assert len(found) == 120
    assert [r.states for r in searches(api)] == [
        (State.OPEN, State.ACKNOWLEDGED),
        (State.OPEN,),
        (State.ACKNOWLEDGED,),
    ]
    assert {r.to_ms - r.from_ms for r in searches(api)} == {30 * DAY_MS}


def test_full_one_minute_one_state_slice_is_a_truncation_error() -> None:
    api = FakeIssueApi(spread(SEARCH_CAP, NOW - 30_000, 100))
    with pytest.raises(TruncatedSelectionError) as caught:
        select_rule(api, rule("busy", line=12), NOW)
    assert caught.value.rule == "busy"
    assert caught.value.where == "triage.yaml:12:5"
    assert "within one minute" in str(caught.value)
    assert "states OPEN" in str(caught.value)


def test_a_selection_past_the_search_budget_fails() -> None:
    api = FakeIssueApi(spread(400, NOW - 20 * DAY_MS, 3_600_000))
    with pytest.raises(TruncatedSelectionError) as caught:
        select_rule(api, rule("huge"), NOW, max_searches=5, parallelism=1)
    made = len(searches(api))
    assert made <= 5
    assert caught.value.searches == made
    assert f"after {made} searches" in str(caught.value)
    assert len(select_rule(FakeIssueApi(api.issues.values()), rule("huge"), NOW)) == 400


def test_search_calls_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    api = FakeIssueApi(spread(3, NOW - DAY_MS, 1_000))
    with caplog.at_level(logging.DEBUG, logger="reconciler.selection"):
        select_rule(api, rule("quiet"), NOW)
    assert "rule 'quiet': 3 issue(s) in 1 search call(s)" in caplog.text


# --------------------------------------------------------------------------- observe


def test_observe_collects_selections_and_pins() -> None:
    api = FakeIssueApi([issue(1, NOW - DAY_MS), issue(2, NOW - DAY_MS, service="other")])
    observed = observe(api, config([rule("a")], [pin(2)]), NOW, parallelism=2)
    assert observed.selections == {"a": frozenset({uid(1)})}
    assert set(observed.issues) == {uid(1), uid(2)}


def test_pin_returned_by_a_search_is_not_fetched_again() -> None:
    api = FakeIssueApi([issue(1, NOW - DAY_MS), issue(2, NOW - DAY_MS, State.RESOLVED)])
    observe(api, config([rule("a")], [pin(1), pin(2)]), NOW)
    assert [c.args for c in api.calls_to("get_issue")] == [(uid(2),)]


def test_pin_404_is_observed_as_a_missing_pin() -> None:
    api = FakeIssueApi([])
    missing = pin(9, line=33)
    observed = observe(api, config([], [missing]), NOW)
    assert observed.missing_pins == (missing,)
    assert uid(9) not in observed.issues


def test_a_missing_pin_is_a_pin_not_found_error_with_file_line() -> None:
    api = FakeIssueApi([])
    observed = observe(api, config([], [pin(9, line=33)]), NOW)
    with pytest.raises(PlanFailed) as caught:
        observed.raise_if_missing_pins()
    [error] = caught.value.errors
    assert isinstance(error, PinNotFoundError)
    assert (error.issue_id, error.where) == (uid(9), "triage.yaml:33")
    assert str(error).startswith(f"triage.yaml:33: pinned issue {uid(9)} does not exist")


def test_every_error_is_reported_in_config_order() -> None:
    crowded = spread(SEARCH_CAP, NOW - 30_000, 100, service="busy")
    api = FakeIssueApi([*crowded, issue(500, NOW - DAY_MS)])
    api.fail(
        "service:flaky", NetworkError("POST", "/api/v2/error-tracking/issues/search", "timeout")
    )
    api.fail(
        uid(800), AuthError("GET", f"/api/v2/error-tracking/issues/{uid(800)}", 403, "no", "x")
    )
    rules = [
        rule("busy", query="service:busy", line=5),
        rule("flaky", query="service:flaky"),
        rule("fine", line=9),
    ]
    with pytest.raises(PlanFailed) as caught:
        observe(api, config(rules, [pin(700, line=40), pin(800, line=41), pin(500)]), NOW)
    kinds = [type(e) for e in caught.value.errors]
    assert kinds == [TruncatedSelectionError, NetworkError, PinNotFoundError, AuthError]
    message = str(caught.value)
    assert "triage.yaml:5:5: rule 'busy'" in message
    assert "triage.yaml:40: pinned issue" in message


def test_the_same_error_from_many_rules_is_reported_once() -> None:
    api = FakeIssueApi([])
    denied = AuthError("POST", "/api/v2/error-tracking/issues/search", 401, "bad key", "x")
    api.fail("service:pay", denied)
    with pytest.raises(PlanFailed) as caught:
        observe(api, config([rule("a"), rule("b"), rule("c")]), NOW)
    assert caught.value.errors == (denied,)


# --------------------------------------------------------------------------- resolve_users


def test_users_are_resolved_to_ids_even_for_rules_that_match_nothing() -> None:
    api = FakeIssueApi([], [ALICE])
    cfg = config([rule("idle", assignee="Alice@Example.com")], [pin(1, assignee=ALICE.id)])
    observed = observe(api, cfg, NOW)
    assert observed.users == {"Alice@Example.com": ALICE}
    assert observed.user_id("Alice@Example.com") == ALICE.id
    assert observed.user_id(ALICE.id.upper()) == ALICE.id
    assert observed.labels() == {ALICE.id: "alice@example.com"}
    assert [c.args for c in api.calls_to("find_user")] == [("Alice@Example.com",)]


def test_observe_does_not_rewrite_the_config() -> None:
    api = FakeIssueApi([], [ALICE])
    cfg = config([rule("idle", assignee="Alice@Example.com")])
    observe(api, cfg, NOW)
    assert cfg.rules[0].assignee == Assignee("Alice@Example.com")


def test_no_search_runs_while_a_user_is_unknown() -> None:
    api = FakeIssueApi([], [])
    with pytest.raises(PlanFailed):
        observe(api, config([rule("a", assignee="nobody@example.com")]), NOW)
    assert api.calls_to("search") == []


def test_unknown_and_disabled_users_are_all_reported_with_file_line() -> None:
    api = FakeIssueApi([], [ALICE, BOB])
    rules = [rule("a", assignee="nobody@example.com", line=12), rule("b", assignee="bob", line=8)]
    with pytest.raises(PlanFailed) as caught:
        resolve_users(api, config(rules, [pin(1, line=50, assignee="ghost@example.com")]))
    errors = caught.value.errors
    assert all(isinstance(e, UserLookupError) for e in errors)
    assert [(e.reference, e.where) for e in errors] == [  # type: ignore[attr-defined]
        ("bob", "triage.yaml:8"),
        ("nobody@example.com", "triage.yaml:12"),
        ("ghost@example.com", "triage.yaml:50"),
    ]
    assert "disabled" in str(errors[0])
    assert str(errors[1]).startswith("triage.yaml:12: user 'nobody@example.com'")


def test_config_without_user_references_needs_no_lookup() -> None:
    api = FakeIssueApi([], [ALICE])
    cfg = config([rule("a")])
    assert resolve_users(api, cfg) == {}
    assert api.calls == []


# --------------------------------------------------------------------------- the fake itself


def test_fake_marks_an_open_issue_acknowledged_when_assigned() -> None:
    api = FakeIssueApi([issue(1, NOW), issue(2, NOW, State.RESOLVED)])
    assert api.set_assignee(uid(1), ALICE.id).state is State.ACKNOWLEDGED
    assert api.set_assignee(uid(2), ALICE.id).state is State.RESOLVED
    api.remove_assignee(uid(1))
    assert api.get_issue(uid(1)).assignee_id is None
    assert [c.method for c in api.writes()] == ["set_assignee", "set_assignee", "remove_assignee"]


def test_fake_errors_can_target_one_method() -> None:
    api = FakeIssueApi([issue(1, NOW)])
    api.fail(uid(1), NetworkError("PUT", "/state", "reset"), method="set_state")
    assert api.get_issue(uid(1)).id == uid(1)
    with pytest.raises(NetworkError):
        api.set_state(uid(1), State.RESOLVED)
    assert api.issues[uid(1)].state is State.OPEN


def test_a_progress_hook_hears_every_answer_and_the_end_of_each_rule() -> None:
    api = FakeIssueApi([issue(n, NOW - n * MINUTE_MS * 60) for n in range(1, 251)])
    events: list[ProgressEvent] = []
    found = select_rule(api, rule(), NOW, progress=events.append)
    searches = len(api.calls_to("search"))
    assert len(found) == 250 and searches > 1
    assert events[0] == RuleProgress("r", 0, 0)
    assert events[-1] == RuleProgress("r", searches, 250, done=True)
    counted = [e.searches for e in events[1:-1] if isinstance(e, RuleProgress)]
    assert counted == list(range(1, searches + 1)) and len(events) == searches + 2


def test_a_progress_hook_that_fails_at_the_end_is_raised_not_waited_for() -> None:
    def hook(event: ProgressEvent) -> None:
        if isinstance(event, RuleProgress) and event.done:
            raise RuntimeError("a bug in the display")

    with pytest.raises(RuntimeError, match="a bug in the display"):
        select_rule(FakeIssueApi([issue(1, NOW - DAY_MS)]), rule(), NOW, progress=hook)


def test_an_interrupt_leaves_the_slices_still_queued_unsearched() -> None:
    # 400 issues: the first answer's parts each hold fewer than 100, so none splits again.
    issues = spread(400, NOW - 21 * DAY_MS, 75 * MINUTE_MS)
    whole = FakeIssueApi(issues)
    assert len(select_rule(whole, rule(), NOW, parallelism=1)) == 400
    needed = len(searches(whole))
    made = 0

    def ctrl_c_during_the_second_search(method: str, key: str) -> None:
        nonlocal made
        made += 1  # one worker: no lock needed
        if made == 2:
            main = threading.main_thread().ident
            assert main is not None
            signal.pthread_kill(main, signal.SIGINT)
            time.sleep(0.2)  # the main thread takes the interrupt while this one is in flight

    api = FakeIssueApi(issues, hook=ctrl_c_during_the_second_search)
    with pytest.raises(KeyboardInterrupt):
        select_rule(api, rule(), NOW, parallelism=1)
    # The search in flight finishes; the parts queued behind it are never sent.
    assert needed > 3 and len(searches(api)) == 2
