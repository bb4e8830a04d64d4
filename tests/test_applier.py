from __future__ import annotations

import signal
import threading
from dataclasses import replace

import pytest
from fakes import Call, FakeIssueApi, Hook

from reconciler.applier import ApplyOutcome, Cancellation, apply_plan
from reconciler.errors import NotFoundError, ReconcilerError, ServerError
from reconciler.model import (
    Change,
    ChangeResult,
    Field,
    Issue,
    Plan,
    ResultStatus,
    Source,
    State,
)

ISSUE_A = "0a1b2c3d-0000-4000-8000-000000000001"
ISSUE_B = "0a1b2c3d-0000-4000-8000-000000000002"
ISSUE_C = "0a1b2c3d-0000-4000-8000-000000000003"
ALICE = "11111111-aaaa-4aaa-8aaa-111111111111"
BOB = "22222222-bbbb-4bbb-8bbb-222222222222"
SRC = Source("triage.yaml", 3, 5)


def sent(api: FakeIssueApi) -> list[tuple[object, ...]]:
    """The writes in order, as (method, issue id[, value])."""
    return [(call.method, *call.args) for call in api.writes()]


def state_change(issue_id: str, before: State, after: State) -> Change:
    return Change(issue_id, Field.STATE, before.value, after.value, SRC, "triage")


def assignee_change(
    issue_id: str, before: str | None, after: str | None, keep: State | None = None
) -> Change:
    return Change(issue_id, Field.ASSIGNEE, before, after, SRC, "owners", keep_state=keep)


def statuses(outcome: ApplyOutcome) -> list[tuple[str, str, str]]:
    return [(r.change.issue_id, r.change.field.value, r.status.value) for r in outcome.results]


def test_assignee_is_written_before_state() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.ACKNOWLEDGED)])
    plan = Plan(
        changes=(
            state_change(ISSUE_A, State.ACKNOWLEDGED, State.RESOLVED),
            assignee_change(ISSUE_A, None, ALICE),
        )
    )
    outcome = apply_plan(plan, api)
    assert sent(api) == [
        ("set_assignee", ISSUE_A, ALICE),
        ("set_state", ISSUE_A, State.RESOLVED),
    ]
    assert statuses(outcome) == [
        (ISSUE_A, "assignee", "applied"),
        (ISSUE_A, "state", "applied"),
    ]
    assert outcome.ok and not outcome.interrupted


def test_state_already_in_effect_after_assigning_sends_no_state_write() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.ACKNOWLEDGED),
        )
    )
    outcome = apply_plan(plan, api)
    assert sent(api) == [("set_assignee", ISSUE_A, ALICE)]
    assert [r.status for r in outcome.results] == [ResultStatus.APPLIED] * 2


def test_keep_state_writes_the_state_back_after_assigning() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),))
    outcome = apply_plan(plan, api)
    assert sent(api) == [
        ("set_assignee", ISSUE_A, ALICE),
        ("set_state", ISSUE_A, State.OPEN),
    ]
    assert statuses(outcome) == [(ISSUE_A, "assignee", "applied")]
    assert api.issues[ISSUE_A].state is State.OPEN


def test_keep_state_sends_nothing_more_when_assigning_left_the_state_alone() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.RESOLVED)])
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.RESOLVED),))
    apply_plan(plan, api)
    assert sent(api) == [("set_assignee", ISSUE_A, ALICE)]


def test_keep_state_write_failure_fails_the_assignee_change() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.errors[("set_state", ISSUE_A)] = ServerError("PUT", "/state", 503, "unavailable")
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),))
    outcome = apply_plan(plan, api)
    (result,) = outcome.results
    assert result.status is ResultStatus.FAILED
    assert result.error is not None
    assert result.error.startswith("assigned, but writing state OPEN back failed: PUT /state")


