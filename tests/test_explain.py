"""`explain` on the bundled example org: golden text and JSON, errors, and no writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes import FakeIssueApi
from golden.support import check_golden

from reconciler.cli import cli
from reconciler.config import load_config
from reconciler.engine import Connection, Engine, connect
from reconciler.errors import IssueNotFoundError
from reconciler.model import Explanation, Field, Issue, State, User
from reconciler.render.explain_json import render_explain_json
from reconciler.render.explain_text import render_explain_text
from reconciler.sandbox import RunningSandbox, Store, bundled_data, load_data, serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
# The bundled examples, and a later rule naming another owner for payments-api.
CONFIGS = ["examples/ownership.yaml", "examples/triage.yaml", "tests/fixtures/config/explain"]
NOW = 1_800_000_000_000  # the org's relative times and the engine's clock agree on it
KEYS = {"DD_API_KEY": "test-api-key", "DD_APP_KEY": "test-app-key"}

RULE_BEATS_RULE = "fbeae7c1-8667-11f0-b698-da7ad0900002"  # payments-owner over the fallback
HELD_REGRESSED = "842983de-8fb1-11f0-d277-da7ad0900002"  # retire-legacy-reports, regressed
HELD_GRACE = "4a5a97c6-433c-11f0-4c06-da7ad0900002"  # retire-legacy-reports, seen 5m ago
PINNED = "22249aa6-1fd2-11f0-594e-da7ad0900002"  # the pin beats messaging-owner
NO_CHANGE = "adfa2b24-c2d9-11f0-24fe-da7ad0900002"  # if_unassigned keeps carol
UNSELECTED = "2d214ca6-9b86-11f0-c255-da7ad0900002"  # shop-ios: no rule returns it
ABSENT = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sources read `examples/triage.yaml:22`, as a user running from the repository sees."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def store() -> Store:
    return Store.from_org(load_data(bundled_data(), now=NOW))


@pytest.fixture
def sandbox(store: Store) -> Iterator[RunningSandbox]:
    with serve_in_thread(store) as running:
        yield running


@pytest.fixture
def engine(sandbox: RunningSandbox) -> Iterator[Engine]:
    connection = Connection(api_url=sandbox.url, env=KEYS)
    with connect(connection, clock=lambda: NOW) as connected:
        yield connected


def explained(engine: Engine, issue_id: str) -> Explanation:
    return engine.explain(load_config(CONFIGS), issue_id)


CASES = {
    "rule_beats_rule": RULE_BEATS_RULE,
    "held_regressed": HELD_REGRESSED,
    "held_grace": HELD_GRACE,
    "pinned": PINNED,
    "no_change": NO_CHANGE,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_explain_text_golden(engine: Engine, case: str) -> None:
    check_golden(f"explain_{case}.txt", render_explain_text(explained(engine, CASES[case])))


@pytest.mark.parametrize("case", sorted(CASES))
def test_explain_json_golden(engine: Engine, case: str) -> None:
    check_golden(f"explain_{case}.json", render_explain_json(explained(engine, CASES[case])))


def test_a_rule_beaten_by_an_earlier_rule_is_its_loser(engine: Engine) -> None:
    explanation = explained(engine, RULE_BEATS_RULE)
    decision = explanation.decisions[Field.ASSIGNEE]
    assert decision is not None and decision.rule == "payments-owner"
    assert decision.losers == ("payments-api-fallback",)
    verdicts = {v.rule.name: v for v in explanation.rules}
    assert verdicts["payments-owner"].decides == (Field.ASSIGNEE,)
    assert verdicts["payments-api-fallback"].beaten_on == (Field.ASSIGNEE,)
    assert [v.rule.name for v in explanation.rules] == [r.name for r in load_config(CONFIGS).rules]


def test_the_pin_beats_a_matching_rule_without_a_conflict(engine: Engine) -> None:
    explanation = explained(engine, PINNED)
    assignee = explanation.decisions[Field.ASSIGNEE]
    assert assignee is not None and assignee.rule is None and assignee.losers == ()
    messaging = next(v for v in explanation.rules if v.rule.name == "messaging-owner")
    assert messaging.matched and messaging.beaten_on == (Field.ASSIGNEE,)


def test_the_json_changes_are_the_plans_changes_for_the_issue(engine: Engine) -> None:
    planned = engine.plan(load_config(CONFIGS), targets=(PINNED,))
    document = json.loads(render_explain_json(explained(engine, PINNED)))
    plan_changes = [{**c.to_json(), "url": None} for c in planned.changes]
    assert document["changes"] == plan_changes and len(plan_changes) == 2


def test_an_issue_no_rule_returns_is_fetched_and_explained(engine: Engine) -> None:
    explanation = explained(engine, UNSELECTED)
    assert explanation.issue.service == "shop-ios"
    assert not any(v.returned for v in explanation.rules)
    assert explanation.pin is None and explanation.changes == ()
    assert set(explanation.decisions.values()) == {None}


def test_an_absent_issue_is_an_error(engine: Engine) -> None:
    with pytest.raises(IssueNotFoundError, match=f"issue '{ABSENT}' does not exist at http"):
        explained(engine, ABSENT)


def test_explain_reads_once_and_never_writes(engine: Engine, store: Store) -> None:
    store.reset_counts()
    explained(engine, RULE_BEATS_RULE)
    assert store.write_count() == 0
    searches = store.request_count("POST")
    store.reset_counts()
    engine.plan(load_config(CONFIGS))
    assert store.request_count("POST") == searches  # one plan's observation, no more


# ---------------------------------------------------------------- the command


def run(args: list[str], sandbox_url: str = "http://127.0.0.1:9") -> tuple[int, str, str]:
    # Port 9 has no listener: a command that reached the network would fail otherwise.
    result = CliRunner().invoke(cli, args, env={**KEYS, "DD_API_URL": sandbox_url})
    return result.exit_code, result.stdout, result.stderr


def test_command_prints_text_and_json(sandbox: RunningSandbox) -> None:
    code, out, _ = run(["explain", NO_CHANGE, *CONFIGS], sandbox.url)
    assert code == 0 and out.endswith("Result:\n  No change.\n")
    code, out, _ = run(["explain", NO_CHANGE, *CONFIGS, "--format", "json"], sandbox.url)
    assert code == 0 and json.loads(out)["issue_id"] == NO_CHANGE


def test_command_refuses_an_id_that_is_not_a_uuid_before_any_request() -> None:
    code, out, err = run(["explain", "not-an-id", *CONFIGS])
    assert (code, out) == (1, "")
    assert err == "Error: issue 'not-an-id' is not an issue id (a UUID)\n"


def test_command_reports_an_absent_issue(sandbox: RunningSandbox) -> None:
    code, out, err = run(["explain", ABSENT, *CONFIGS], sandbox.url)
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: issue '{ABSENT}' does not exist at http://127.0.0.1:")
    assert err.endswith("(404); check the id and the site\n")


def test_command_checks_the_config_and_its_tests_first() -> None:
    failing = "tests/fixtures/config/failing_tests/wrong_assignee.yaml"
    code, _, err = run(["explain", RULE_BEATS_RULE, failing])
    assert code == 1
    assert "test 'payments-owned': expected assignee alice, got bob" in err


# ---------------------------------------------------------------- keep_state, unreadable guards


def test_keep_state_and_an_unreadable_last_seen_are_shown(tmp_path: Path) -> None:
    """A pin that keeps OPEN while assigning carries keep_state; a RESOLVED wanted on an
    issue whose last_seen could not be read is held for grace."""
    kept = "11111111-0000-4000-8000-000000000001"
    unreadable = "11111111-0000-4000-8000-000000000002"
    alice = User("7c0b5b9e-3f1a-4e8e-9a51-2d4f6c1e8a01", email="alice@example.com")
    api = FakeIssueApi(
        [
            Issue(kept, State.OPEN, service="web"),
            Issue(unreadable, State.OPEN, service="web", unreadable=frozenset({"last_seen"})),
        ],
        [alice],
    )
    path = tmp_path / "keep.yaml"
    path.write_text(
        "version: 1\n"
        "rules:\n"
        "  - {name: retire-web, query: 'service:web', state: RESOLVED}\n"
        "issues:\n"
        f"  {kept}: {{state: OPEN, assignee: alice@example.com}}\n",
        encoding="utf-8",
    )
    config = load_config([path])
    engine = Engine(api, api_url="https://api.example.test", clock=lambda: NOW)

    keeping = engine.explain(config, kept)
    text = render_explain_text(keeping)
    assert "    keeps state OPEN if assigning moves it\n" in text
    document = json.loads(render_explain_json(keeping))
    assert document["fields"]["assignee"]["keep_state"] == "OPEN"
    assert document["fields"]["state"]["decided_by"] == "pin"
    assert document["changes"][0]["keep_state"] == "OPEN"
    retire = document["rules"][0]
    assert (retire["decides"], retire["beaten_on"]) == ([], ["state"])

    held = engine.explain(config, unreadable)
    assert "held: grace (last seen unreadable, so taken as within grace 1h)" in (
        render_explain_text(held)
    )
    guard = json.loads(render_explain_json(held))["fields"]["state"]["guard"]
    assert guard["unreadable"] == ["last_seen"] and guard["last_seen"] is None
    assert api.writes() == []
