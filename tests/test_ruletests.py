"""Rule tests (`tests:`): evaluated offline with the planner's own decide and diff."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from fakes import FakeIssueApi
from ruamel.yaml import YAML

from reconciler.cli import cli
from reconciler.config import load_config
from reconciler.config.schema import build_schema
from reconciler.engine import Engine
from reconciler.errors import ConfigError
from reconciler.model import Assignee, Config, ConfigTest, Expectation, State, UserReference
from reconciler.ruletests import check_tests, outcome_of, run_tests
from reconciler.ruletests.samples import FACETS
from reconciler.sandbox import bundled_configs
from reconciler.sandbox.search import FACETS as SANDBOX_FACETS

FIXTURES = Path(__file__).parent / "fixtures" / "config"
KEYS = {"DD_API_KEY": "test-api-key", "DD_APP_KEY": "test-app-key"}


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems name files as the user wrote them, so load with paths relative to here."""
    monkeypatch.chdir(FIXTURES)


def failures_of(path: str) -> list[str]:
    config = load_config([path])
    with pytest.raises(ConfigError) as caught:
        check_tests(config)
    return [str(problem) for problem in caught.value.problems]


F = "failing_tests"
FAILING = {
    "wrong_assignee.yaml": [
        f"{F}/wrong_assignee.yaml:13:5: test 'payments-owned': expected assignee alice, "
        f"got bob (rule 'web' at {F}/wrong_assignee.yaml:6)"
    ],
    "wrong_state.yaml": [
        f"{F}/wrong_state.yaml:9:5: test 'quiet-legacy-error-is-resolved': expected state "
        f"RESOLVED, got OPEN (rule 'retire-legacy' at {F}/wrong_state.yaml:5, held: last seen "
        "10m ago, within grace 1h)"
    ],
    "pin_decided.yaml": [
        f"{F}/pin_decided.yaml:15:5: test 'refund-error-goes-to-alice': expected assignee "
        f"alice, got erin (pin at {F}/pin_decided.yaml:11)"
    ],
    "no_rule_matches.yaml": [
        f"{F}/no_rule_matches.yaml:9:5: test 'catalog-error-goes-to-carol': expected assignee "
        "carol, got null (no rule matches)"
    ],
    "state_excluded_by_from_states.yaml": [
        f"{F}/state_excluded_by_from_states.yaml:8:5: test "
        "'reviewed-chunk-load-error-is-ignored': expected state IGNORED, got ACKNOWLEDGED "
        "(no rule matches; from_states of 'ignore-chunk-load' exclude ACKNOWLEDGED)"
    ],
    "assigning_acknowledges.yaml": [
        f"{F}/assigning_acknowledges.yaml:9:5: test 'new-payments-error-stays-open': expected "
        f"state OPEN, got ACKNOWLEDGED (rule 'payments' at {F}/assigning_acknowledges.yaml:5 "
        "assigns it, and assigning marks an OPEN issue ACKNOWLEDGED)",
        f"{F}/assigning_acknowledges.yaml:12:5: test 'another-failure-in-the-same-file': "
        f"expected assignee alice, got bob@example.com (rule 'payments' at "
        f"{F}/assigning_acknowledges.yaml:5, which keeps the current assignee: assign is "
        "if_unassigned)",
    ],
}


@pytest.mark.parametrize("name", sorted(FAILING), ids=lambda n: n.removesuffix(".yaml"))
def test_a_failing_test_is_a_problem_at_the_test(name: str) -> None:
    assert failures_of(f"{F}/{name}") == FAILING[name]


def test_every_failing_fixture_is_exercised() -> None:
    assert {p.name for p in (FIXTURES / F).glob("*.yaml")} == set(FAILING)


def test_failing_fixtures_are_valid_configs_the_schema_accepts() -> None:
    """What fails is the config's decisions, not its shape."""
    validator = jsonschema.Draft202012Validator(build_schema())
    for path in sorted((FIXTURES / F).glob("*.yaml")):
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(data)) == [], path.name


