"""Read a data file into an `OrgData`, checking the type of every field.

Times are resolved against the moment of loading, and the expressions they were
written with are kept beside the issues; the first problem found raises
SandboxDataError naming where it is.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reconciler.model import Regression, State, Track, is_uuid
from reconciler.sandbox.data.org import OrgData
from reconciler.sandbox.data.times import TimeSpec, iso_from_ms, now_ms, parse_time
from reconciler.sandbox.errors import SandboxDataError
from reconciler.sandbox.records import (
    SandboxCase,
    SandboxIssue,
    SandboxTeam,
    SandboxUser,
    default_track,
)

_ISSUE_TIME_FIELDS = ("first_seen", "last_seen")
_REGRESSION_TIME_FIELDS = ("resolved_at", "regressed_at")


def check_regular(path: Path) -> None:
    """Raises SandboxDataError unless `path` is a regular file: a FIFO would block the
    read and a device (/dev/zero) would never end it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise SandboxDataError(str(path), str(exc)) from exc
    if not stat.S_ISREG(mode):
        raise SandboxDataError(str(path), "not a regular file; give a JSON or SQLite data file")


def load_data(path: Path, now: int | None = None) -> OrgData:
    """The org described by a JSON data file; raises SandboxDataError."""
    check_regular(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SandboxDataError(str(path), str(exc)) from exc
    return org_from_json(raw, str(path), now)


def org_from_json(raw: bytes, source: str, now: int | None = None) -> OrgData:
    """The org described by the bytes of a JSON data file; raises SandboxDataError."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SandboxDataError(source, str(exc)) from exc
    return org_from_dict(doc, now_ms() if now is None else now, source)


def org_from_dict(doc: object, now: int, source: str = "<data>") -> OrgData:
    """The org described by a decoded data document; raises SandboxDataError."""
    if not isinstance(doc, dict):
        raise SandboxDataError(source, "the top level must be an object")
    users = tuple(_user(u, f"{source}: users[{i}]") for i, u in enumerate(_list(doc, "users")))
    teams = tuple(_team(t, f"{source}: teams[{i}]") for i, t in enumerate(_list(doc, "teams")))
    issues: list[SandboxIssue] = []
    specs: dict[str, dict[str, TimeSpec]] = {}
    for i, raw in enumerate(_list(doc, "issues")):
        issue, issue_specs = _issue(raw, now, f"{source}: issues[{i}]")
        issues.append(issue)
        specs[issue.id] = issue_specs
    return OrgData(users=users, teams=teams, issues=tuple(issues), time_specs=specs)


def _list(doc: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise SandboxDataError(key, "must be a list")
    return value


def _obj(raw: object, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise SandboxDataError(where, "must be an object")
    return raw


def _str(raw: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise SandboxDataError(where, f"{key!r} must be a string")
    return value


def _opt_str(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise SandboxDataError(where, f"{key!r} must be a string or null")
    return value


def _uuid(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = _str(raw, key, where)
    if not is_uuid(value):
        raise SandboxDataError(where, f"{key!r} must be a UUID, got {value!r}")
    return value.lower()


def _int(raw: Mapping[str, Any], key: str, where: str, default: int | None) -> int | None:
    value = raw.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise SandboxDataError(where, f"{key!r} must be an integer")
    return value


def _user(raw: object, where: str) -> SandboxUser:
    obj = _obj(raw, where)
    email = _str(obj, "email", where)
    return SandboxUser(
        id=_uuid(obj, "id", where),
        email=email,
        handle=_str(obj, "handle", where, email),
        name=_opt_str(obj, "name", where),
        title=_opt_str(obj, "title", where),
        disabled=bool(obj.get("disabled", False)),
        status=_str(obj, "status", where, "Disabled" if obj.get("disabled") else "Active"),
    )


def _team(raw: object, where: str) -> SandboxTeam:
    obj = _obj(raw, where)
    return SandboxTeam(
        id=_uuid(obj, "id", where),
        handle=_str(obj, "handle", where),
        name=_str(obj, "name", where, _str(obj, "handle", where)),
        summary=_str(obj, "summary", where, ""),
    )


def _issue(raw: object, now: int, where: str) -> tuple[SandboxIssue, dict[str, TimeSpec]]:
    obj = _obj(raw, where)
    specs: dict[str, TimeSpec] = {}
    times: dict[str, int] = {}
    for key in _ISSUE_TIME_FIELDS:
        value = obj.get(key, "now")
        times[key] = parse_time(value, now, f"{where}.{key}")
        specs[key] = value
    platform = _str(obj, "platform", where, "BACKEND")
    try:
        state = State(_str(obj, "state", where, "OPEN"))
        track = Track(obj["track"]) if "track" in obj else default_track(platform)
    except ValueError as exc:
        raise SandboxDataError(where, str(exc)) from exc
    languages = obj.get("languages", [])
    teams = obj.get("team_owners", [])
    if not isinstance(languages, list) or not isinstance(teams, list):
        raise SandboxDataError(where, "'languages' and 'team_owners' must be lists")
    assignee = _opt_str(obj, "assignee_id", where)
    issue = SandboxIssue(
        id=_uuid(obj, "id", where),
        service=_str(obj, "service", where),
        error_type=_str(obj, "error_type", where, ""),
        error_message=_str(obj, "error_message", where, ""),
        first_seen=times["first_seen"],
        last_seen=times["last_seen"],
        state=state,
        env=_str(obj, "env", where, ""),
        file_path=_str(obj, "file_path", where, ""),
        function_name=_str(obj, "function_name", where, ""),
        languages=tuple(str(lang) for lang in languages),
        platform=platform,
        track=track,
        is_crash=bool(obj.get("is_crash", False)),
        first_seen_version=_str(obj, "first_seen_version", where, ""),
        last_seen_version=_str(obj, "last_seen_version", where, ""),
        assignee_id=assignee.lower() if assignee else None,
        team_ids=tuple(str(t).lower() for t in teams),
        case=_case(obj.get("case"), f"{where}.case"),
        regression=_regression(obj.get("regression"), now, f"{where}.regression", specs),
        total_count=_int(obj, "total_count", where, 1) or 0,
        impacted_users=_int(obj, "impacted_users", where, None),
        impacted_sessions=_int(obj, "impacted_sessions", where, None),
    )
    return issue, specs


def _case(raw: object, where: str) -> SandboxCase | None:
    if raw is None:
        return None
    obj = _obj(raw, where)
    return SandboxCase(
        id=_uuid(obj, "id", where),
        key=_str(obj, "key", where),
        status=_str(obj, "status", where, "OPEN"),
        created_at=_str(obj, "created_at", where, "2025-01-01T00:00:00Z"),
        modified_at=_str(obj, "modified_at", where, "2025-01-01T00:00:00Z"),
        closed_at=_opt_str(obj, "closed_at", where),
    )


def _regression(raw: object, now: int, where: str, specs: dict[str, TimeSpec]) -> Regression | None:
    if raw is None:
        return None
    obj = _obj(raw, where)
    stamps: dict[str, str] = {}
    for key in _REGRESSION_TIME_FIELDS:
        if key not in obj:
            raise SandboxDataError(where, f"{key!r} is required")
        stamps[key] = iso_from_ms(parse_time(obj[key], now, f"{where}.{key}"))
        specs[f"regression.{key}"] = obj[key]
    return Regression(
        resolved_at=stamps["resolved_at"],
        regressed_at=stamps["regressed_at"],
        regressed_at_version=_opt_str(obj, "regressed_at_version", where),
    )
