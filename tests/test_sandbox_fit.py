"""Generated orgs fit a config: its users, its pins, and issues every rule selects and changes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.config import load_config
from reconciler.model import Config, SearchRequest, State, Track
from reconciler.sandbox import Store, bundled_configs, generate_org, generate_org_document
from reconciler.sandbox.fit import OrgFit, fit_for
from reconciler.sandbox.search import compile_query

NOW = int(time.time() * 1000)
EXAMPLES = load_config(bundled_configs())


def _org_for(config: Config, issues: int = 600, services: int = 30, seed: int = 7) -> Store:
    return Store.from_org(generate_org(issues, services, seed, NOW, fit=fit_for(config)))


def _selected(store: Store, config: Config) -> dict[str, list[str]]:
    """Per rule, the issues its search returns that the rule would change."""
    changes: dict[str, list[str]] = {}
    for rule in config.rules:
        since = NOW - rule.window_s * 1000
        users = {u.email: u.id for u in store.users()}
        found = []
        for state in rule.from_states:
            criteria = SearchRequest(rule.query, since, NOW + 1, rule.track, rule.persona, (state,))
            for issue in store.search(criteria):
                wants_state = rule.state is not None and issue.state is not rule.state
                owner = rule.assignee.user if rule.assignee else None
                wants_owner = owner is not None and issue.assignee_id != users.get(owner)
                if wants_state or wants_owner:
                    found.append(issue.id)
        changes[rule.name] = found
    return changes


def test_the_examples_fit_lists_users_pins_and_a_template_per_rule() -> None:
    fit = fit_for(EXAMPLES)
    assert [u.email for u in fit.users] == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "erin@example.com",
    ]
    assert fit.pins == tuple(pin.issue_id for pin in EXAMPLES.pins)
    wanted = {(t.rule.name, t.service, t.error_type) for t in fit.templates}
    assert wanted == {
        ("payments-owner", "payments-api", None),
        ("checkout-web-owner", "checkout-web", None),
        ("platform-owner", "search-api", None),
        ("platform-owner", "catalog-api", None),
        ("messaging-owner", "email-api-py", None),
        ("messaging-owner", "notifications-worker", None),
        ("ignore-chunk-load-errors", None, "ChunkLoadError"),
        ("retire-legacy-reports", "legacy-reports", None),
    }


def test_a_generated_org_has_what_the_examples_need() -> None:
    store = _org_for(EXAMPLES)
    assert len(store.issues()) == 600
    users = {u.email: u for u in store.users()}
    for email in ("alice@example.com", "bob@example.com", "carol@example.com", "erin@example.com"):
        assert users[email].status == "Active" and not users[email].disabled
    for pin in EXAMPLES.pins:
        assert store.issue(pin.issue_id) is not None
    selected = _selected(store, EXAMPLES)
    assert all(selected.values()), selected


def test_other_services_keep_clear_of_the_rules() -> None:
    # Only the rule's own service matches a wildcard rule, as with a real ownership rule.
    store = _org_for(EXAMPLES, issues=3000, services=60)
    services = {issue.service for issue in store.issues()}
    assert len(services) == 60
    payments = compile_query("service:payments-*")
    assert {i.service for i in store.issues() if payments(i)} == {"payments-api"}
    chunk = compile_query("@error.type:ChunkLoadError")
    assert {i.service for i in store.issues() if chunk(i)} == {"checkout-web"}


def test_generation_with_a_fit_is_deterministic() -> None:
    fit = fit_for(EXAMPLES)
    first = generate_org_document(300, 12, 5, fit=fit)
    assert first == generate_org_document(300, 12, 5, fit=fit)
    assert first != generate_org_document(300, 12, 6, fit=fit)


def test_fewer_issues_than_the_fit_needs_still_gives_the_count() -> None:
    document = generate_org_document(2, 3, 1, fit=fit_for(EXAMPLES))
    assert [issue["id"] for issue in document["issues"]] == [p.issue_id for p in EXAMPLES.pins][:2]


def _config(tmp_path: Path, body: str) -> Config:
    path = tmp_path / "config.yaml"
    path.write_text("version: 1\ndefaults:\n  window: 7d\n  persona: ALL\n" + body, "utf-8")
    return load_config([path])


@pytest.mark.parametrize(
    "rule",
    [
        "query: 'service:checkout-* -@language:go'\n    track: trace\n    assignee: a@example.org",
        "query: '@error.type:\"my.Custom Error\"'\n    track: logs\n    state: IGNORED",
        "query: 'service:*'\n    assignee: a@example.org",
        "query: 'env:staging service:(ledger-api OR ledger-worker)'\n    assignee: "
        "9a1c7a4e-5b2d-4c3e-8f10-2b3c4d5e6f70",
        "query: '\"read timed out\" OR @error.type:db.\\\\*'\n    assignee: a@example.org",
    ],
    ids=["negated-facet", "quoted-error-type", "everything", "uuid-assignee", "free-text"],
)
def test_every_rule_of_a_config_selects_an_issue_it_changes(tmp_path: Path, rule: str) -> None:
    config = _config(tmp_path, f"rules:\n  - name: the-rule\n    {rule}\n")
    store = _org_for(config, issues=300, services=20)
    assert _selected(store, config)["the-rule"]
    fit: OrgFit = fit_for(config)
    for user in fit.users:
        assert user.email in {u.email for u in store.users()}
        if user.id is not None:
            assert store.user(user.id) is not None


def test_a_rules_track_decides_where_its_error_type_is_reported(tmp_path: Path) -> None:
    config = _config(tmp_path, "rules:\n  - name: r\n    query: '@error.type:Oops'\n"
                     "    track: logs\n    state: RESOLVED\n")  # fmt: skip
    store = _org_for(config, issues=300, services=20)
    oops = [i for i in store.issues() if i.error_type == "Oops"]
    assert oops and {i.track for i in oops} == {Track.LOGS}
    assert any(i.state in (State.OPEN, State.ACKNOWLEDGED) for i in oops)


def test_cli_generate_fits_the_configs_it_is_given(tmp_path: Path) -> None:
    config = tmp_path / "mine.yaml"
    config.write_text(
        "version: 1\nrules:\n  - name: mine\n    query: 'service:my-api'\n"
        "    persona: ALL\n    assignee: me@example.org\n",
        "utf-8",
    )
    out = tmp_path / "org.json"
    args = ["sandbox", "generate", "--issues", "40", "--config", str(config), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text("utf-8"))
    assert "me@example.org" in [u["email"] for u in document["users"]]
    assert "alice@example.com" not in [u["email"] for u in document["users"]]
    assert "my-api" in {i["service"] for i in document["issues"]}


def test_cli_generate_with_a_bad_config_says_what_is_wrong(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("version: 1\nrules:\n  - name: r\n    query: 'service:x'\n", "utf-8")
    result = CliRunner().invoke(cli, ["sandbox", "generate", "--config", str(config)])
    assert result.exit_code == 1
    assert "bad.yaml:3" in result.output
    assert "Error: configuration is invalid" in result.output
