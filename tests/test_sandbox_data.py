"""Sandbox data: relative times, persistence, the generator, the bundled demo and the CLI."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.sandbox import sandbox as sandbox_cli
from reconciler.config import load_config
from reconciler.model import State
from reconciler.sandbox import (
    Store,
    bundled_configs,
    bundled_data,
    generate_org,
    generate_org_document,
    load_data,
    org_from_dict,
)
from reconciler.sandbox.data import parse_time
from reconciler.sandbox.errors import SandboxDataError
from reconciler.sandbox.fit import fit_for

NOW = 1_780_000_000_000
USER = "7c0b5b9e-3f1a-4e8e-9a51-2d4f6c1e8a01"
ISSUE = "c1726a66-1f64-11ee-b338-da7ad0900002"


def _document(**issue: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": ISSUE,
        "service": "email-api-py",
        "error_type": "builtins.TypeError",
        "first_seen": "-20d",
        "last_seen": "-2h",
    }
    base.update(issue)
    user = {"id": USER, "email": "alice@example.com", "name": None}
    return {"users": [user], "teams": [], "issues": [base]}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (1_700_000_000_000, 1_700_000_000_000),
        ("now", NOW),
        ("-2h", NOW - 2 * 3_600_000),
        ("-20d", NOW - 20 * 86_400_000),
        ("-1w", NOW - 604_800_000),
        ("+30s", NOW + 30_000),
        ("2026-01-03T08:00:00Z", 1_767_427_200_000),
    ],
    ids=["epoch-ms", "now", "hours", "days", "weeks", "future", "iso"],
)
def test_time_specs(spec: object, expected: int) -> None:
    assert parse_time(spec, NOW, "here") == expected


@pytest.mark.parametrize("spec", ["yesterday", "-2y", True, 1.5], ids=str)
def test_bad_time_specs_are_data_errors(spec: object) -> None:
    with pytest.raises(SandboxDataError, match="here"):
        parse_time(spec, NOW, "here")


def test_relative_times_resolve_against_load_time() -> None:
    regression = {"resolved_at": "-9d", "regressed_at": "-2d", "regressed_at_version": "v2"}
    org = org_from_dict(_document(regression=regression), NOW)
    issue = org.issues[0]
    assert issue.last_seen == NOW - 2 * 3_600_000
    assert issue.first_seen == NOW - 20 * 86_400_000
    assert issue.regression is not None
    assert issue.regression.regressed_at.endswith("Z")
    assert org.users[0].handle == "alice@example.com"  # defaults to the email


@pytest.mark.parametrize(
    ("issue", "message"),
    [
        ({"id": "not-a-uuid"}, "must be a UUID"),
        ({"state": "CLOSED"}, "CLOSED"),
        ({"last_seen": "soon"}, "bad time"),
        ({"regression": {"resolved_at": "-1d"}}, "'regressed_at' is required"),
        ({"languages": "PYTHON"}, "must be lists"),
    ],
    ids=["bad-id", "bad-state", "bad-time", "incomplete-regression", "languages-not-list"],
)
def test_malformed_issues_are_reported(issue: dict[str, object], message: str) -> None:
    with pytest.raises(SandboxDataError, match=message):
        org_from_dict(_document(**issue), NOW, "org.json")


def test_unreadable_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SandboxDataError, match=r"org\.json"):
        load_data(path)


def test_persist_round_trip_keeps_relative_times(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    text = json.dumps(_document())
    path.write_text(text, encoding="utf-8")
    store = Store.from_file(path, persist=True)
    assert store.database == tmp_path / "org.json.sqlite"
    store.set_assignee(ISSUE, USER)
    store.close()
    assert path.read_text(encoding="utf-8") == text  # the JSON file is only the seed
    with closing(sqlite3.connect(tmp_path / "org.json.sqlite")) as db:
        (row,) = db.execute("SELECT doc FROM issues WHERE id = ?", (ISSUE,)).fetchall()
    issue = json.loads(row[0])
    assert (issue["state"], issue["assignee_id"]) == ("ACKNOWLEDGED", USER)
    assert (issue["first_seen"], issue["last_seen"]) == ("-20d", "-2h")
    assert issue["case"]["key"] == "ET-1"
    reloaded = Store.from_file(path, persist=True)
    again = reloaded.issue(ISSUE)
    assert again is not None and again.state is State.ACKNOWLEDGED
    assert again.case == store.issue(ISSUE).case  # type: ignore[union-attr]
    reloaded.close()
    # No temporary file, and no write-ahead log once closed.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.json", "org.json.sqlite"]


def test_without_persist_the_file_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    text = json.dumps(_document())
    path.write_text(text, encoding="utf-8")
    Store.from_file(path).set_state(ISSUE, State.RESOLVED)
    assert path.read_text(encoding="utf-8") == text


def test_generator_is_deterministic_and_realistic() -> None:
    first = generate_org_document(issues=400, services=12, seed=5)
    assert first == generate_org_document(issues=400, services=12, seed=5)
    assert first != generate_org_document(issues=400, services=12, seed=6)
    org = generate_org(issues=400, services=12, seed=5, now=NOW)
    assert len(org.issues) == 400
    assert len({i.service for i in org.issues}) == 12
    assert len({i.id for i in org.issues}) == 400
    assert any(i.assignee_id for i in org.issues)
    assert any(i.regression for i in org.issues)
    assert {i.state for i in org.issues} >= {State.OPEN, State.RESOLVED, State.IGNORED}
    assert all(i.first_seen <= i.last_seen <= NOW for i in org.issues)
    assert any(u.disabled for u in org.users)


def test_generated_users_have_unique_emails_in_large_orgs() -> None:
    users = generate_org_document(issues=10, services=2, seed=3, users=250)["users"]
    emails = [user["email"] for user in users]
    assert len(emails) == 250 and len(set(emails)) == 250


def test_bundled_demo_material_is_consistent() -> None:
    org = load_data(bundled_data())
    assert 20 <= len(org.issues) <= 60
    assert any(u.disabled for u in org.users)
    assert len({i.service for i in org.issues}) >= 5
    names = [path.name for path in bundled_configs()]
    assert names == ["ownership.yaml", "triage.yaml"]
    issue_ids = {i.id for i in org.issues}
    for path in bundled_configs():
        text = path.read_text(encoding="utf-8")
        # Pins (`<id>:`) and rule-test samples (`id: <id>`) name issues of the org.
        pinned = [
            line.strip().removeprefix("id: ").rstrip(":")
            for line in text.splitlines()
            if "-11f0-" in line
        ]
        assert set(pinned) <= issue_ids, path.name


def test_cli_generate_writes_a_loadable_file(tmp_path: Path) -> None:
    out = tmp_path / "big.json"
    args = ["generate", "--issues", "50", "--services", "4", "--seed", "9", "--out", str(out)]
    result = CliRunner().invoke(sandbox_cli, args)
    assert result.exit_code == 0, result.output
    fit = fit_for(load_config(bundled_configs()))
    assert json.loads(out.read_text(encoding="utf-8")) == generate_org_document(50, 4, 9, fit=fit)
    assert len(load_data(out).issues) == 50


def test_cli_generate_to_stdout() -> None:
    result = CliRunner().invoke(sandbox_cli, ["generate", "--issues", "3", "--services", "1"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["issues"]) == 3


def test_cli_serve_refuses_persist_without_data() -> None:
    result = CliRunner().invoke(sandbox_cli, ["serve", "--persist"])
    assert result.exit_code != 0
    assert "--persist needs --data" in result.output


def test_cli_serve_reports_a_bad_data_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"issues": [{"id": "nope"}]}', encoding="utf-8")
    result = CliRunner().invoke(sandbox_cli, ["serve", "--data", str(path)])
    assert result.exit_code == 1
    assert "must be a UUID" in result.output
