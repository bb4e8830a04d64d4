"""Persistence in SQLite: a write is one row, a JSON file seeds the database beside it."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from reconciler.model import State
from reconciler.sandbox import Store, generate_org_document
from reconciler.sandbox.data.database import database_beside, is_database
from reconciler.sandbox.errors import SandboxDataError
from reconciler.sandbox.records import SandboxIssue


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "org.json"
    path.write_text(json.dumps(generate_org_document(issues=40, services=3, seed=2)), "utf-8")
    return path


def _rows(database: Path) -> list[tuple[int, str, str]]:
    with closing(sqlite3.connect(database)) as db:
        return list(db.execute("SELECT position, id, doc FROM issues ORDER BY position"))


def test_a_write_changes_one_row_and_keeps_the_order(data_file: Path) -> None:
    store = Store.from_file(data_file, persist=True)
    database = database_beside(data_file)
    before = _rows(database)
    target = store.issues()[7]
    store.set_state(target.id, State.IGNORED if target.state is not State.IGNORED else State.OPEN)
    after = _rows(database)
    store.close()
    changed = [b[1] for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [target.id]
    assert [row[:2] for row in after] == [row[:2] for row in before]


def test_a_restarted_store_sees_every_write(data_file: Path) -> None:
    store = Store.from_file(data_file, persist=True)
    user = next(u.id for u in store.users() if not u.disabled)
    first, second, third = (issue.id for issue in store.issues()[:3])
    store.set_state(first, State.RESOLVED)
    store.set_assignee(second, user)
    store.remove_assignee(third)
    added = SandboxIssue("00000000-0000-4000-8000-000000000001", "new", "E", "m", 1, 2)
    store.put_issue(added)
    expected = store.snapshot().issues
    store.close()
    again = Store.from_file(data_file, persist=True)
    assert [(i.id, i.state, i.assignee_id, i.case) for i in again.issues()] == [
        (i.id, i.state, i.assignee_id, i.case) for i in expected
    ]
    assert again.issues()[-1].id == added.id
    again.close()


def test_without_persist_neither_file_is_written(data_file: Path) -> None:
    seeded = Store.from_file(data_file, persist=True)
    seeded.close()
    database = database_beside(data_file)
    rows = _rows(database)
    text = data_file.read_text("utf-8")
    for path in (data_file, database):
        store = Store.from_file(path)
        assert store.database is None
        store.set_state(store.issues()[0].id, State.EXCLUDED)
    assert data_file.read_text("utf-8") == text
    assert _rows(database) == rows


def test_an_sqlite_file_can_be_served_directly(data_file: Path) -> None:
    Store.from_file(data_file, persist=True).close()
    database = database_beside(data_file)
    assert is_database(database) and not is_database(data_file)
    store = Store.from_file(database, persist=True)
    assert store.database == database
    issue_id = store.issues()[0].id
    store.set_state(issue_id, State.EXCLUDED)
    store.close()
    reloaded = Store.from_file(database)
    assert reloaded.issue(issue_id).state is State.EXCLUDED  # type: ignore[union-attr]


def test_a_changed_json_file_is_not_silently_dropped(data_file: Path) -> None:
    Store.from_file(data_file, persist=True).close()
    data_file.write_text(json.dumps(generate_org_document(issues=5, seed=3)), "utf-8")
    with pytest.raises(SandboxDataError) as caught:
        Store.from_file(data_file, persist=True)
    message = str(caught.value)
    assert "org.json.sqlite: not a usable sandbox data file" in message
    assert "Delete org.json.sqlite to start again from org.json" in message
    assert f"--data {database_beside(data_file)}" in message
    assert "regenerate" not in message


def test_an_unrelated_sqlite_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(SandboxDataError, match="not a sandbox org database"):
        Store.from_file(path)


def test_a_bad_entry_in_the_database_names_it(data_file: Path) -> None:
    Store.from_file(data_file, persist=True).close()
    database = database_beside(data_file)
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("""UPDATE issues SET doc = '{"id": "nope"}' WHERE position = 3""")
    with pytest.raises(SandboxDataError, match=r"org\.json\.sqlite: issues\[2\].*must be a UUID"):
        Store.from_file(database)
