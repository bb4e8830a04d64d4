from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_process import run_reconciler
from golden.support import ISSUE_A, empty_plan, held_only_plan, rich_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import PlanFileError
from reconciler.model import (
    Change,
    Field,
    Issue,
    IssueSummary,
    Plan,
    Source,
    State,
    plan_checksum,
)
from reconciler.planfile import load_plan, plan_from_document, plan_to_document
from reconciler.render import render_json


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(empty_plan, id="empty"),
        pytest.param(rich_plan, id="rich"),
        pytest.param(held_only_plan, id="held-only"),
    ],
)
def test_round_trip_through_a_file_gives_an_equal_plan(
    tmp_path: Path, make: Callable[[], Plan]
) -> None:
    plan = make()
    path = tmp_path / "plan.json"
    path.write_text(render_json(plan), encoding="utf-8")
    assert load_plan(path) == plan
    assert load_plan(str(path)) == plan


def test_round_trip_keeps_the_document_of_a_plan_with_full_issues() -> None:
    issue = Issue(
        ISSUE_A,
        State.ACKNOWLEDGED,
        assignee_id=None,
        service="api",
        last_seen=1_700_000_000_000,
        languages=("PYTHON",),
    )
    change = Change(
        ISSUE_A,
        Field.STATE,
        "ACKNOWLEDGED",
        "RESOLVED",
        Source("t.yaml", 3, 5),
        "r",
        issue.summary(),
    )
    plan = Plan(
        changes=(change,), max_changes=7, users={"u": "label"}, api_url="https://api.example"
    )
    loaded = plan_from_document(plan_to_document(plan), where="mem")
    assert plan_to_document(loaded) == plan_to_document(plan)
    assert loaded.changes[0].issue == IssueSummary(service="api")
    assert loaded.max_changes == 7
    assert loaded.users == {"u": "label"}


Edit = Callable[[dict[str, Any]], None]


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render_json(rich_plan()))
    return doc


def _set(path: str, value: object) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is _DELETE:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return edit


_DELETE = object()


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        pytest.param(_set("format_version", 2), "format_version is 2", id="version"),
        pytest.param(_set("format_version", _DELETE), "format_version is null", id="no-version"),
        pytest.param(_set("changes", _DELETE), "missing key 'changes'", id="no-changes"),
        pytest.param(_set("checksum", _DELETE), "missing key 'checksum'", id="no-checksum"),
        pytest.param(_set("changes", {}), "changes: expected a list", id="changes-type"),
        pytest.param(
            _set("changes.0.after", "22222222-bbbb-4bbb-8bbb-222222222222"),
            "checksum does not match",
            id="tampered-after",
        ),
        pytest.param(
            _set("changes.1.field", "title"), "changes[1].field: 'title' is not one", id="bad-field"
        ),
        pytest.param(
            _set("changes.1.after", "DONE"), "changes[1].after: 'DONE' is not one", id="bad-state"
        ),
        pytest.param(
            _set("changes.0.after", "alice"),
            "changes[0].after: 'alice' is not a user",
            id="bad-user",
        ),
        pytest.param(
            _set("changes.0.source", "triage.yaml"), "is not FILE:LINE:COL", id="bad-source"
        ),
        pytest.param(
            _set("changes.0.rule", _DELETE), "changes[0]: missing key 'rule'", id="no-rule"
        ),
        pytest.param(_set("held.0.reason", "tired"), "held[0].reason", id="bad-held"),
        pytest.param(_set("conflicts.0.losers", "x"), "conflicts[0].losers", id="bad-losers"),
        pytest.param(_set("max_changes", True), "max_changes: expected an integer", id="bool-max"),
        pytest.param(_set("warnings", [1]), "warnings[0]: expected a string", id="bad-warning"),
        pytest.param(_set("summary", []), "summary: expected an object", id="bad-summary"),
    ],
)
def test_invalid_documents_are_refused_with_the_reason(edit: Edit, reason: str) -> None:
    doc = _doc()
    edit(doc)
    with pytest.raises(PlanFileError) as caught:
        plan_from_document(doc, where="saved.json")
    assert str(caught.value).startswith("saved.json: not a usable plan file: ")
    assert reason in str(caught.value)
    assert caught.value.path == "saved.json"


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    doc = _doc()
    doc["changes"][1]["after"] = "IGNORED"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PlanFileError, match="checksum does not match"):
        load_plan(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"{not json", "is not JSON (line 1, column 2", id="bad-json"),
        pytest.param(b"[1, 2]", "top level is not a JSON object", id="not-object"),
        pytest.param(b"\xff\xfe", "is not UTF-8", id="not-utf8"),
    ],
)
def test_unreadable_content_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(PlanFileError) as caught:
        load_plan(path)
    assert reason in str(caught.value)
    assert caught.value.path == str(path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="cannot be read"):
        load_plan(tmp_path / "absent.json")