def test_unassign_sends_delete_and_leaves_the_state_decision_to_the_plan() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.ACKNOWLEDGED, assignee_id=BOB)])
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, BOB, None),
            state_change(ISSUE_A, State.ACKNOWLEDGED, State.OPEN),
        )
    )
    outcome = apply_plan(plan, api)
    assert sent(api) == [
        ("remove_assignee", ISSUE_A),
        ("set_state", ISSUE_A, State.OPEN),
    ]
    assert outcome.ok
    assert api.issues[ISSUE_A] == Issue(ISSUE_A, State.OPEN)


def test_a_failed_write_fails_only_its_change() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN), Issue(ISSUE_B, State.OPEN)])
    api.errors[("set_assignee", ISSUE_A)] = ServerError("PUT", "/assignee", 500, "boom")
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
            state_change(ISSUE_B, State.OPEN, State.RESOLVED),
        )
    )
    outcome = apply_plan(plan, api)
    assert statuses(outcome) == [
        (ISSUE_A, "assignee", "failed"),
        (ISSUE_A, "state", "applied"),
        (ISSUE_B, "state", "applied"),
    ]
    assert "HTTP 500" in (outcome.results[0].error or "")
    assert ("set_state", ISSUE_A, State.IGNORED) in sent(api)
    assert outcome.counts() == {"applied": 2, "unchanged": 0, "failed": 1, "stale": 0, "skipped": 0}
    assert not outcome.ok


def test_a_404_fails_every_change_of_the_issue() -> None:
    api = FakeIssueApi([Issue(ISSUE_B, State.OPEN)])
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
            state_change(ISSUE_B, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api)
    assert statuses(outcome) == [
        (ISSUE_A, "assignee", "failed"),
        (ISSUE_A, "state", "failed"),
        (ISSUE_B, "state", "applied"),
    ]
    assert [w[:2] for w in sent(api)] == [("set_assignee", ISSUE_A), ("set_state", ISSUE_B)]
    assert "issue not found" in (outcome.results[1].error or "")


@pytest.mark.parametrize(
    ("live", "expected_status", "expected_writes"),
    [
        pytest.param(
            Issue(ISSUE_A, State.OPEN),
            "applied",
            [("set_state", ISSUE_A, State.RESOLVED)],
            id="unchanged",
        ),
        pytest.param(Issue(ISSUE_A, State.IGNORED), "stale", [], id="moved"),
        pytest.param(Issue(ISSUE_A, State.RESOLVED), "unchanged", [], id="already-done"),
    ],
)
def test_recheck_judges_the_state_against_the_live_issue(
    live: Issue, expected_status: str, expected_writes: list[tuple[object, ...]]
) -> None:
    api = FakeIssueApi([live])
    plan = Plan(changes=(state_change(ISSUE_A, State.OPEN, State.RESOLVED),))
    outcome = apply_plan(plan, api, recheck=True)
    assert api.calls[0] == Call("get_issue", (ISSUE_A,))
    assert statuses(outcome) == [(ISSUE_A, "state", expected_status)]
    assert sent(api) == expected_writes


@pytest.mark.parametrize(
    ("live_assignee", "expected_status", "expected_writes"),
    [
        pytest.param(None, "applied", [("set_assignee", ISSUE_A, ALICE)], id="unchanged"),
        pytest.param(BOB, "stale", [], id="moved"),
        pytest.param(ALICE, "unchanged", [], id="already-done"),
    ],
)
def test_recheck_judges_the_assignee_against_the_live_issue(
    live_assignee: str | None, expected_status: str, expected_writes: list[tuple[object, ...]]
) -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.ACKNOWLEDGED, assignee_id=live_assignee)])
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE),))
    outcome = apply_plan(plan, api, recheck=True)
    assert statuses(outcome) == [(ISSUE_A, "assignee", expected_status)]
    assert sent(api) == expected_writes


def test_recheck_of_a_vanished_issue_fails_its_changes() -> None:
    api = FakeIssueApi()
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, recheck=True)
    assert statuses(outcome) == [(ISSUE_A, "assignee", "failed"), (ISSUE_A, "state", "failed")]
    assert sent(api) == []


