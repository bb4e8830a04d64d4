"""Typed readers of a saved plan's values, each naming the key path it complains about."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from reconciler.model import Field, HoldReason, Source, State, is_uuid

T = TypeVar("T")
SOURCE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: int() accepts other scripts


class Invalid(Exception):
    """The document is not a plan; turned into PlanFileError at the boundary."""


def key(data: Mapping[str, Any], key: str, at: str) -> Any:
    if key not in data:
        raise Invalid(f"{at}: missing key {key!r}")
    return data[key]


def typed(value: object, kind: type[T], at: str) -> T:
    # bool is an int in Python, but never a valid count in a plan file.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(f"{at}: expected {_kind_name(kind)}, got {show(value)}")
    return value


def _kind_name(kind: type) -> str:
    names = {str: "a string", int: "an integer", list: "a list"}
    return names.get(kind, kind.__name__)


def show(value: object) -> str:
    """A short rendering of a value for a message; containers only by kind, so a
    deeply nested value cannot blow the stack."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**60:
        return "a huge integer"
    return json.dumps(value)[:60]


def issue_id(value: object, at: str) -> str:
    """An issue id, which must be a UUID: anything else could reach a URL as a path."""
    text = typed(value, str, at)
    if not is_uuid(text):
        raise Invalid(f"{at}: {show(text)} is not an issue UUID; plan again")
    return text


def mapping(value: object, at: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid(f"{at}: expected an object, got {show(value)}")
    return value


def optional_str(value: object, at: str) -> str | None:
    return None if value is None else typed(value, str, at)


E = TypeVar("E", Field, State, HoldReason)


def enum(kind: type[E], value: object, at: str) -> E:
    allowed = ", ".join(member.value for member in kind)
    if not isinstance(value, str):
        raise Invalid(f"{at}: expected one of {allowed}, got {show(value)}")
    try:
        return kind(value)
    except ValueError:
        raise Invalid(f"{at}: {value!r} is not one of {allowed}") from None


def source(value: object, at: str) -> Source:
    text = typed(value, str, at)
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not all(SOURCE_NUMBER.fullmatch(part) for part in parts[1:]):
        raise Invalid(f"{at}: {show(text)} is not FILE:LINE:COL")
    return Source(parts[0], int(parts[1]), int(parts[2]))
