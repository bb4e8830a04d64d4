"""The saved plan file (CONTRACT 6): a Plan to a JSON-ready document and back.

The document is what `plan --format json` prints and `plan --out FILE` writes;
`apply --plan FILE` and `show FILE` read it back with `load_plan`. A file whose
changes do not match its checksum is refused, so an edited plan cannot be
applied by mistake.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.errors import PlanFileError
from reconciler.model import (
    Change,
    Conflict,
    Field,
    Held,
    HoldReason,
    IssueSummary,
    Plan,
    State,
    is_uuid,
    plan_checksum,
)

from . import values

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
    except values.Invalid as exc:
        raise PlanFileError(where, str(exc)) from None


class _Reader:
    """Reads one document, naming the offending key path in every complaint."""

    def plan(self, doc: Mapping[str, Any]) -> Plan:
        version = doc.get("format_version")
        if version != FORMAT_VERSION:
            raise values.Invalid(
                f"format_version is {values.show(version)}, this reconciler reads "
                f"{FORMAT_VERSION}; plan again with this version"
            )
        for key in _TOP_KEYS:
            if key not in doc:
                raise values.Invalid(f"missing key {key!r}")
        summary = values.mapping(doc["summary"], "summary")
        changes = tuple(
            self._change(item, f"changes[{i}]")
            for i, item in enumerate(values.typed(doc["changes"], list, "changes"))
        )
        _refuse_repeats(changes)
        held = tuple(
            self._held(item, f"held[{i}]")
            for i, item in enumerate(values.typed(doc["held"], list, "held"))
        )
        checksum = values.typed(doc["checksum"], str, "checksum")
        api_url = values.typed(doc["api_url"], str, "api_url")
        if not api_url.strip():
            # Without it the other-API check has nothing to compare: refuse, never skip it.
            raise values.Invalid("api_url is empty; plan again with `reconciler plan --out`")
        max_changes = values.typed(doc.get("max_changes", 100), int, "max_changes")
        if checksum != plan_checksum(changes, api_url, max_changes):
            raise values.Invalid(
                "the checksum does not match the changes (the file was edited after it "
                "was written); run `reconciler plan --out` again"
            )
        return Plan(
            changes=changes,
            held=held,
            conflicts=tuple(
                self._conflict(item, f"conflicts[{i}]")
                for i, item in enumerate(values.typed(doc["conflicts"], list, "conflicts"))
            ),
            warnings=tuple(
                values.typed(w, str, f"warnings[{i}]")
                for i, w in enumerate(values.typed(doc["warnings"], list, "warnings"))
            ),
            issues_in_scope=values.typed(
                summary.get("issues_in_scope", 0), int, "summary.issues_in_scope"
            ),
            max_changes=max_changes,
            generated_at=values.typed(doc["generated_at"], str, "generated_at"),
            api_url=api_url,
            config_digest=values.typed(doc["config_digest"], str, "config_digest"),
            users=self._users(doc.get("users", {})),
            ui_host=values.optional_str(doc.get("ui_host"), "ui_host"),
        )

    def _change(self, item: object, at: str) -> Change:
        data = values.mapping(item, at)
        issue_id = values.issue_id(values.key(data, "issue_id", at), f"{at}.issue_id")
        field = values.enum(Field, values.key(data, "field", at), f"{at}.field")
        before = values.optional_str(values.key(data, "before", at), f"{at}.before")
        after = values.optional_str(values.key(data, "after", at), f"{at}.after")
        if field is Field.STATE:
            values.enum(State, before, f"{at}.before")
            values.enum(State, after, f"{at}.after")
        else:
            for name, value in (("before", before), ("after", after)):
                if value is not None and not is_uuid(value):
                    raise values.Invalid(f"{at}.{name}: {value!r} is not a user UUID or null")
        keep_state = None
        if field is Field.ASSIGNEE and data.get("keep_state") is not None:
            keep_state = values.enum(State, data["keep_state"], f"{at}.keep_state")
        summary = data.get("issue")
        issue = None
        if summary is not None:
            summary = values.mapping(summary, f"{at}.issue")
            issue = IssueSummary(
                service=values.optional_str(summary.get("service"), f"{at}.issue.service"),
                error_type=values.optional_str(summary.get("error_type"), f"{at}.issue.error_type"),
                error_message=values.optional_str(
                    summary.get("error_message"), f"{at}.issue.error_message"
                ),
            )
        return Change(
            issue_id=issue_id,
            field=field,
            before=before,
            after=after,
            source=values.source(values.key(data, "source", at), f"{at}.source"),
            rule=values.optional_str(values.key(data, "rule", at), f"{at}.rule"),
            issue=issue,
            keep_state=keep_state,
            note=values.optional_str(data.get("note"), f"{at}.note"),
        )

    def _held(self, item: object, at: str) -> Held:
        data = values.mapping(item, at)
        field = values.enum(Field, values.key(data, "field", at), f"{at}.field")
        wanted = values.typed(values.key(data, "wanted", at), str, f"{at}.wanted")
        current = values.typed(values.key(data, "current", at), str, f"{at}.current")
        if field is Field.STATE:
            values.enum(State, wanted, f"{at}.wanted")
            values.enum(State, current, f"{at}.current")
        return Held(
            issue_id=values.issue_id(values.key(data, "issue_id", at), f"{at}.issue_id"),
            field=field,
            wanted=wanted,
            current=current,
            reason=values.enum(HoldReason, values.key(data, "reason", at), f"{at}.reason"),
            source=values.source(values.key(data, "source", at), f"{at}.source"),
            rule=values.optional_str(data.get("rule"), f"{at}.rule"),
        )

    def _conflict(self, item: object, at: str) -> Conflict:
        data = values.mapping(item, at)
        losers = values.typed(values.key(data, "losers", at), list, f"{at}.losers")
        return Conflict(
            issue_id=values.issue_id(values.key(data, "issue_id", at), f"{at}.issue_id"),
            field=values.enum(Field, values.key(data, "field", at), f"{at}.field"),
            winner=values.typed(values.key(data, "winner", at), str, f"{at}.winner"),
            losers=tuple(values.typed(x, str, f"{at}.losers[{i}]") for i, x in enumerate(losers)),
        )

    def _users(self, value: object) -> dict[str, str]:
        users = values.mapping(value, "users")
        return {
            values.typed(k, str, "users"): values.typed(v, str, f"users.{k}")
            for k, v in users.items()
        }


def _refuse_repeats(changes: tuple[Change, ...]) -> None:
    """A plan changes a field of an issue once; a second change of it (which no plan
    we write has) would be a second, unreviewed write of that field."""
    seen: set[tuple[str, Field]] = set()
    for i, change in enumerate(changes):
        key = (change.issue_id.lower(), change.field)
        if key in seen:
            raise values.Invalid(
                f"changes[{i}] changes the {change.field.value} of issue {change.issue_id} "
                "a second time; plan again"
            )
        seen.add(key)
