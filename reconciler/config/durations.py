"""Durations (`90s`, `15m`, `1h`, `30d`, `2w`): at least a second, at most ten years."""

from __future__ import annotations

import re

from reconciler.errors import DurationError

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION_DAYS = 3653  # ten years, with their leap days
MAX_DURATION_S = MAX_DURATION_DAYS * 86400
MAX_DURATION_DIGITS = 12  # longer than any duration up to ten years, even in seconds
DURATION_PATTERN = r"[0-9]+[smhdw]"

_DURATION = re.compile(r"([0-9]+)([smhdw])")
_SHOWN = 40


def parse_duration(text: str) -> int:
    """Seconds in a duration such as `90s`, `15m`, `1h`, `30d` or `2w`; raises DurationError."""
    shown = text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
    match = _DURATION.fullmatch(text)
    if match is None:
        raise DurationError(shown, "expected an integer and a unit")
    digits, unit = match.groups()
    significant = digits.lstrip("0") or "0"
    if len(significant) > MAX_DURATION_DIGITS:
        raise DurationError(
            shown,
            f"a duration is at most ten years ({MAX_DURATION_DAYS}d), not {len(digits)} digits",
        )
    seconds = int(significant) * UNIT_SECONDS[unit]
    if seconds <= 0:
        raise DurationError(shown, "a duration must be positive")
    if seconds > MAX_DURATION_S:
        raise DurationError(shown, f"a duration is at most ten years ({MAX_DURATION_DAYS}d)")
    return seconds