def test_recheck_that_cannot_read_fails_without_writing() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.errors[("get_issue", ISSUE_A)] = ServerError("GET", "/issues", 502, "bad gateway")
    plan = Plan(changes=(state_change(ISSUE_A, State.OPEN, State.IGNORED),))
    (result,) = apply_plan(plan, api, recheck=True).results
    assert result.status is ResultStatus.FAILED
    assert (result.error or "").startswith("cannot re-read the issue: GET /issues")
    assert sent(api) == []


def test_recheck_stale_assignee_still_lets_the_state_be_written() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN, assignee_id=BOB)])
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, recheck=True)
    assert statuses(outcome) == [(ISSUE_A, "assignee", "stale"), (ISSUE_A, "state", "applied")]
    assert sent(api) == [("set_state", ISSUE_A, State.IGNORED)]


def test_recheck_does_not_undo_a_state_someone_else_set() -> None:
    # keep_state restores only what our own assignee write moved.
    api = FakeIssueApi([Issue(ISSUE_A, State.ACKNOWLEDGED)])
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),))
    apply_plan(plan, api, recheck=True)
    assert sent(api) == [("set_assignee", ISSUE_A, ALICE)]


def test_empty_plan_sends_nothing() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    outcome = apply_plan(Plan(changes=()), api, recheck=True)
    assert outcome == ApplyOutcome(results=(), interrupted=False)
    assert api.calls == []
    assert outcome.ok


def test_on_result_is_called_once_per_change() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN), Issue(ISSUE_B, State.OPEN)])
    seen: list[ChangeResult] = []
    lock = threading.Lock()

    def collect(result: ChangeResult) -> None:
        with lock:
            seen.append(result)

    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
            state_change(ISSUE_B, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, on_result=collect)
    assert sorted(seen, key=lambda r: r.change.sort_key) == list(outcome.results)


def _interrupt_on(method: str, issue_id: str) -> Hook:
    def hook(called: str, called_issue: str) -> None:
        if (called, called_issue) == (method, issue_id):
            raise KeyboardInterrupt

    return hook


def test_interrupt_skips_what_is_not_done_and_reports_it() -> None:
    api = FakeIssueApi(
        [Issue(ISSUE_A, State.OPEN), Issue(ISSUE_B, State.OPEN), Issue(ISSUE_C, State.OPEN)],
        hook=_interrupt_on("set_state", ISSUE_B),
    )
    plan = Plan(
        changes=(
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
            assignee_change(ISSUE_B, None, ALICE),
            state_change(ISSUE_B, State.OPEN, State.RESOLVED),
            state_change(ISSUE_C, State.OPEN, State.IGNORED),
        )
    )
    seen: list[ChangeResult] = []
    outcome = apply_plan(plan, api, parallelism=1, on_result=seen.append)
    assert outcome.interrupted
    assert not outcome.ok
    assert statuses(outcome) == [
        (ISSUE_A, "state", "applied"),
        (ISSUE_B, "assignee", "applied"),
        (ISSUE_B, "state", "skipped"),
        (ISSUE_C, "state", "skipped"),
    ]
    assert all(ISSUE_C not in call.args for call in api.calls)
    assert len(seen) == 4


def test_interrupt_while_writing_state_back_fails_the_assignee_change() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)], hook=_interrupt_on("set_state", ISSUE_A))
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),))
    outcome = apply_plan(plan, api)
    assert outcome.interrupted
    (result,) = outcome.results
    assert result.status is ResultStatus.FAILED
    assert result.error == "assigned, but interrupted before writing state OPEN back"


