"""The saved plan file (CONTRACT 6): a Plan to a JSON-ready document and back.

The document is what `plan --format json` prints and `plan --out FILE` writes;
`apply --plan FILE` and `show FILE` read it back with `load_plan`. A file whose
changes do not match its checksum is refused, so an edited plan cannot be
applied by mistake.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from reconciler.errors import PlanFileError
from reconciler.model import (
    Change,
    Conflict,
    Field,
    Held,
    HoldReason,
    IssueSummary,
    Plan,
    Source,
    State,
    is_uuid,
    plan_checksum,
)

FORMAT_VERSION = 1
# A plan of 100,000 changes is about 60 MB; past this a file is not a plan we wrote.
MAX_PLAN_BYTES = 512 * 2**20

_TOP_KEYS = (
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
)

_T = TypeVar("_T")
_SOURCE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: int() accepts other scripts


def plan_to_document(plan: Plan) -> dict[str, Any]:
    """The plan as the JSON document of CONTRACT 6, plus `max_changes`, `users` and `ui_host`
    (the web UI host the changes' `url`s point at, kept so a saved plan keeps its links)."""
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": plan.generated_at,
        "api_url": plan.api_url,
        "config_digest": plan.config_digest,
        "checksum": plan.checksum,
        "summary": plan.summary(),
        "changes": [
            {**change.to_json(), "url": plan.issue_url(change.issue_id)} for change in plan.changes
        ],
        "held": [held.to_json() for held in plan.held],
        "conflicts": [conflict.to_json() for conflict in plan.conflicts],
        "warnings": list(plan.warnings),
        **({"ownership": plan.ownership.to_json()} if plan.ownership is not None else {}),
        "max_changes": plan.max_changes,
        "users": {user_id: plan.users[user_id] for user_id in sorted(plan.users)},
        "ui_host": plan.ui_host,
    }


