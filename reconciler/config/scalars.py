"""Plain YAML scalars as values: the YAML 1.2 core schema, as ruamel.yaml resolves it.

Bounded where Python is not: an integer of more than `MAX_NUMBER_DIGITS` digits is
a problem (int() refuses 4,300 and is slow long before), and so is a tag other
than the core ones or a value its tag cannot have (`!!int twelve`, `2024-13-01`).
"""

from __future__ import annotations

import datetime
from typing import Any

from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.util import create_timestamp, timestamp_regexp

from reconciler.config.problems import shown

MAX_NUMBER_DIGITS = 30  # far above any count or version; below int()'s 4,300-digit limit

CORE = "tag:yaml.org,2002:"
STR, NULL, BOOL, INT, FLOAT = (CORE + t for t in ("str", "null", "bool", "int", "float"))
TIMESTAMP, MERGE, VALUE = (CORE + t for t in ("timestamp", "merge", "value"))
MAP, SEQ = CORE + "map", CORE + "seq"
# YAML 1.2, as ruamel.yaml resolves it: first character -> (tag, pattern) to try in order.
_PLAIN_TAGS = {
    first: tuple((str(tag), pattern) for tag, pattern in rules)
    for first, rules in VersionedResolver().versioned_resolver.items()
}


def plain_tag(text: str) -> str:
    for tag, pattern in _PLAIN_TAGS.get(text[:1], ()) + _PLAIN_TAGS.get(None, ()):
        if pattern.match(text):
            return tag
    return STR


def tag_message(tag: str | None) -> str:
    short = tag.replace(CORE, "!!") if tag else "?"
    return (
        f"the tag {shown(short)} is not supported; a config holds plain strings, numbers, "
        "booleans, lists and mappings"
    )


def construct_scalar(tag: str, text: str) -> tuple[Any, str]:
    """The value of a scalar with a resolved `tag`, and a problem ("" when there is none)."""
    if tag in (STR, VALUE, MERGE):
        return text, ""
    if tag == NULL:
        return None, ""
    if tag == BOOL:
        if text.lower() in ("true", "false"):
            return text.lower() == "true", ""
        return text, f"!!bool {shown(text)!r} is neither true nor false"
    if tag == INT:
        return _integer(text)
    if tag == FLOAT:
        return _float(text)
    if tag == TIMESTAMP:
        return _timestamp(text)
    return text, tag_message(tag)


def _integer(text: str) -> tuple[Any, str]:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    base = {"0b": 2, "0o": 8, "0x": 16}.get(digits[:2].lower(), 10)
    if base != 10:
        digits = digits[2:]
    if len(digits) > MAX_NUMBER_DIGITS:
        return text, (
            f"a number with {len(digits)} digits is beyond any setting (at most "
            f"{MAX_NUMBER_DIGITS} digits); quote it if it is text"
        )
    try:
        return sign * int(digits, base), ""
    except ValueError:
        return text, f"!!int {shown(text)!r} is not an integer"


def _float(text: str) -> tuple[Any, str]:
    lowered = text.replace("_", "").lower()
    special = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf")}
    if lowered in special:
        return special[lowered], ""
    if lowered == ".nan":
        return float("nan"), ""
    try:
        return float(lowered), ""
    except ValueError:
        return text, f"!!float {shown(text)!r} is not a number"


def _timestamp(text: str) -> tuple[Any, str]:
    match = timestamp_regexp.match(text)
    if match is None:
        return text, f"!!timestamp {shown(text)!r} is not a date"
    try:
        value: datetime.date = create_timestamp(**match.groupdict())
    except (ValueError, OverflowError) as exc:
        return text, f"{shown(text)!r} is not a valid date ({exc}); quote it if it is text"
    return value, ""
