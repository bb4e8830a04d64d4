"""Time expressions in sandbox data files, resolved against the moment of loading.

A time is epoch milliseconds, an ISO 8601 string, ``"now"``, or an offset from
the moment the file is loaded such as ``"-2h"`` or ``"-20d"`` (units s, m, h, d,
w), so bundled data never goes stale.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from reconciler.sandbox.errors import SandboxDataError

TimeSpec = int | str
_OFFSET = re.compile(r"^([+-])(\d+)([smhdw])$")
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def now_ms() -> int:
    """The current time in epoch milliseconds."""
    return int(datetime.now(UTC).timestamp() * 1000)


def iso_from_ms(ms: int) -> str:
    """Epoch milliseconds as an ISO 8601 UTC string with a "Z"."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: object, now: int, where: str) -> int:
    """A time spec as epoch ms; raises SandboxDataError for anything else."""
    if isinstance(value, bool):
        raise SandboxDataError(where, f"expected a time, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if value == "now":
            return now
        offset = _OFFSET.match(value)
        if offset:
            sign, amount, unit = offset.groups()
            delta = int(amount) * _UNIT_MS[unit]
            return now - delta if sign == "-" else now + delta
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return int(moment.timestamp() * 1000)
    raise SandboxDataError(
        where, f"bad time {value!r}: use epoch ms, ISO 8601, 'now' or an offset like '-2h'"
    )
