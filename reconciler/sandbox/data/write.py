"""Write an `OrgData` back out as a data document, atomically.

Time fields are written with the expressions the file was loaded from, so
offsets such as ``"-2h"`` stay relative; times without one are written as
epoch milliseconds or the ISO strings the org holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.sandbox.data.org import OrgData
from reconciler.sandbox.data.times import TimeSpec
from reconciler.sandbox.errors import SandboxDataError
from reconciler.sandbox.records import SandboxIssue, SandboxUser


def org_to_dict(org: OrgData) -> dict[str, Any]:
    """The data document for an org, keeping relative time expressions as written."""
    return {
        "users": [_user_doc(u) for u in org.users],
        "teams": [
            {"id": t.id, "handle": t.handle, "name": t.name, "summary": t.summary}
            for t in org.teams
        ],
        "issues": [issue_to_dict(i, org.time_specs.get(i.id, {})) for i in org.issues],
    }


def write_json_atomically(path: Path, doc: Mapping[str, Any]) -> None:
    """Write a JSON document so that readers see the old file or the new one, never half.

    Raises SandboxDataError when the directory is not writable.
    """
    payload = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    directory = path.resolve().parent
    tmp_name = ""
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as tmp:
            tmp.write(payload)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            # A failed rename (the path is a directory, say) must not leave the copy behind.
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        raise SandboxDataError(str(path), f"cannot write: {exc}") from exc


def _user_doc(user: SandboxUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "handle": user.handle,
        "name": user.name,
        "title": user.title,
        "disabled": user.disabled,
        "status": user.status,
    }


def issue_to_dict(issue: SandboxIssue, specs: Mapping[str, TimeSpec]) -> dict[str, Any]:
    """The data-file entry of one issue, its times written as `specs` says where it has one."""
    doc: dict[str, Any] = {
        "id": issue.id,
        "service": issue.service,
        "env": issue.env,
        "error_type": issue.error_type,
        "error_message": issue.error_message,
        "file_path": issue.file_path,
        "function_name": issue.function_name,
        "languages": list(issue.languages),
        "platform": issue.platform,
        "track": issue.track.value,
        "is_crash": issue.is_crash,
        "first_seen": specs.get("first_seen", issue.first_seen),
        "last_seen": specs.get("last_seen", issue.last_seen),
        "first_seen_version": issue.first_seen_version,
        "last_seen_version": issue.last_seen_version,
        "state": issue.state.value,
        "assignee_id": issue.assignee_id,
        "team_owners": list(issue.team_ids),
        "total_count": issue.total_count,
    }
    if issue.impacted_users is not None:
        doc["impacted_users"] = issue.impacted_users
    if issue.impacted_sessions is not None:
        doc["impacted_sessions"] = issue.impacted_sessions
    if issue.case is not None:
        c = issue.case
        doc["case"] = {
            "id": c.id,
            "key": c.key,
            "status": c.status,
            "created_at": c.created_at,
            "modified_at": c.modified_at,
            "closed_at": c.closed_at,
        }
    if issue.regression is not None:
        r = issue.regression
        doc["regression"] = {
            "resolved_at": specs.get("regression.resolved_at", r.resolved_at),
            "regressed_at": specs.get("regression.regressed_at", r.regressed_at),
            "regressed_at_version": r.regressed_at_version,
        }
    return doc
