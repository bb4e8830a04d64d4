from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from golden.support import ALICE, ISSUE_A, check_golden, empty_plan, held_only_plan, rich_plan

from reconciler.model import Change, ChangeResult, Field, Plan, ResultStatus, Source
from reconciler.render import render_json, render_results_json, result_log_line
from reconciler.render.common import json_text

CONTRACT_KEYS = [
    "format_version",
    "generated_at",
    "api_url",
    "config_digest",
    "checksum",
    "summary",
    "changes",
    "held",
    "conflicts",
    "warnings",
]
ADDED_KEYS = ["max_changes", "users", "ui_host"]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("plan_empty.json", empty_plan, id="empty"),
        pytest.param("plan_rich.json", rich_plan, id="rich"),
        pytest.param("plan_held_only.json", held_only_plan, id="held-only"),
    ],
)
def test_render_json_matches_golden(name: str, make: Callable[[], Plan]) -> None:
    check_golden(name, render_json(make()))


def test_top_level_keys_are_the_contract_ones_in_order_plus_added_keys() -> None:
    assert list(json.loads(render_json(rich_plan()))) == CONTRACT_KEYS + ADDED_KEYS


def test_summary_change_held_and_conflict_keys_follow_the_contract() -> None:
    doc = json.loads(render_json(rich_plan()))
    assert list(doc["summary"]) == [
        "issues_in_scope",
        "issues_to_change",
        "changes",
        "by_field",
        "held",
        "conflicts",
    ]
    assert doc["summary"] == {
        "issues_in_scope": 230,
        "issues_to_change": 3,
        "changes": 5,
        "by_field": {"state": 2, "assignee": 3},
        "held": 2,
        "conflicts": 1,
    }
    state_change = next(c for c in doc["changes"] if c["field"] == "state")
    assert set(state_change) >= {"issue_id", "field", "before", "after", "rule", "source", "issue"}
    assert "keep_state" not in state_change
    assert all("keep_state" in c for c in doc["changes"] if c["field"] == "assignee")
    assert set(state_change["issue"]) == {"service", "error_type", "error_message"}
    assert set(doc["held"][0]) >= {"issue_id", "field", "wanted", "current", "reason", "rule"}
    assert list(doc["conflicts"][0]) == ["issue_id", "field", "winner", "losers"]


def test_changes_are_sorted_by_issue_then_assignee_before_state() -> None:
    doc = json.loads(render_json(rich_plan()))
    keys = [(c["issue_id"], c["field"]) for c in doc["changes"]]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1] != "assignee"))


def test_pin_change_has_null_rule_and_points_at_the_pin() -> None:
    doc = json.loads(render_json(rich_plan()))
    pin = next(c for c in doc["changes"] if c["rule"] is None)
    assert pin["source"] == "triage.yaml:30:3"
    assert pin["note"] == "fixed by #1234"


def test_json_is_two_space_indented_and_deterministic() -> None:
    text = render_json(rich_plan())
    assert text.startswith('{\n  "format_version": 1,\n')
    assert text == render_json(rich_plan())
    assert text.endswith("}\n")


def test_checksum_is_the_plans() -> None:
    plan = rich_plan()
    assert json.loads(render_json(plan))["checksum"] == plan.checksum


def _result(status: ResultStatus, error: str | None = None) -> ChangeResult:
    change = Change(ISSUE_A, Field.ASSIGNEE, None, ALICE, Source("a.yaml", 2, 3), "owners")
    return ChangeResult(change, status, error)


def test_results_json_matches_golden() -> None:
    results = [_result(ResultStatus.APPLIED), _result(ResultStatus.FAILED, "HTTP 404: gone")]
    check_golden("results.json", render_results_json(results))


def test_results_json_summary_counts_every_status() -> None:
    doc = json.loads(render_results_json([_result(ResultStatus.STALE)]))
    assert doc["format_version"] == 1
    assert doc["summary"] == {"applied": 0, "unchanged": 0, "failed": 0, "stale": 1, "skipped": 0}
    assert list(doc["results"][0]) == [
        "issue_id",
        "field",
        "before",
        "after",
        "rule",
        "source",
        "status",
        "error",
        "current",
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(
            datetime(2026, 11, 26, 12, 0, 1, tzinfo=UTC), "2026-11-26T12:00:01.000Z", id="utc"
        ),
        pytest.param(
            datetime(2026, 11, 26, 13, 0, 1, 250000, tzinfo=timezone(timedelta(hours=1))),
            "2026-11-26T12:00:01.250Z",
            id="offset",
        ),
        pytest.param(datetime(2026, 11, 26, 12, 0, 1), "2026-11-26T12:00:01.000Z", id="naive"),
    ],
)
def test_log_line_has_a_utc_time_and_the_result(now: datetime, expected: str) -> None:
    line = result_log_line(_result(ResultStatus.APPLIED), now)
    assert "\n" not in line
    doc = json.loads(line)
    assert doc["time"] == expected
    assert {k: v for k, v in doc.items() if k != "time"} == _result(ResultStatus.APPLIED).to_json()


def test_every_change_carries_its_datadog_url_or_null_without_a_ui_host() -> None:
    linked = json.loads(render_json(dataclasses.replace(rich_plan(), ui_host="app.datadoghq.eu")))
    assert linked["ui_host"] == "app.datadoghq.eu"
    for change in linked["changes"]:
        assert change["url"] == (
            f"https://app.datadoghq.eu/error-tracking?issueId={change['issue_id']}"
        )
    unlinked = json.loads(render_json(rich_plan()))
    assert unlinked["ui_host"] is None
    assert all(change["url"] is None for change in unlinked["changes"])


@pytest.mark.parametrize(
    "document",
    [
        {"é": "naïve ✓", "n": [], "o": {}, "x": [1, None, True, 78.5, {"a": "b"}]},
        {"wide": 2**70},  # orjson refuses it: the standard library writes it
        {"lone": "\ud800"},
    ],
)
def test_json_text_is_the_standard_librarys(document: dict[str, object]) -> None:
    assert json_text(document) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
