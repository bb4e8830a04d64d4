"""An org kept in SQLite (stdlib `sqlite3`): one row per user, team and issue.

A write to an issue rewrites that issue's row and nothing else. Each row holds
the entry as a data file writes it (`org_to_dict`'s shape, time expressions as
written), so loading goes through the same checks as a JSON file and relative
times stay relative. The meta table names the JSON file the database was seeded
from and its SHA-256, so that a changed JSON file is noticed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.sandbox.data.org import OrgData
from reconciler.sandbox.data.read import check_regular, org_from_dict, org_from_json
from reconciler.sandbox.data.times import TimeSpec, now_ms
from reconciler.sandbox.data.write import issue_to_dict, org_to_dict
from reconciler.sandbox.errors import SandboxDataError
from reconciler.sandbox.records import SandboxIssue

FORMAT = "reconciler-sandbox-org/1"
_MAGIC = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (position INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE teams (position INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE issues (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
"""
_UPSERT_ISSUE = (
    "INSERT INTO issues (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
)


def is_database(path: Path) -> bool:
    """Whether the file is an SQLite database (by its header), rather than JSON."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_MAGIC)) == _MAGIC
    except OSError:
        return False


class OrgDatabase:
    """One org's SQLite file, open for loading and for one-row writes."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._connection = connection

    @classmethod
    def create(cls, path: Path, org: OrgData, meta: Mapping[str, str]) -> OrgDatabase:
        """Write `org` to a new database at `path` (atomically) and open it.

        Raises SandboxDataError when the directory is not writable.
        """
        doc = org_to_dict(org)
        try:
            handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.resolve().parent)
            os.close(handle)
            try:
                connection = sqlite3.connect(tmp_name)
                with connection:
                    connection.executescript(_SCHEMA)
                    rows = [("format", FORMAT), *meta.items()]
                    connection.executemany("INSERT INTO meta VALUES (?, ?)", rows)
                    for table in ("users", "teams"):
                        connection.executemany(
                            f"INSERT INTO {table} (doc) VALUES (?)",
                            ((_dumps(entry),) for entry in doc[table]),
                        )
                    connection.executemany(
                        "INSERT INTO issues (id, doc) VALUES (?, ?)",
                        ((entry["id"], _dumps(entry)) for entry in doc["issues"]),
                    )
                connection.close()
                os.replace(tmp_name, path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        except (OSError, sqlite3.Error) as exc:
            raise SandboxDataError(str(path), f"cannot write: {exc}") from exc
        return cls.open(path)

    @classmethod
    def open(cls, path: Path) -> OrgDatabase:
        """Open an existing database; raises SandboxDataError when it is not a sandbox org."""
        try:
            connection = sqlite3.connect(path, check_same_thread=False)
            row = connection.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.Error as exc:
            raise SandboxDataError(str(path), f"not a sandbox org database: {exc}") from exc
        if row is None or row[0] != FORMAT:
            connection.close()
            raise SandboxDataError(str(path), f"not a sandbox org database (format {FORMAT})")
        # Writes survive the server being killed; only an OS crash can lose the last few.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        return cls(path, connection)

    def meta(self, key: str) -> str | None:
        """One value of the meta table, or None."""
        row = self._connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def load(self, now: int | None = None) -> OrgData:
        """The org as saved, times resolved against `now`; raises SandboxDataError."""
        try:
            doc = {
                table: [
                    json.loads(doc)
                    for (doc,) in self._connection.execute(
                        f"SELECT doc FROM {table} ORDER BY position"
                    )
                ]
                for table in ("users", "teams", "issues")
            }
        except (sqlite3.Error, json.JSONDecodeError) as exc:
            raise SandboxDataError(str(self.path), f"cannot read: {exc}") from exc
        return org_from_dict(doc, now_ms() if now is None else now, str(self.path))

    def save_issue(self, issue: SandboxIssue, specs: Mapping[str, TimeSpec]) -> None:
        """Write one issue's row (added at the end when new); raises SandboxDataError."""
        try:
            with self._connection:
                self._connection.execute(
                    _UPSERT_ISSUE, (issue.id, _dumps(issue_to_dict(issue, specs)))
                )
        except sqlite3.Error as exc:
            raise SandboxDataError(str(self.path), f"cannot write: {exc}") from exc

    def close(self) -> None:
        """Close the file (which also folds the write-ahead log back into it)."""
        self._connection.close()


def _dumps(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, separators=(",", ":"))


def database_beside(data_file: Path) -> Path:
    """Where `--persist` keeps the live org of a JSON data file: `<file>.sqlite` beside it."""
    return data_file.with_name(data_file.name + ".sqlite")


def open_org(path: Path, *, persist: bool) -> tuple[OrgData, OrgDatabase | None]:
    """The org a data file (JSON or SQLite) holds, and the database writes go to if persisting.

    With `persist`, a JSON file is only the seed: its live org is kept in
    `database_beside(path)`, created from it on first use and reused while the JSON
    file is unchanged. Raises SandboxDataError.
    """
    check_regular(path)
    if is_database(path):
        database = OrgDatabase.open(path)
        try:
            org = database.load()
        except SandboxDataError:
            database.close()
            raise
        if persist:
            return org, database
        database.close()
        return org, None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SandboxDataError(str(path), str(exc)) from exc
    if not persist:
        return org_from_json(raw, str(path)), None
    digest = hashlib.sha256(raw).hexdigest()
    beside = database_beside(path)
    if not beside.exists():
        org = org_from_json(raw, str(path))
        meta = {"seeded_from": path.name, "seed_sha256": digest}
        return org, OrgDatabase.create(beside, org, meta)
    database = OrgDatabase.open(beside)
    if database.meta("seed_sha256") != digest:
        database.close()
        raise SandboxDataError(
            str(beside),
            f"it keeps the changes made to an earlier version of {path.name}, which has "
            "changed since",
            f"Delete {beside.name} to start again from {path.name}, or serve the kept org "
            f"as it is with --data {beside}",
        )
    try:
        return database.load(), database
    except SandboxDataError:
        database.close()
        raise