def test_document_users_are_sorted_by_id() -> None:
    plan = Plan(changes=(), users={"b": "bob", "a": "alice"})
    assert list(plan_to_document(plan)["users"]) == ["a", "b"]


def test_a_tampered_keep_state_is_refused() -> None:
    doc = _doc()
    doc["changes"][4]["keep_state"] = "ACKNOWLEDGED"
    with pytest.raises(PlanFileError, match="checksum does not match"):
        plan_from_document(doc, where="mem")


def test_change_without_issue_summary_loads_without_issue() -> None:
    doc = _doc()
    doc["changes"][0]["issue"] = None
    assert plan_from_document(doc, where="mem").changes[0].issue is None


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        pytest.param(_set("held.0.current", "GONE"), "held[0].current: 'GONE'", id="held-state"),
        pytest.param(
            _set("changes.1.field", 3), "changes[1].field: expected one of", id="enum-type"
        ),
        pytest.param(
            _set("changes.0.issue", "x"), "changes[0].issue: expected an object", id="issue"
        ),
    ],
)
def test_more_invalid_documents(edit: Edit, reason: str) -> None:
    doc = _doc()
    edit(doc)
    with pytest.raises(PlanFileError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        plan_from_document(doc, where="mem")


def _resealed(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with a checksum recomputed over its (edited) changes, as a careful
    forger would do: the refusals below must not rest on the checksum alone."""
    plan_changes = plan_from_document(_doc(), where="mem").changes
    by_id = {c.issue_id: c for c in plan_changes}
    rows = []
    for item in doc["changes"]:
        base = by_id.get(item["issue_id"], plan_changes[0])
        keep = item.get("keep_state")
        rows.append(
            Change(
                item["issue_id"],
                Field(item["field"]),
                item["before"],
                item["after"],
                base.source,
                keep_state=State(keep) if keep else None,
            )
        )
    doc["checksum"] = plan_checksum(rows, doc["api_url"], doc.get("max_changes", 100))
    return doc


def test_a_raised_max_changes_is_refused() -> None:
    doc = _doc()
    doc["max_changes"] = doc.get("max_changes", 100) * 100
    with pytest.raises(PlanFileError, match="checksum does not match"):
        plan_from_document(doc, where="mem")


@pytest.mark.parametrize("upper", [False, True], ids=["same-id", "id-in-capitals"])
def test_a_change_repeated_for_the_same_field_is_refused_even_resealed(upper: bool) -> None:
    doc = _doc()
    repeat = copy.deepcopy(doc["changes"][0])
    if upper:
        repeat["issue_id"] = repeat["issue_id"].upper()
    doc["changes"].append(repeat)
    field = repeat["field"]
    with pytest.raises(PlanFileError, match=rf"changes the {field} of issue .* a second time"):
        plan_from_document(_resealed(doc), where="mem")


@pytest.mark.parametrize("api_url", ["", "   "], ids=["empty", "blank"])
def test_a_plan_with_an_empty_api_url_is_refused(api_url: str) -> None:
    doc = _doc()
    doc["api_url"] = api_url
    with pytest.raises(PlanFileError, match="api_url is empty"):
        plan_from_document(_resealed(doc), where="mem")


def test_a_plan_without_api_url_is_refused() -> None:
    doc = _doc()
    del doc["api_url"]
    with pytest.raises(PlanFileError, match="missing key 'api_url'"):
        plan_from_document(doc, where="mem")


BAD_IDS = ["..", ".", "../state", "x/../..", "", "%2e%2e", "c1726a66-1f64-11ee-b338-da7ad0900002\n"]


@pytest.mark.parametrize("bad_id", BAD_IDS, ids=repr)
@pytest.mark.parametrize("where", ["changes", "held", "conflicts"])
def test_an_issue_id_that_is_not_a_uuid_is_refused(bad_id: str, where: str) -> None:
    doc = _doc()
    doc[where][0]["issue_id"] = bad_id
    doc = _resealed(doc) if where == "changes" else doc
    with pytest.raises(PlanFileError, match=rf"{where}\[0\]\.issue_id: .* is not an issue UUID"):
        plan_from_document(doc, where="mem")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("command", [["show"], ["apply", "--plan"]], ids=["show", "apply"])
def test_a_fifo_with_no_writer_is_refused_without_blocking(
    tmp_path: Path, command: list[str]
) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    # Opening a FIFO for reading blocks until a writer comes, and none will.
    env = {"DD_API_KEY": "k", "DD_APP_KEY": "k", "DD_API_URL": "http://127.0.0.1:9"}
    done = run_reconciler([*command, str(fifo)], env)
    assert done.returncode == 1
    assert done.stderr.rstrip().splitlines()[-1] == (
        f"Error: {fifo}: not a usable plan file: is not a regular file"
    )


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match=r"cannot be read|is not a regular file"):
        load_plan(tmp_path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"[" * 100_000, "nested too deeply", id="deep-list"),
        pytest.param(b'{"a":' * 100_000, "nested too deeply", id="deep-object"),
        pytest.param(b'{"format_version": ' + b"9" * 5000 + b"}", "is not a plan", id="huge-int"),
    ],
)
def test_absurd_json_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(PlanFileError, match=reason):
        load_plan(path)


def test_a_source_with_non_ascii_digits_is_refused() -> None:
    doc = _doc()
    doc["changes"][0]["source"] = "triage.yaml:\u00b2:3"
    with pytest.raises(PlanFileError, match="is not FILE:LINE:COL"):
        plan_from_document(doc, where="mem")


# ---------------------------------------------------------------- property-based

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**70), max_value=10**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)


def _paths(doc: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


def _replace(doc: dict[str, Any], path: tuple[object, ...], value: object) -> dict[str, Any]:
    if not path:
        return value  # type: ignore[return-value]
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _loaded_or_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    try:
        plan = load_plan(path)
    except PlanFileError:
        return
    assert isinstance(plan, Plan)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_mutated_plan_file_loads_or_is_refused_cleanly(
    tmp_path: Path, data: st.DataObject
) -> None:
    doc = _doc()
    path = data.draw(st.sampled_from(_paths(doc)), label="path")
    value = data.draw(_JSON, label="value")
    mutated = _replace(doc, path, value)
    reseal = data.draw(st.booleans(), label="reseal")
    if reseal and isinstance(mutated, dict):
        # Too broken to reseal: the loader still has to refuse it cleanly.
        with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError, IndexError):
            mutated = _resealed(mutated)
    _loaded_or_refused(tmp_path, json.dumps(mutated).encode())


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_load_or_are_refused_cleanly(tmp_path: Path, content: bytes) -> None:
    _loaded_or_refused(tmp_path, content)


def test_a_saved_plan_keeps_its_links(tmp_path: Path) -> None:
    linked = dataclasses.replace(rich_plan(), ui_host="app.datadoghq.eu")
    path = tmp_path / "plan.json"
    path.write_text(render_json(linked), encoding="utf-8")
    loaded = load_plan(path)
    assert loaded.ui_host == "app.datadoghq.eu"
    assert loaded.issue_url(ISSUE_A) == (
        f"https://app.datadoghq.eu/error-tracking?issueId={ISSUE_A}"
    )
