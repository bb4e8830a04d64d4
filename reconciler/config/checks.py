"""Typed, positioned reading of YAML mappings: each bad value becomes a Problem, never a raise."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Collection, Sequence
from enum import Enum
from typing import Any, TypeVar

from reconciler.errors import DurationError, Problem
from reconciler.model import Source, State

_E = TypeVar("_E", bound=Enum)

_DURATION = re.compile(r"([0-9]+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """Seconds in a duration such as `90s`, `15m`, `1h`, `30d` or `2w`; raises DurationError."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise DurationError(text, "expected an integer and a unit")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise DurationError(text, "a duration must be positive")
    return seconds


class Problems:
    """Collects problems; sorted by file order, then position, when reported."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, where: Source, message: str) -> None:
        self.items.append(Problem(where.file, where.line, where.col, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self, file_order: Sequence[str]) -> list[Problem]:
        rank: dict[str, int] = {}
        for name in file_order:
            rank.setdefault(name, len(rank))
        return sorted(
            self.items,
            key=lambda p: (rank.get(p.file, len(rank)), p.file, p.line, p.col, p.message),
        )


def describe(value: object) -> str:
    """How a YAML value reads in a message ("a number", "null", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()} (quote it to make it a string)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def suggestion(word: object, choices: Collection[str], listing: str = "expected one of") -> str:
    """`; did you mean 'x'?` for a close choice, else ` (expected one of: ...)`."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.casefold() == str(word).casefold()]
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" ({listing}: {', '.join(choices)})"


def node_at(file: str, node: Any) -> Source:
    """Where a mapping or sequence node starts."""
    return Source(file, node.lc.line + 1, node.lc.col + 1)


def item_at(file: str, sequence: Any, index: int) -> Source:
    line, col = sequence.lc.item(index)
    return Source(file, line + 1, col + 1)


class Section:
    """One YAML mapping of one file, read key by key; problems are prefixed with `label`."""

    def __init__(
        self, file: str, mapping: Any, label: str, allowed: Collection[str], problems: Problems
    ) -> None:
        self.file = file
        self.mapping = mapping
        self.label = label
        self.problems = problems
        for key in mapping:
            if key not in allowed:
                self.fail_key(key, f"unknown key {key!r}{suggestion(key, allowed)}")

    @property
    def start(self) -> Source:
        return node_at(self.file, self.mapping)

    def has(self, key: str) -> bool:
        return key in self.mapping

    def later(self, *keys: str) -> str:
        """Of `keys` (all present), the one written last: where a clash is noticed."""
        return max(keys, key=lambda k: tuple(self.mapping.lc.key(k)))

    def key_at(self, key: object) -> Source:
        line, col = self.mapping.lc.key(key)
        return Source(self.file, line + 1, col + 1)

    def value_at(self, key: object) -> Source:
        line, col = self.mapping.lc.value(key)
        return Source(self.file, line + 1, col + 1)

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
        if not isinstance(value, list):
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
