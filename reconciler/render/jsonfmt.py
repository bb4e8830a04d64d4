"""The JSON plan (CONTRACT 6) and JSON apply results (CONTRACT 7)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from reconciler.model import ChangeResult, Plan
from reconciler.planfile import FORMAT_VERSION, plan_to_document
from reconciler.render.common import json_text, result_counts


def render_json(plan: Plan) -> str:
    """The plan document of CONTRACT 6 (plus `max_changes` and `users`), 2-space indented."""
    return json_text(plan_to_document(plan))


def render_results_json(results: Sequence[ChangeResult]) -> str:
    """`{"format_version": 1, "summary": {...}, "results": [...]}` in result order."""
    return json_text(
        {
            "format_version": FORMAT_VERSION,
            "summary": result_counts(results),
            "results": [result.to_json() for result in results],
        }
    )


def result_log_line(result: ChangeResult, now: datetime) -> str:
    """One `--log-file` line: the result object with a `time` key (UTC, ISO 8601, `Z`).

    A naive `now` is taken to be UTC already. The line has no trailing newline.
    """
    moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"time": stamp, **result.to_json()}, ensure_ascii=False)
