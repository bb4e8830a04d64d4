"""Read one YAML mapping by the field table: each bad value becomes a Problem, never a raise.

A `Section` checks, as it is made, every key of its mapping against the fields of
its place (unknown keys with a did-you-mean hint, missing required keys, each
value's type and enum) and the place's cross-field checks; `value(key)` then gives
the typed value of a valid key, None when the key is absent or its value invalid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reconciler.config import kinds
from reconciler.config.crosschecks import checks_of
from reconciler.config.durations import parse_duration
from reconciler.config.fields import fields_of
from reconciler.config.files import ConfigFile
from reconciler.config.kinds import Place
from reconciler.config.problems import Problems, describe, quoted, suggestion
from reconciler.config.tree import YamlList, YamlMap
from reconciler.errors import DurationError, QuerySyntaxError
from reconciler.model import Assignee, Source
from reconciler.query import parse


def node_at(file: str, node: YamlMap | YamlList) -> Source:
    """Where a mapping or sequence starts."""
    return Source(file, *node.start)


def item_at(file: str, sequence: YamlList, index: int) -> Source:
    return Source(file, *sequence.item_starts[index])


class Section:
    """One mapping of one file, checked by the table for `place`; problems are prefixed
    with `label`. `start` is where problems about the mapping as a whole are reported."""

    def __init__(
        self,
        file: ConfigFile,
        mapping: YamlMap,
        label: str,
        place: Place,
        problems: Problems,
        *,
        start: Source | None = None,
    ) -> None:
        self.file = file
        self.mapping = mapping
        self.label = label
        self.problems = problems
        self.start = start or node_at(file.name, mapping)
        self.fields = fields_of(place)
        self._values: dict[str, Any] = {}
        for key in mapping:
            if key not in self.fields:
                self.fail_key(key, f"unknown key {quoted(key)}{suggestion(key, self.fields)}")
        for field in self.fields.values():
            if field.key in mapping:
                self._values[field.key] = _READERS[type(field.kind)](self, field.key, field.kind)
            elif field.required:
                self.fail_here(field.required)
        for check in checks_of(place):
            violation = check.find(place, mapping)
            if violation is None:
                continue
            if violation.key is None:
                self.fail_here(violation.message)
            elif violation.at_key:
                self.fail_key(violation.key, violation.message)
            else:
                self.fail(violation.key, violation.message)

    def has(self, key: str) -> bool:
        return key in self.mapping

    def value(self, key: str) -> Any:
        """The typed value of `key`; None when it is absent or invalid."""
        return self._values.get(key)

    def key_at(self, key: object) -> Source:
        return Source(self.file.name, *self.mapping.key_starts[key])

    def value_at(self, key: object) -> Source:
        return Source(self.file.name, *self.mapping.value_starts[key])

    def fail(self, key: object, message: str) -> None:
        self.problems.add(self.value_at(key), self.prefix(message))

    def fail_key(self, key: object, message: str) -> None:
        self.problems.add(self.key_at(key), self.prefix(message))

    def fail_here(self, message: str) -> None:
        self.problems.add(self.start, self.prefix(message))

    def prefix(self, message: str) -> str:
        return f"{self.label}: {message}" if self.label else message

    def wrong_type(self, key: str, expected: str) -> None:
        self.fail(key, f"{key} must be {expected}, not {describe(self.mapping[key])}")


# --------------------------------------------------------------------------- one reader per type
# Each reads `section.mapping[key]` (present), reports what is wrong with it and
# returns the typed value, or None.


def _version(section: Section, key: str, _kind: kinds.Version) -> int | None:
    value = section.mapping[key]
    if isinstance(value, bool) or not isinstance(value, int) or value != 1:
        section.fail(
            key,
            f"version must be 1, the only format this reconciler reads, not {describe(value)}",
        )
        return None
    return value


def _text(section: Section, key: str, kind: kinds.Text) -> str | None:
    value = section.mapping[key]
    if not isinstance(value, str):
        section.wrong_type(key, "a string")
        return None
    if not value.strip():
        section.fail(key, f"{key} must not be empty")
        return None
    if kind.pattern and not re.fullmatch(kind.pattern, value):
        section.fail(key, f"{key} {quoted(value)} must match {kind.pattern} ({kind.hint})")
        return None
    return value


def _query(section: Section, key: str, _kind: kinds.Query) -> str | None:
    query = _text(section, key, kinds.Text())
    if query is None:
        return None
    try:
        parse(query)
    except QuerySyntaxError as exc:
        where = _query_position(section.file, section.value_at(key), query, exc.position)
        section.problems.add(
            where,
            section.prefix(
                f"query does not parse: {exc.reason} "
                f"(at character {exc.position + 1} of {quoted(query)})"
            ),
        )
        return None
    return query


def _query_position(file: ConfigFile, start: Source, query: str, position: int) -> Source:
    """The file position of character `position` of a one-line query, else the query's start."""
    line = file.line(start.line)
    column = start.col - 1
    if line[column : column + 1] in ("'", '"'):
        column += 1
    if line[column : column + len(query)] != query:
        return start
    return Source(start.file, start.line, column + position + 1)


