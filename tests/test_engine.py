"""The engine: complete plans in one step, decisions beside them, and the plan's policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeIssueApi

from reconciler.engine import Connection, Engine
from reconciler.errors import (
    NetworkError,
    PinNotFoundError,
    PlanFailed,
    PlanFileError,
    StrictConflictError,
    TooManyChangesError,
)
from reconciler.model import (
    Assignee,
    AssignPolicy,
    Config,
    Field,
    Issue,
    Pin,
    PinProgress,
    Progress,
    ProgressEvent,
    ResultStatus,
    Rule,
    RuleProgress,
    Scope,
    Source,
    State,
    User,
)
from reconciler.render import render_json

NOW = 1_790_000_000_000
DAY_MS = 86_400_000
API_URL = "https://api.example.test"
ALICE = User("aaaaaaaa-0000-4000-8000-000000000001", email="alice@example.com")
BOB_ID = "bbbbbbbb-0000-4000-8000-000000000002"


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def live(n: int, state: State = State.OPEN, **kw: object) -> Issue:
    return Issue(uid(n), state, service="pay", last_seen=NOW - DAY_MS, **kw)  # type: ignore[arg-type]


def rule(name: str, *, state: State | None = None, user: str | None = None, line: int = 5) -> Rule:
    return Rule(
        name=name,
        query="service:pay",
        from_states=(State.OPEN,),
        window_s=30 * 86_400,
        grace_s=0,
        source=Source("t.yaml", line, 3),
        state=state,
        assignee=Assignee(user) if user else None,
        assign=AssignPolicy.ALWAYS,
    )


def config(*rules: Rule, pins: tuple[Pin, ...] = (), max_changes: int = 100) -> Config:
    return Config(rules=rules, pins=pins, max_changes=max_changes, digest="sha256:c")


def engine(api: FakeIssueApi, **kw: object) -> Engine:
    return Engine(api, api_url=API_URL, ui_host="app.example.test", clock=lambda: NOW, **kw)  # type: ignore[arg-type]


def test_plan_is_complete_in_one_step() -> None:
    api = FakeIssueApi([live(1, assignee_id=BOB_ID, assignee_label="bob@example.com")], [ALICE])
    plan = engine(api).plan(config(rule("own", user="alice@example.com")))
    assert [(c.field, c.before, c.after) for c in plan.changes] == [
        (Field.ASSIGNEE, BOB_ID, ALICE.id)
    ]
    assert plan.generated_at == "2026-09-21T14:13:20Z"
    assert (plan.api_url, plan.ui_host, plan.max_changes) == (API_URL, "app.example.test", 100)
    assert plan.users == {BOB_ID: "bob@example.com", ALICE.id: "alice@example.com"}


def test_plan_with_decisions_exposes_what_was_decided_and_observed() -> None:
    api = FakeIssueApi([live(1)], [ALICE])
    planned = engine(api).plan_with_decisions(config(rule("ignore", state=State.IGNORED)))
    assert [c.after for c in planned.plan.changes] == ["IGNORED"]
    decision = planned.decisions.issues[uid(1)].decision(Field.STATE)
    assert decision is not None and decision.rule == "ignore"
    assert set(planned.observed.issues) == {uid(1)}


def test_a_missing_pin_fails_the_plan_but_not_a_report() -> None:
    gone = Pin(uid(9), Source("t.yaml", 30, 3), grace_s=0, state=State.IGNORED)
    cfg = config(pins=(gone,))
    with pytest.raises(PlanFailed) as caught:
        engine(FakeIssueApi()).plan(cfg)
    [error] = caught.value.errors
    assert isinstance(error, PinNotFoundError) and error.where == "t.yaml:30"
    planned = engine(FakeIssueApi()).plan_with_decisions(cfg, allow_missing_pins=True)
    assert planned.observed.missing_pins == (gone,)


def test_raise_if_unsafe_refuses_past_max_changes_unless_forced() -> None:
    api = FakeIssueApi([live(1), live(2)])
    plan = engine(api).plan(config(rule("ignore", state=State.IGNORED), max_changes=1))
    with pytest.raises(TooManyChangesError, match="more than max_changes"):
        plan.raise_if_unsafe()
    plan.raise_if_unsafe(force=True)


def test_raise_if_conflicts_is_strict_mode() -> None:
    api = FakeIssueApi([live(1)])
    cfg = config(rule("a", state=State.IGNORED), rule("b", state=State.RESOLVED, line=9))
    plan = engine(api).plan(cfg)
    with pytest.raises(StrictConflictError):
        plan.raise_if_conflicts()
    engine(api).plan(config(rule("a", state=State.IGNORED))).raise_if_conflicts()


def test_a_saved_plan_from_another_api_is_refused(tmp_path: Path) -> None:
    api = FakeIssueApi([live(1)])
    path = tmp_path / "p.json"
    path.write_text(render_json(engine(api).plan(config(rule("i", state=State.IGNORED)))))
    assert engine(api).load_saved(path).changes
    other = Engine(api, api_url="https://other.example.test")
    with pytest.raises(PlanFileError, match=r"made against https://api\.example\.test"):
        other.load_saved(path)


def test_apply_reports_progress_per_change() -> None:
    api = FakeIssueApi([live(1), live(2)])
    events: list[ProgressEvent] = []
    run = engine(api, progress=events.append)
    plan = run.plan(config(rule("ignore", state=State.IGNORED)))
    seen: list[ResultStatus] = []
    del events[:]
    outcome = run.apply(plan, on_result=lambda r: seen.append(r.status))
    assert outcome.ok and seen == [ResultStatus.APPLIED] * 2
    assert all(isinstance(e, Progress) for e in events)
    applied = [e for e in events if isinstance(e, Progress)]
    assert sorted(e.done for e in applied) == [1, 2] and {e.total for e in applied} == {2}


def spread(count: int, service: str = "pay") -> list[Issue]:
    """`count` issues seen once each, spread evenly over the last 20 days."""
    step = 20 * DAY_MS // count
    return [
        Issue(
            uid(n), State.OPEN, service=service, first_seen=NOW - n * step, last_seen=NOW - n * step
        )
        for n in range(1, count + 1)
    ]


def test_plan_reports_each_rules_searches_and_issues_then_the_pins_fetched() -> None:
    # 250 issues need their rule's search split; the pin is on an issue no search returns.
    other = Issue(uid(999), State.OPEN, service="other", last_seen=NOW - DAY_MS)
    api = FakeIssueApi([*spread(250), other])
    events: list[ProgressEvent] = []
    pin = Pin(other.id, Source("t.yaml", 20, 3), grace_s=0, state=State.IGNORED)
    run = engine(api, progress=events.append, parallelism=3)
    rules = (rule("big", state=State.IGNORED), rule("small", state=State.IGNORED, line=9))
    run.plan(config(*rules, pins=(pin,)))
    by_rule = {
        name: [e for e in events if isinstance(e, RuleProgress) and e.rule == name]
        for name in ("big", "small")
    }
    searches = len(api.calls_to("search"))
    big, small = by_rule["big"], by_rule["small"]
    # Each rule is announced before its first answer, then counts up, then is done once.
    assert big[0] == RuleProgress("big", 0, 0) and small[0] == RuleProgress("small", 0, 0)
    assert [e.searches for e in big] == [*range(len(big) - 1), len(big) - 2]
    assert [e.done for e in big] == [False] * (len(big) - 1) + [True]
    assert all(e.pending > 0 for e in big[1:-1])  # the search answered is still counted
    assert big[-1] == RuleProgress("big", searches // 2, 250, done=True)
    assert small[-1] == RuleProgress("small", searches // 2, 250, done=True)
    assert big[-1].searches > 1
    assert [e.issues for e in big] == sorted(e.issues for e in big)
    assert [e for e in events if isinstance(e, PinProgress)] == [PinProgress(1, 1)]
    assert events[-1] == Progress("plan", 0, 251)  # then deciding what was observed


def test_a_failed_rule_ends_with_a_failed_progress_event() -> None:
    api = FakeIssueApi([live(1)])
    api.fail("service:pay", NetworkError("POST", "/search", "reset", API_URL))
    events: list[ProgressEvent] = []
    with pytest.raises(PlanFailed):
        engine(api, progress=events.append).plan(config(rule("broken", state=State.IGNORED)))
    assert events[-1] == RuleProgress("broken", 0, 0, done=True, failed=True)


def test_a_reports_scope_is_shown_as_the_scope_in_progress() -> None:
    api = FakeIssueApi([live(1)])
    events: list[ProgressEvent] = []
    engine(api, progress=events.append).report(
        config(rule("ignore", state=State.IGNORED)), Scope("service:pay", "30d", 30 * 86_400)
    )
    names = {e.rule for e in events if isinstance(e, RuleProgress)}
    assert names == {"ignore", "(scope)"}


def test_connection_names_the_ui_host_of_the_site() -> None:
    assert Connection(site="datadoghq.eu", env={}).ui_host == "app.datadoghq.eu"
    assert Connection(api_url="http://127.0.0.1:9", env={}).ui_host is None


# Plans in a fresh interpreter whose search waits (up to 10 s) for DeepDiff to be loaded
# by someone else; prints whether it was, then whether the plan came out right.
PLAN_WHILE_SEARCHING = """
import sys, time
sys.path.insert(0, "tests")
from fakes import FakeIssueApi
from test_engine import config, engine, live, rule
from reconciler.model import State

seen = []

def hook(method, key):
    if method == "search":
        deadline = time.monotonic() + 10
        while "deepdiff" not in sys.modules and time.monotonic() < deadline:
            time.sleep(0.005)
        seen.append("deepdiff" in sys.modules)

api = FakeIssueApi([live(1)], hook=hook)
plan = engine(api).plan(config(rule("quiet", state=State.IGNORED)))
print(seen, [(c.issue_id, c.after) for c in plan.changes])
"""


def test_the_diff_engine_loads_while_the_searches_wait_on_the_network() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    ran = subprocess.run(
        [sys.executable, "-c", PLAN_WHILE_SEARCHING],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert ran.stdout.strip() == f"[True] [('{uid(1)}', 'IGNORED')]"