def load_plan(path: str | Path) -> Plan:
    """Read a saved plan file; raises PlanFileError when it is unreadable or not a valid plan."""
    where = str(path)
    try:
        data = _read_regular_file(Path(path), where)
        text = data.decode("utf-8")
    except OSError as exc:
        raise PlanFileError(where, f"cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise PlanFileError(where, "is not UTF-8 text") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            where, f"is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError:
        raise PlanFileError(where, "is nested too deeply to be a plan") from None
    except ValueError as exc:  # an integer past Python's digit limit
        raise PlanFileError(where, f"is not a plan ({exc})") from None
    if not isinstance(doc, Mapping):
        raise PlanFileError(where, "the top level is not a JSON object")
    return plan_from_document(doc, where=where)


def _read_regular_file(path: Path, where: str) -> bytes:
    """The file's bytes; a FIFO, device or directory is refused (it could block or never
    end), and so is a file past MAX_PLAN_BYTES. Raises PlanFileError, OSError."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PlanFileError(where, "is not a regular file")
        data = handle.read(MAX_PLAN_BYTES + 1)
    if len(data) > MAX_PLAN_BYTES:
        raise PlanFileError(where, f"is larger than {MAX_PLAN_BYTES // 2**20} MiB")
    return data


def plan_from_document(doc: Mapping[str, Any], *, where: str) -> Plan:
    """Rebuild the Plan a document describes; raises PlanFileError naming `where` and the
    first problem (wrong format_version, missing or mistyped key, checksum mismatch)."""
    try:
        return _Reader().plan(doc)
    except _Invalid as exc:
        raise PlanFileError(where, str(exc)) from None


class _Invalid(Exception):
    """Internal: the document is not a plan; turned into PlanFileError at the boundary."""


class _Reader:
    """Reads one document, naming the offending key path in every complaint."""

    def plan(self, doc: Mapping[str, Any]) -> Plan:
        version = doc.get("format_version")
        if version != FORMAT_VERSION:
            raise _Invalid(
                f"format_version is {_show(version)}, this reconciler reads "
                f"{FORMAT_VERSION}; plan again with this version"
            )
        for key in _TOP_KEYS:
            if key not in doc:
                raise _Invalid(f"missing key {key!r}")
        summary = _object(doc["summary"], "summary")
        changes = tuple(
            self._change(item, f"changes[{i}]")
            for i, item in enumerate(_typed(doc["changes"], list, "changes"))
        )
        _refuse_repeats(changes)
        held = tuple(
            self._held(item, f"held[{i}]")
            for i, item in enumerate(_typed(doc["held"], list, "held"))
        )
        checksum = _typed(doc["checksum"], str, "checksum")
        api_url = _typed(doc["api_url"], str, "api_url")
        if not api_url.strip():
            # Without it the other-API check has nothing to compare: refuse, never skip it.
            raise _Invalid("api_url is empty; plan again with `reconciler plan --out`")
        max_changes = _typed(doc.get("max_changes", 100), int, "max_changes")
        if checksum != plan_checksum(changes, api_url, max_changes):
            raise _Invalid(
                "the checksum does not match the changes (the file was edited after it "
                "was written); run `reconciler plan --out` again"
            )
        return Plan(
            changes=changes,
            held=held,
            conflicts=tuple(
                self._conflict(item, f"conflicts[{i}]")
                for i, item in enumerate(_typed(doc["conflicts"], list, "conflicts"))
            ),
            warnings=tuple(
                _typed(w, str, f"warnings[{i}]")
                for i, w in enumerate(_typed(doc["warnings"], list, "warnings"))
            ),
            issues_in_scope=_typed(
                summary.get("issues_in_scope", 0), int, "summary.issues_in_scope"
            ),
            max_changes=max_changes,
            generated_at=_typed(doc["generated_at"], str, "generated_at"),
            api_url=api_url,
            config_digest=_typed(doc["config_digest"], str, "config_digest"),
            users=self._users(doc.get("users", {})),
            ui_host=_optional_str(doc.get("ui_host"), "ui_host"),
        )

    def _change(self, item: object, at: str) -> Change:
        data = _object(item, at)
        issue_id = _issue_id(_key(data, "issue_id", at), f"{at}.issue_id")
        field = _enum(Field, _key(data, "field", at), f"{at}.field")
        before = _optional_str(_key(data, "before", at), f"{at}.before")
        after = _optional_str(_key(data, "after", at), f"{at}.after")
        if field is Field.STATE:
            _enum(State, before, f"{at}.before")
            _enum(State, after, f"{at}.after")
        else:
            for name, value in (("before", before), ("after", after)):
                if value is not None and not is_uuid(value):
                    raise _Invalid(f"{at}.{name}: {value!r} is not a user UUID or null")
        keep_state = None
        if field is Field.ASSIGNEE and data.get("keep_state") is not None:
            keep_state = _enum(State, data["keep_state"], f"{at}.keep_state")
        summary = data.get("issue")
        issue = None
        if summary is not None:
            summary = _object(summary, f"{at}.issue")
            issue = IssueSummary(
                service=_optional_str(summary.get("service"), f"{at}.issue.service"),
                error_type=_optional_str(summary.get("error_type"), f"{at}.issue.error_type"),
                error_message=_optional_str(
                    summary.get("error_message"), f"{at}.issue.error_message"
                ),
            )
        return Change(
            issue_id=issue_id,
            field=field,
            before=before,
            after=after,
            source=_source(_key(data, "source", at), f"{at}.source"),
            rule=_optional_str(_key(data, "rule", at), f"{at}.rule"),
            issue=issue,
            keep_state=keep_state,
            note=_optional_str(data.get("note"), f"{at}.note"),
        )

    def _held(self, item: object, at: str) -> Held:
        data = _object(item, at)
        field = _enum(Field, _key(data, "field", at), f"{at}.field")
        wanted = _typed(_key(data, "wanted", at), str, f"{at}.wanted")
        current = _typed(_key(data, "current", at), str, f"{at}.current")
        if field is Field.STATE:
            _enum(State, wanted, f"{at}.wanted")
            _enum(State, current, f"{at}.current")
        return Held(
            issue_id=_issue_id(_key(data, "issue_id", at), f"{at}.issue_id"),
            field=field,
            wanted=wanted,
            current=current,
            reason=_enum(HoldReason, _key(data, "reason", at), f"{at}.reason"),
            source=_source(_key(data, "source", at), f"{at}.source"),
            rule=_optional_str(data.get("rule"), f"{at}.rule"),
        )

    def _conflict(self, item: object, at: str) -> Conflict:
        data = _object(item, at)
        losers = _typed(_key(data, "losers", at), list, f"{at}.losers")
        return Conflict(
            issue_id=_issue_id(_key(data, "issue_id", at), f"{at}.issue_id"),
            field=_enum(Field, _key(data, "field", at), f"{at}.field"),
            winner=_typed(_key(data, "winner", at), str, f"{at}.winner"),
            losers=tuple(_typed(x, str, f"{at}.losers[{i}]") for i, x in enumerate(losers)),
        )

    def _users(self, value: object) -> dict[str, str]:
        users = _object(value, "users")
        return {_typed(k, str, "users"): _typed(v, str, f"users.{k}") for k, v in users.items()}


def _refuse_repeats(changes: tuple[Change, ...]) -> None:
    """A plan changes a field of an issue once; a second change of it (which no plan
    we write has) would be a second, unreviewed write of that field."""
    seen: set[tuple[str, Field]] = set()
    for i, change in enumerate(changes):
        key = (change.issue_id.lower(), change.field)
        if key in seen:
            raise _Invalid(
                f"changes[{i}] changes the {change.field.value} of issue {change.issue_id} "
                "a second time; plan again"
            )
        seen.add(key)


def _key(data: Mapping[str, Any], key: str, at: str) -> Any:
    if key not in data:
        raise _Invalid(f"{at}: missing key {key!r}")
    return data[key]


def _typed(value: object, kind: type[_T], at: str) -> _T:
    # bool is an int in Python, but never a valid count in a plan file.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(f"{at}: expected {_kind_name(kind)}, got {_show(value)}")
    return value


def _kind_name(kind: type) -> str:
    names = {str: "a string", int: "an integer", list: "a list"}
    return names.get(kind, kind.__name__)


def _show(value: object) -> str:
    """A short rendering of a value for a message; containers only by kind, so a
    deeply nested value cannot blow the stack."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**60:
        return "a huge integer"
    return json.dumps(value)[:60]


def _issue_id(value: object, at: str) -> str:
    """An issue id, which must be a UUID: anything else could reach a URL as a path."""
    text = _typed(value, str, at)
    if not is_uuid(text):
        raise _Invalid(f"{at}: {_show(text)} is not an issue UUID; plan again")
    return text


def _object(value: object, at: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid(f"{at}: expected an object, got {_show(value)}")
    return value


def _optional_str(value: object, at: str) -> str | None:
    return None if value is None else _typed(value, str, at)


_E = TypeVar("_E", Field, State, HoldReason)


def _enum(kind: type[_E], value: object, at: str) -> _E:
    allowed = ", ".join(member.value for member in kind)
    if not isinstance(value, str):
        raise _Invalid(f"{at}: expected one of {allowed}, got {_show(value)}")
    try:
        return kind(value)
    except ValueError:
        raise _Invalid(f"{at}: {value!r} is not one of {allowed}") from None


def _source(value: object, at: str) -> Source:
    text = _typed(value, str, at)
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not all(_SOURCE_NUMBER.fullmatch(part) for part in parts[1:]):
        raise _Invalid(f"{at}: {_show(text)} is not FILE:LINE:COL")
    return Source(parts[0], int(parts[1]), int(parts[2]))