def _duration(section: Section, key: str, _kind: kinds.Duration) -> int | None:
    value = section.mapping[key]
    if not isinstance(value, str):
        section.wrong_type(key, "a duration such as 30d (an integer and s, m, h, d or w)")
        return None
    try:
        return parse_duration(value)
    except DurationError as exc:
        section.fail(key, f"{key}: {exc}")
        return None


def _count(section: Section, key: str, _kind: kinds.Count) -> int | None:
    value = section.mapping[key]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        section.wrong_type(key, "a positive integer")
        return None
    return value


def _flag(section: Section, key: str, _kind: kinds.Flag) -> bool | None:
    value = section.mapping[key]
    if not isinstance(value, bool):
        section.wrong_type(key, "true or false")
        return None
    return value


def _choice(section: Section, key: str, kind: kinds.Choice) -> Any:
    value = section.mapping[key]
    valid = kind.values
    if isinstance(value, str) and value in valid:
        return kind.enum(value)
    hint = ""
    if isinstance(value, str) and any(v.casefold() == value.casefold() for v in valid):
        hint = " (the values are case-sensitive)"
    section.fail(key, f"{key} must be one of {', '.join(valid)}, not {describe(value)}{hint}")
    return None


def _choice_list(section: Section, key: str, kind: kinds.ChoiceList) -> tuple[Any, ...] | None:
    value = section.mapping[key]
    valid = ", ".join(kind.values)
    if not isinstance(value, YamlList):
        section.wrong_type(key, f"a list of states, e.g. [OPEN] (states: {valid})")
        return None
    if not value:
        section.fail(key, f"{key} must list at least one state ({valid})")
        return None
    found: list[Any] = []
    for index, item in enumerate(value):
        if isinstance(item, str) and item in kind.values:
            found.append(kind.enum(item))
            continue
        section.problems.add(
            item_at(section.file.name, value, index),
            section.prefix(f"{key} entries must be one of {valid}, not {describe(item)}"),
        )
    if len(found) < len(value):
        return None
    return tuple(dict.fromkeys(found))


def _text_list(section: Section, key: str, _kind: kinds.TextList) -> tuple[str, ...] | None:
    value = section.mapping[key]
    if not isinstance(value, YamlList):
        section.wrong_type(key, "a list of strings, e.g. [python]")
        return None
    bad = [i for i, item in enumerate(value) if not isinstance(item, str) or not item.strip()]
    for index in bad:
        section.problems.add(
            item_at(section.file.name, value, index),
            section.prefix(f"{key} entries must be strings, not {describe(value[index])}"),
        )
    return None if bad else tuple(value)


def _user(section: Section, key: str, kind: kinds.UserRef) -> Assignee | None:
    value = section.mapping[key]
    if value is None:
        return Assignee(None)
    if not isinstance(value, str) or not value.strip():
        section.fail(
            key,
            f"{key} must be an alias, an email, a user UUID or null ({kind.null}), "
            f"not {describe(value)}",
        )
        return None
    return Assignee(value)


def _uuid(section: Section, key: str, _kind: kinds.Uuid) -> str | None:
    value = section.mapping[key]
    if not isinstance(value, str) or not re.fullmatch(kinds.UUID_PATTERN, value):
        section.fail(
            key,
            f"{key} must be an issue id (a UUID such as {kinds.EXAMPLE_UUID}), "
            f"not {describe(value)}",
        )
        return None
    return value.lower()


Container = kinds.Section | kinds.Sections | kinds.Aliases | kinds.Pins


def _container(section: Section, key: str, kind: Container) -> YamlMap | YamlList | None:
    """A nested mapping or list: only its type here; its entries are read by its own reader."""
    value = section.mapping[key]
    if value is None and (not isinstance(kind, kinds.Section) or kind.nullable):
        return None
    expected_type = YamlList if isinstance(kind, kinds.Sections) else YamlMap
    if not isinstance(value, expected_type):
        section.fail(key, f"{key} must be {kind.expected}, not {describe(value)}")
        return None
    return value


_READERS: dict[type, Callable[[Section, str, Any], Any]] = {
    kinds.Version: _version,
    kinds.Text: _text,
    kinds.Query: _query,
    kinds.Duration: _duration,
    kinds.Count: _count,
    kinds.Flag: _flag,
    kinds.Choice: _choice,
    kinds.ChoiceList: _choice_list,
    kinds.TextList: _text_list,
    kinds.UserRef: _user,
    kinds.Uuid: _uuid,
    kinds.Section: _container,
    kinds.Sections: _container,
    kinds.Aliases: _container,
    kinds.Pins: _container,
}


def allowed_keys(place: Place) -> tuple[str, ...]:
    """The keys of `place`, in table order (for messages that list them)."""
    return tuple(fields_of(place))