def test_issues_run_concurrently_up_to_parallelism() -> None:
    barrier = threading.Barrier(2, timeout=5)

    def meet(method: str, issue_id: str) -> None:
        # Each issue's only write waits for the other's: both must be in flight at once.
        barrier.wait()

    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN), Issue(ISSUE_B, State.OPEN)], hook=meet)
    plan = Plan(
        changes=(
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
            state_change(ISSUE_B, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, parallelism=2)
    assert outcome.ok
    assert not barrier.broken


def test_one_issue_writes_in_order_even_with_many_workers() -> None:
    order: list[str] = []
    lock = threading.Lock()

    def note(method: str, issue_id: str) -> None:
        with lock:
            order.append(method)

    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)], hook=note)
    plan = Plan(
        changes=(
            state_change(ISSUE_A, State.OPEN, State.RESOLVED),
            assignee_change(ISSUE_A, None, ALICE),
        )
    )
    apply_plan(plan, api, parallelism=8)
    assert order == ["set_assignee", "set_state"]


def test_a_bug_in_on_result_propagates() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])

    def broken(result: ChangeResult) -> None:
        raise OSError("disk full")

    plan = Plan(changes=(state_change(ISSUE_A, State.OPEN, State.IGNORED),))
    with pytest.raises(OSError, match="disk full"):
        apply_plan(plan, api, on_result=broken)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(NotFoundError("PUT", "/state", 404, "issue not found"), "HTTP 404", id="404"),
        pytest.param(ServerError("PUT", "/state", 500, "boom"), "HTTP 500", id="500"),
    ],
)
def test_a_failed_state_write_is_reported(error: ReconcilerError, expected: str) -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.errors[("set_state", ISSUE_A)] = error
    plan = Plan(changes=(state_change(ISSUE_A, State.OPEN, State.IGNORED),))
    (result,) = apply_plan(plan, api).results
    assert result.status is ResultStatus.FAILED
    assert expected in (result.error or "")


def test_a_404_while_writing_the_state_back_fails_the_assignee_change() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.errors[("set_state", ISSUE_A)] = NotFoundError("PUT", "/state", 404, "issue not found")
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),))
    (result,) = apply_plan(plan, api).results
    assert result.status is ResultStatus.FAILED
    assert "issue not found" in (result.error or "")


def test_a_state_change_without_a_target_fails_without_writing() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    change = Change(ISSUE_A, Field.STATE, "OPEN", None, SRC, "triage")
    (result,) = apply_plan(Plan(changes=(change,)), api).results
    assert result.status is ResultStatus.FAILED
    assert sent(api) == []


def test_recheck_failure_covers_both_fields_of_the_issue() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.errors[("get_issue", ISSUE_A)] = ServerError("GET", "/issues", 502, "bad gateway")
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, recheck=True)
    assert [r.status for r in outcome.results] == [ResultStatus.FAILED] * 2
    assert sent(api) == []


# ---------------------------------------------------------------- write verification


def test_a_200_with_the_old_state_is_failed() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.answers["set_state"] = lambda issue: replace(issue, state=State.OPEN)
    plan = Plan(changes=(state_change(ISSUE_A, State.OPEN, State.RESOLVED),))
    (result,) = apply_plan(plan, api).results
    assert result.status is ResultStatus.FAILED
    assert result.error == (
        "the API answered, but the issue shows state OPEN, not RESOLVED: "
        "the write did not take effect"
    )


def test_a_200_with_the_wrong_assignee_is_failed() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.answers["set_assignee"] = lambda issue: replace(issue, assignee_id=BOB)
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api)
    assert statuses(outcome) == [(ISSUE_A, "assignee", "failed"), (ISSUE_A, "state", "applied")]
    assert f"shows {BOB}, not {ALICE}" in (outcome.results[0].error or "")


def test_a_200_for_another_issue_is_failed() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.answers["set_state"] = lambda issue: replace(issue, id=ISSUE_B)
    plan = Plan(changes=(state_change(ISSUE_A, State.OPEN, State.IGNORED),))
    (result,) = apply_plan(plan, api).results
    assert result.status is ResultStatus.FAILED
    assert result.error == f"the API answered with issue {ISSUE_B!r}, not this one"


