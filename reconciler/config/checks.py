"""Typed, positioned reading of YAML mappings: each bad value becomes a Problem, never a raise."""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum
from typing import TypeVar

from reconciler.config.durations import parse_duration
from reconciler.config.problems import Problems, describe, quoted, suggestion
from reconciler.config.tree import YamlList, YamlMap
from reconciler.errors import DurationError
from reconciler.model import Source, State

_E = TypeVar("_E", bound=Enum)


def node_at(file: str, node: YamlMap | YamlList) -> Source:
    """Where a mapping or sequence starts."""
    return Source(file, *node.start)


def item_at(file: str, sequence: YamlList, index: int) -> Source:
    return Source(file, *sequence.item_starts[index])


class Section:
    """One YAML mapping of one file, read key by key; problems are prefixed with `label`."""

    def __init__(
        self, file: str, mapping: YamlMap, label: str, allowed: Collection[str], problems: Problems
    ) -> None:
        self.file = file
        self.mapping = mapping
        self.label = label
        self.problems = problems
        for key in mapping:
            if key not in allowed:
                self.fail_key(key, f"unknown key {quoted(key)}{suggestion(key, allowed)}")

    @property
    def start(self) -> Source:
        return node_at(self.file, self.mapping)

    def has(self, key: str) -> bool:
        return key in self.mapping

    def later(self, *keys: str) -> str:
        """Of `keys` (all present), the one written last: where a clash is noticed."""
        return max(keys, key=lambda k: self.mapping.key_starts[k])

    def key_at(self, key: object) -> Source:
        return Source(self.file, *self.mapping.key_starts[key])

    def value_at(self, key: object) -> Source:
        return Source(self.file, *self.mapping.value_starts[key])

    def fail(self, key: object, message: str) -> None:
        self.problems.add(self.value_at(key), self._prefix(message))

    def fail_key(self, key: object, message: str) -> None:
        self.problems.add(self.key_at(key), self._prefix(message))

    def fail_here(self, message: str) -> None:
        self.problems.add(self.start, self._prefix(message))

    def _prefix(self, message: str) -> str:
        return f"{self.label}: {message}" if self.label else message

    def _wrong_type(self, key: str, expected: str) -> None:
        self.fail(key, f"{key} must be {expected}, not {describe(self.mapping[key])}")

    def string(self, key: str) -> str | None:
        """A non-empty string, or None when absent or invalid."""
        if key not in self.mapping:
            return None
        value = self.mapping[key]
        if not isinstance(value, str):
            self._wrong_type(key, "a string")
            return None
        if not value.strip():
            self.fail(key, f"{key} must not be empty")
            return None
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        if key not in self.mapping:
            return default
        value = self.mapping[key]
        if not isinstance(value, bool):
            self._wrong_type(key, "true or false")
            return default
        return value

    def enum(self, key: str, kind: type[_E]) -> _E | None:
        """A member of `kind` spelled exactly as its value, or None when absent or invalid."""
        if key not in self.mapping:
            return None
        value = self.mapping[key]
        valid = [str(member.value) for member in kind]
        if isinstance(value, str) and value in valid:
            return kind(value)
        hint = ""
        if isinstance(value, str) and any(v.casefold() == value.casefold() for v in valid):
            hint = " (the values are case-sensitive)"
        self.fail(key, f"{key} must be one of {', '.join(valid)}, not {describe(value)}{hint}")
        return None

    def duration(self, key: str) -> int | None:
        """Seconds, or None when absent or invalid."""
        if key not in self.mapping:
            return None
        value = self.mapping[key]
        if not isinstance(value, str):
            self._wrong_type(key, "a duration such as 30d (an integer and s, m, h, d or w)")
            return None
        try:
            return parse_duration(value)
        except DurationError as exc:
            self.fail(key, f"{key}: {exc}")
            return None

    def positive_int(self, key: str) -> int | None:
        if key not in self.mapping:
            return None
        value = self.mapping[key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self._wrong_type(key, "a positive integer")
            return None
        return value

    def states(self, key: str) -> tuple[State, ...] | None:
        """A non-empty list of states, duplicates dropped; None when absent or invalid."""
        if key not in self.mapping:
            return None
        value = self.mapping[key]
        valid = ", ".join(State)
        if not isinstance(value, YamlList):
            self._wrong_type(key, f"a list of states, e.g. [OPEN] (states: {valid})")
            return None
        if not value:
            self.fail(key, f"{key} must list at least one state ({valid})")
            return None
        found: list[State] = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item in State.__members__:
                found.append(State(item))
                continue
            self.problems.add(
                item_at(self.file, value, index),
                self._prefix(f"{key} entries must be one of {valid}, not {describe(item)}"),
            )
        if len(found) < len(value):
            return None
        return tuple(dict.fromkeys(found))
