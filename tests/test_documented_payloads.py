"""Datadog's own documented search request and response, planned end to end under respx."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from reconciler.client import Credentials, DatadogClient
from reconciler.config import load_config
from reconciler.engine import Engine, Planned
from reconciler.model import Field, Plan

DOCUMENTED = Path(__file__).parent / "fixtures" / "documented"
API = "https://api.datadoghq.com"
ISSUE = "c1726a66-1f64-11ee-b338-da7ad0900002"
DOCUMENTED_ASSIGNEE = "87cb11a0-278c-440a-99fe-701223c80296"
NEW_OWNER = "3ad549bf-eba0-11e9-a77a-0705486660d0"
# The documented request searches [to - 2h, to): plan at `to` with a 2h window.
NOW_MS = 1671620004000


def documented(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((DOCUMENTED / name).read_text())
    return loaded


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=True) as router:
        router.post("/api/v2/error-tracking/issues/search").mock(
            return_value=httpx.Response(
                200,
                json=documented("search_response.json"),
                headers={"content-type": "application/vnd.api+json"},
            )
        )
        yield router


def config_file(tmp_path: Path, pin: str = "") -> Path:
    path = tmp_path / "documented.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            version: 1
            rules:
              - name: reopen-orders
                query: 'service:orders-* AND @language:go'
                track: trace
                window: 2h
                from_states: [RESOLVED]
                state: OPEN
                assignee: {NEW_OWNER}
                assign: always
            """
        )
        + pin
    )
    return path


def planned_documented(tmp_path: Path, pin: str = "") -> Planned:
    config = load_config([config_file(tmp_path, pin)])
    with DatadogClient(API, Credentials("api-key", "app-key")) as client:
        engine = Engine(client, api_url=client.api_url, parallelism=1, clock=lambda: NOW_MS)
        return engine.plan_with_decisions(config)


def plan_documented(tmp_path: Path, pin: str = "") -> Plan:
    return planned_documented(tmp_path, pin).plan


def test_the_documented_request_is_what_the_client_sends(
    tmp_path: Path, api: respx.MockRouter
) -> None:
    plan_documented(tmp_path)
    sent = json.loads(api.calls.last.request.content)
    expected = documented("search_request.json")
    # The rule's from_states travel as the API's `states` filter.
    expected["data"]["attributes"]["states"] = ["RESOLVED"]  # type: ignore[index]
    # Selection asks for the newest issues first: a full answer then measures density.
    expected["data"]["attributes"]["order_by"] = "FIRST_SEEN"  # type: ignore[index]
    assert sent == expected
    include = api.calls.last.request.url.params["include"]
    assert include == "issue,issue.assignee,issue.team_owners"


def test_the_documented_issue_plans_a_reopen_and_a_new_owner(
    tmp_path: Path, api: respx.MockRouter
) -> None:
    planned = planned_documented(tmp_path)
    plan = planned.plan
    rows = [(c.issue_id, c.field, c.before, c.after, c.rule) for c in plan.changes]
    assert rows == [
        (ISSUE, Field.ASSIGNEE, DOCUMENTED_ASSIGNEE, NEW_OWNER, "reopen-orders"),
        (ISSUE, Field.STATE, "RESOLVED", "OPEN", "reopen-orders"),
    ]
    summary = plan.changes[0].issue
    assert summary is not None
    assert summary.to_json() == {
        "service": "email-api-py",
        "error_type": "builtins.TypeError",
        "error_message": "object of type 'NoneType' has no len()",
    }
    assert planned.observed.issues[ISSUE].team_ids == ("221b0179-6447-4d03-91c3-3ca98bf60e8a",)
    assert plan.issues_in_scope == 1
    assert plan.generated_at == "2022-12-21T10:53:24Z"


def test_a_pin_on_the_documented_issue_beats_the_rule_without_a_get(
    tmp_path: Path, api: respx.MockRouter
) -> None:
    pin = f"issues:\n  {ISSUE}:\n    state: IGNORED\n    note: 'known, see #42'\n"
    plan = plan_documented(tmp_path, pin)
    state = [c for c in plan.changes if c.field is Field.STATE]
    assert [(c.after, c.rule, c.note) for c in state] == [("IGNORED", None, "known, see #42")]
    assert plan.conflicts == ()
    assert len(api.calls) == 1  # the search already returned the pinned issue