def test_a_lying_answer_while_writing_the_state_back_fails_the_assignee_change() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.answers["set_state"] = lambda issue: replace(issue, state=State.ACKNOWLEDGED)
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),))
    (result,) = apply_plan(plan, api).results
    assert result.status is ResultStatus.FAILED
    assert (result.error or "").startswith("assigned, but writing state OPEN back failed")


@pytest.mark.parametrize("issue_id", ["..", ".", "../state", "%2e%2e", ""], ids=repr)
@pytest.mark.parametrize("recheck", [False, True], ids=["config", "saved"])
def test_a_non_uuid_issue_id_is_refused_before_any_request(issue_id: str, recheck: bool) -> None:
    api = FakeIssueApi([Issue(issue_id, State.OPEN)])
    plan = Plan(
        changes=(
            assignee_change(issue_id, None, ALICE),
            state_change(issue_id, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, recheck=recheck)
    assert [r.status for r in outcome.results] == [ResultStatus.FAILED] * 2
    assert outcome.results[0].error == f"issue id {issue_id!r} is not a UUID; nothing was sent"
    assert api.calls == []


# ---------------------------------------------------------------- saved plans re-applied


def test_stale_results_carry_the_live_value() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.IGNORED, assignee_id=BOB)])
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.RESOLVED),
        )
    )
    outcome = apply_plan(plan, api, recheck=True)
    assert [(r.status.value, r.current) for r in outcome.results] == [
        ("stale", BOB),
        ("stale", "IGNORED"),
    ]
    assert outcome.results[1].to_json()["current"] == "IGNORED"
    assert "current" not in apply_plan(plan, FakeIssueApi()).results[0].to_json()


def test_a_saved_plan_applied_twice_reports_unchanged_and_sends_nothing() -> None:
    api = FakeIssueApi(
        [Issue(ISSUE_A, State.OPEN), Issue(ISSUE_B, State.ACKNOWLEDGED, assignee_id=BOB)]
    )
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),
            assignee_change(ISSUE_B, BOB, None),
            state_change(ISSUE_B, State.ACKNOWLEDGED, State.RESOLVED),
        )
    )
    first = apply_plan(plan, api, recheck=True)
    assert [r.status.value for r in first.results] == ["applied"] * 3
    writes = len(sent(api))
    second = apply_plan(plan, api, recheck=True)
    assert [r.status.value for r in second.results] == ["unchanged"] * 3
    assert len(sent(api)) == writes
    assert second.ok and second.writes_sent == 0


def test_a_reapplied_saved_plan_finishes_a_state_the_own_assignment_moved() -> None:
    # A first run assigned the issue (OPEN -> ACKNOWLEDGED) and its state write failed.
    api = FakeIssueApi([Issue(ISSUE_A, State.OPEN)])
    api.errors[("set_state", ISSUE_A)] = ServerError("PUT", "/state", 503, "unavailable")
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
        )
    )
    first = apply_plan(plan, api, recheck=True)
    assert statuses(first) == [(ISSUE_A, "assignee", "applied"), (ISSUE_A, "state", "failed")]
    assert api.issues[ISSUE_A].state is State.ACKNOWLEDGED
    del api.errors[("set_state", ISSUE_A)]
    second = apply_plan(plan, api, recheck=True)
    assert statuses(second) == [
        (ISSUE_A, "assignee", "unchanged"),
        (ISSUE_A, "state", "applied"),
    ]
    assert api.issues[ISSUE_A] == Issue(ISSUE_A, State.IGNORED, assignee_id=ALICE)


def test_a_reapplied_saved_plan_does_not_finish_an_issue_someone_else_assigned() -> None:
    api = FakeIssueApi([Issue(ISSUE_A, State.ACKNOWLEDGED, assignee_id=BOB)])
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, recheck=True)
    assert statuses(outcome) == [(ISSUE_A, "assignee", "stale"), (ISSUE_A, "state", "stale")]
    assert sent(api) == []


