"""Reading JSON values the way the real API sends them: empty strings are absent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from reconciler.errors import ResponseShapeError


def read_text(value: object) -> str | None:
    """A string attribute, with the API's empty strings (and non-strings) read as absent."""
    if isinstance(value, str) and value != "":
        return value
    return None


def read_int(value: object) -> int | None:
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return None


def is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether `value` is a JSON object; `dict` first, as the ABC check costs ~1us a call."""
    return type(value) is dict or isinstance(value, Mapping)


def as_mapping(value: object, what: str) -> Mapping[str, Any]:
    """`value` as a JSON object; raises ResponseShapeError naming `what` otherwise."""
    if not is_object(value):
        raise ResponseShapeError(f"{what} is not a JSON object")
    return value


def as_list(value: object, what: str) -> Sequence[Any]:
    """`value` as a JSON array; raises ResponseShapeError naming `what` otherwise."""
    if not isinstance(value, list):
        raise ResponseShapeError(f"{what} is not a JSON array")
    return value


def resource_id(resource: Mapping[str, Any], what: str) -> str:
    """The non-empty `id` of a resource; raises ResponseShapeError when there is none."""
    value = read_text(resource.get("id"))
    if value is None:
        raise ResponseShapeError(f"{what} has no id")
    return value


def related_id(relationships: Mapping[str, Any], name: str) -> str | None:
    """The id of a to-one relationship, None when absent or null."""
    link = relationships.get(name)
    if type(link) is not dict and not is_object(link):
        return None
    data = link.get("data")
    if type(data) is not dict and not is_object(data):
        return None
    value = data.get("id")
    return value if isinstance(value, str) and value else None


def related_ids(relationships: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The ids of a to-many relationship, in order."""
    link = relationships.get(name)
    data = link.get("data") if is_object(link) else None
    if not isinstance(data, list):
        return ()
    ids = (read_text(item.get("id")) for item in data if is_object(item))
    return tuple(i for i in ids if i is not None)
