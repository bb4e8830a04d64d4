"""`plan --base`: what changing from the base branch's config does to ownership, in every
format, from one read of the live API."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from golden.support import ALICE as ALICE_ID
from golden.support import BOB as BOB_ID
from golden.support import CAROL as CAROL_ID
from golden.support import ISSUE_A, ISSUE_B, ISSUE_C, check_golden, rich_plan

from reconciler.cli import cli
from reconciler.model import Move, Owned, OwnershipDelta, Plan
from reconciler.render import render_json, render_markdown, render_text
from reconciler.render.moves import owner_moves
from reconciler.sandbox import Knobs, RunningSandbox, Store, bundled_data, serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "base-api-key"
APP_KEY = "base-app-key"
ALICE = "7c0b5b9e-3f1a-4e8e-9a51-2d4f6c1e8a01"
BOB = "a3d94f1c-6b2e-4c7d-8f10-9e5b7a2c4d02"
ERIN = "2f6a9c3e-5d7b-4a1f-8e2d-4b6c0a9e7d05"
# The example org's unassigned payments issues, which the payments rule assigns.
PAYMENTS_UNASSIGNED = [
    "9f9853b3-f134-11f0-4419-da7ad0900002",
    "fbeae7c1-8667-11f0-b698-da7ad0900002",
]
SEARCH = "POST /api/v2/error-tracking/issues/search"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    # `plan` never writes, so the tests of this module share one example org.
    store = Store.from_file(bundled_data())
    with serve_in_thread(store, Knobs(api_key=API_KEY, app_key=APP_KEY)) as running:
        yield running


@pytest.fixture
def env(sandbox: RunningSandbox) -> dict[str, str]:
    return {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_API_URL": sandbox.url}


@pytest.fixture
def configs(tmp_path: Path) -> tuple[Path, Path]:
    """The example ownership config as the base, and a head that gives payments to bob."""
    text = (ROOT / "examples" / "ownership.yaml").read_text(encoding="utf-8")
    base = tmp_path / "base" / "ownership.yaml"
    head = tmp_path / "head" / "ownership.yaml"
    base.parent.mkdir()
    head.parent.mkdir()
    base.write_text(text, encoding="utf-8")
    # Only the payments rule and its rule test say alice in the example.
    moved = text.replace("assignee: alice", "assignee: bob").replace(
        "expect: {assignee: alice}", "expect: {assignee: bob}"
    )
    assert moved.count("bob") == text.count("bob") + 2
    head.write_text(moved, encoding="utf-8")
    return base, head


def run(args: list[str], env: dict[str, str]) -> Result:
    base = {"DD_API_KEY": "", "DD_APP_KEY": "", "DD_API_URL": "", "DD_SITE": "", "NO_COLOR": "1"}
    base |= {"GITHUB_STEP_SUMMARY": ""}
    return CliRunner().invoke(cli, args, env={**base, **env})


def test_json_plan_lists_the_moves_and_coverage_before_and_after(
    configs: tuple[Path, Path], env: dict[str, str]
) -> None:
    base, head = configs
    result = run(["plan", "--format", "json", str(head), "--base", str(base)], env)
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    ownership = plan["ownership"]
    assert list(ownership) == ["before", "after", "moves"]
    assert ownership["moves"] == [
        {"issue_id": issue_id, "from": ALICE, "to": BOB} for issue_id in PAYMENTS_UNASSIGNED
    ]
    # Both configs own the same issues, only the owner differs.
    assert ownership["before"] == ownership["after"]
    assert 0 < ownership["after"]["owned"] <= ownership["after"]["total"]
    assert [c["after"] for c in plan["changes"] if c["issue_id"] in PAYMENTS_UNASSIGNED] == [
        BOB,
        BOB,
    ]


def test_plan_without_base_has_no_ownership(
    configs: tuple[Path, Path], env: dict[str, str]
) -> None:
    result = run(["plan", "--format", "json", str(configs[1])], env)
    assert result.exit_code == 0, result.stderr
    assert "ownership" not in json.loads(result.stdout)


def test_text_plan_shows_coverage_and_moves_per_owner(
    configs: tuple[Path, Path], env: dict[str, str]
) -> None:
    base, head = configs
    result = run(["plan", str(head), "--base", str(base)], env)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Ownership (base"))
    assert " open and acknowledged issues owned -> " in lines[start]
    assert lines[start + 1] == "  2 issues change owner: +2 bob@example.com, -2 alice@example.com"
    assert lines[-1].startswith("Plan: ")


def test_markdown_shows_ownership_right_under_the_verdict(
    configs: tuple[Path, Path], env: dict[str, str]
) -> None:
    base, head = configs
    result = run(["plan", "--format", "markdown", str(head), "--base", str(base)], env)
    assert result.exit_code == 0, result.stderr
    blocks = result.stdout.split("\n\n")
    assert blocks[0].startswith("### Plan: ")
    assert blocks[1].startswith("**Ownership:** ")
    assert "**Owner moves** (2 issues): +2 bob@example.com, -2 alice@example.com" in blocks[1]


def test_newly_unowned_issues_are_shown_and_kept_in_a_small_comment(
    tmp_path: Path, env: dict[str, str]
) -> None:
    base = ROOT / "examples" / "ownership.yaml"
    head = tmp_path / "ownership.yaml"
    head.write_text(
        "version: 1\nusers:\n  alice: alice@example.com\nrules:\n"
        "  - name: payments-owner\n    query: 'service:payments-*'\n    assignee: alice\n",
        encoding="utf-8",
    )
    args = ["plan", "--format", "markdown", "--max-chars", "1000", str(head), "--base", str(base)]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout) <= 1001  # click adds the final newline back
    ownership = result.stdout.split("\n\n")[1]
    assert "**Newly unowned:** " in ownership
    plan = json.loads(run(["plan", "--format", "json", str(head), "--base", str(base)], env).stdout)
    before, after = plan["ownership"]["before"], plan["ownership"]["after"]
    assert before["total"] == after["total"] and after["owned"] < before["owned"]
    unowned = [m for m in plan["ownership"]["moves"] if m["to"] is None]
    assert len(unowned) == before["owned"] - after["owned"]
    assert f"{len(unowned)} issues: " in ownership


def test_the_live_api_is_read_once_for_both_configs(
    configs: tuple[Path, Path], env: dict[str, str], sandbox: RunningSandbox
) -> None:
    base, head = configs
    store = sandbox.store
    store.reset_counts()
    assert run(["plan", str(head)], env).exit_code == 0
    alone = store.request_counts()
    store.reset_counts()
    assert run(["plan", str(head), "--base", str(base)], env).exit_code == 0
    both = store.request_counts()
    # The rules of both search the same: each search is made once.
    assert both[SEARCH] == alone[SEARCH] > 0
    # Users: bob, carol and erin for the head; alice too for the base; each looked up once.
    assert (alone["GET /api/v2/users"], both["GET /api/v2/users"]) == (3, 4)
    assert set(both) == {SEARCH, "GET /api/v2/users"}


def test_a_saved_plan_with_ownership_is_shown_and_applies_as_any(
    configs: tuple[Path, Path], env: dict[str, str], tmp_path: Path
) -> None:
    base, head = configs
    out = tmp_path / "plan.json"
    assert run(["plan", "--out", str(out), str(head), "--base", str(base)], env).exit_code == 0
    assert "ownership" in json.loads(out.read_text(encoding="utf-8"))
    shown = run(["show", str(out)], env)
    assert shown.exit_code == 0, shown.stderr
    assert "bob@example.com" in shown.stdout


def test_a_bad_base_config_is_reported_before_any_request(
    configs: tuple[Path, Path], env: dict[str, str], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\n", encoding="utf-8")
    sandbox.store.reset_counts()
    result = run(["plan", str(configs[1]), "--base", str(bad)], env)
    assert result.exit_code == 1
    assert f"{bad}:1:" in result.stderr
    assert sandbox.store.request_count() == 0


def test_moves_are_summed_per_owner() -> None:
    moves = [Move(f"00000000-0000-4000-8000-{n:012d}", BOB, ALICE) for n in range(12)]
    moves.append(Move("00000000-0000-4000-8000-999999999999", ERIN, None))
    delta = OwnershipDelta(Owned(13, 20), Owned(12, 20), tuple(moves))
    users = {ALICE: "alice", BOB: "bob", ERIN: "erin"}
    assert owner_moves(delta, users) == "+12 alice, -12 bob, -1 erin"
    assert owner_moves(delta, users, limit=1) == "+12 alice, and 2 more owners"


def plan_with_moves() -> Plan:
    """The golden rich plan, with what a base config would have done otherwise."""
    moves = (
        Move(ISSUE_A, BOB_ID, ALICE_ID),
        Move(ISSUE_B, BOB_ID, None),
        Move(ISSUE_C, None, CAROL_ID),
    )
    delta = OwnershipDelta(Owned(150, 200), Owned(151, 200), moves, newly_unowned=(ISSUE_B,))
    return dataclasses.replace(rich_plan(), ownership=delta, ui_host="app.datadoghq.com")


@pytest.mark.parametrize(
    ("fmt", "golden"),
    [
        pytest.param("text", "plan_base.txt", id="text"),
        pytest.param("markdown", "plan_base.md", id="markdown"),
        pytest.param("json", "plan_base.json", id="json"),
    ],
)
def test_ownership_renders_in_every_format(fmt: str, golden: str) -> None:
    plan = plan_with_moves()
    if fmt == "text":
        text = render_text(plan)
    elif fmt == "markdown":
        text = render_markdown(plan)
    else:
        text = render_json(plan)
    check_golden(golden, text)