def test_a_reapplied_saved_plan_writes_back_a_kept_state_a_partial_run_left() -> None:
    # A first run assigned the issue and was stopped before writing OPEN back.
    api = FakeIssueApi([Issue(ISSUE_A, State.ACKNOWLEDGED, assignee_id=ALICE)])
    plan = Plan(changes=(assignee_change(ISSUE_A, None, ALICE, keep=State.OPEN),))
    outcome = apply_plan(plan, api, recheck=True)
    assert statuses(outcome) == [(ISSUE_A, "assignee", "applied")]
    assert sent(api) == [("set_state", ISSUE_A, State.OPEN)]
    assert api.issues[ISSUE_A].state is State.OPEN


# ---------------------------------------------------------------- real interrupts


def _signal_main_thread() -> None:
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def test_an_interrupt_finishes_the_issue_whose_first_write_was_sent() -> None:
    cancel = Cancellation()

    def interrupt_during_assign(method: str, issue_id: str) -> None:
        if (method, issue_id) == ("set_assignee", ISSUE_B):
            _signal_main_thread()
            assert cancel.requested.wait(5)

    api = FakeIssueApi(
        [Issue(ISSUE_A, State.OPEN), Issue(ISSUE_B, State.OPEN), Issue(ISSUE_C, State.OPEN)],
        hook=interrupt_during_assign,
    )
    plan = Plan(
        changes=(
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
            assignee_change(ISSUE_B, None, ALICE),
            state_change(ISSUE_B, State.OPEN, State.IGNORED),
            state_change(ISSUE_C, State.OPEN, State.IGNORED),
        )
    )
    outcome = apply_plan(plan, api, parallelism=1, cancellation=cancel)
    assert outcome.interrupted
    assert statuses(outcome) == [
        (ISSUE_A, "state", "applied"),
        (ISSUE_B, "assignee", "applied"),
        (ISSUE_B, "state", "applied"),
        (ISSUE_C, "state", "skipped"),
    ]
    assert outcome.writes_sent == 3
    assert api.issues[ISSUE_B] == Issue(ISSUE_B, State.IGNORED, assignee_id=ALICE)


def test_a_double_interrupt_loses_no_result_of_a_write_in_flight() -> None:
    cancel = Cancellation()
    both_in_flight = threading.Barrier(2, timeout=5)

    def interrupt_twice(method: str, issue_id: str) -> None:
        if method != "set_assignee":
            return
        both_in_flight.wait()
        if issue_id == ISSUE_A:
            _signal_main_thread()
            assert cancel.requested.wait(5)
            _signal_main_thread()
        assert cancel.urgent.wait(5)

    api = FakeIssueApi(
        [Issue(ISSUE_A, State.OPEN), Issue(ISSUE_B, State.OPEN)], hook=interrupt_twice
    )
    plan = Plan(
        changes=(
            assignee_change(ISSUE_A, None, ALICE),
            state_change(ISSUE_A, State.OPEN, State.IGNORED),
            assignee_change(ISSUE_B, None, BOB),
            state_change(ISSUE_B, State.OPEN, State.IGNORED),
        )
    )
    logged: list[ChangeResult] = []
    lock = threading.Lock()

    def log_line(result: ChangeResult) -> None:
        with lock:
            logged.append(result)

    outcome = apply_plan(plan, api, parallelism=2, on_result=log_line, cancellation=cancel)
    assert outcome.interrupted
    # Both assignee writes reached the server; both are in the log, and no state write
    # was started after the second interrupt.
    writes = sorted(w[:2] for w in sent(api))
    assert writes == [
        ("set_assignee", ISSUE_A),
        ("set_assignee", ISSUE_B),
    ]
    assert sorted((r.change.issue_id, r.change.field.value, r.status.value) for r in logged) == [
        (ISSUE_A, "assignee", "applied"),
        (ISSUE_A, "state", "skipped"),
        (ISSUE_B, "assignee", "applied"),
        (ISSUE_B, "state", "skipped"),
    ]