def test_the_schema_describes_every_sample_attribute() -> None:
    defs = build_schema()["$defs"]
    assert build_schema()["properties"]["tests"]["items"] == {"$ref": "#/$defs/test"}
    assert set(defs["test"]["required"]) == {"name", "issue", "expect"}
    assert set(defs["sample_issue"]["properties"]) == {
        "id", "service", "env", "version", "error_type", "error_message", "file_path",
        "function_name", "platform", "languages", "state", "assignee", "track",
        "first_seen", "last_seen", "regressed",
    }  # fmt: skip
    assert set(defs["expectation"]["properties"]) == {"assignee", "state"}


# ---------------------------------------------------------------- the bundled examples


def examples() -> Config:
    return load_config(bundled_configs())


def test_the_examples_tests_pass_and_there_are_at_least_six() -> None:
    config = examples()
    assert len(config.tests) >= 6
    assert run_tests(config) == []


def _contrary(test: ConfigTest) -> Expectation:
    """An expectation every field of which differs from what the test expects."""
    expect = test.expect
    assignee = None
    if expect.assignee is not None:
        nobody = "nobody@example.com"
        assignee = UserReference(nobody, Assignee(nobody))
    state = None
    if expect.state is not None:
        state = State.EXCLUDED if expect.state is not State.EXCLUDED else State.OPEN
    return Expectation(assignee=assignee, state=state)


def test_every_example_test_fails_when_its_expectation_is_contradicted() -> None:
    """No example passes vacuously: each field it expects is checked."""
    config = examples()
    for test in config.tests:
        contrary = dataclasses.replace(test, expect=_contrary(test))
        problems = run_tests(dataclasses.replace(config, tests=(contrary,)))
        expected = (test.expect.assignee is not None) + (test.expect.state is not None)
        assert len(problems) == expected, test.name


def test_examples_exercise_rules_pins_guards_and_scopes() -> None:
    """The examples cover a rule deciding, a pin deciding, a guard holding, and a
    search that does not return its sample."""
    config = examples()
    outcomes = {test.name: outcome_of(config, test) for test in config.tests}
    decided_by_pin = [n for n, o in outcomes.items() if o.entry and o.entry.pin and o.entry.fields]
    held = [n for n, o in outcomes.items() if o.entry and any(d.held for d in o.entry.fields)]
    unmatched = [n for n, o in outcomes.items() if o.entry is None]
    assert decided_by_pin and held and unmatched


def test_sample_facets_are_the_sandbox_search_facets() -> None:
    """A sample is searched over the same facets the sandbox answers searches with."""
    assert set(FACETS) == set(SANDBOX_FACETS)


# ---------------------------------------------------------------- validate and plan


def test_validate_reports_failing_tests_and_exits_1() -> None:
    result = CliRunner().invoke(cli, ["validate", f"{F}/wrong_assignee.yaml"])
    assert result.exit_code == 1
    assert FAILING["wrong_assignee.yaml"][0] in result.stderr
    assert "Error: configuration is invalid (1 problem); nothing was sent." in result.stderr
    assert result.stdout == ""


def test_validate_counts_the_tests_that_pass() -> None:
    result = CliRunner().invoke(cli, ["validate", *map(str, bundled_configs())])
    assert result.exit_code == 0, result.output
    assert "; 13 test(s) pass." in result.stdout


def test_plan_checks_the_tests_before_any_request() -> None:
    api = FakeIssueApi()
    engine = Engine(api, api_url="https://api.example.test")
    with pytest.raises(ConfigError) as caught:
        engine.plan_with_decisions(load_config([f"{F}/pin_decided.yaml"]))
    assert [str(p) for p in caught.value.problems] == FAILING["pin_decided.yaml"]
    assert api.calls == []


def test_plan_command_stops_on_a_failing_test_without_the_network() -> None:
    # Nothing listens on port 9: a request would fail with a network error instead.
    env = {**KEYS, "DD_API_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(cli, ["plan", f"{F}/no_rule_matches.yaml"], env=env)
    assert result.exit_code == 1
    assert FAILING["no_rule_matches.yaml"][0] in result.stderr
    assert "nothing was sent" in result.stderr
