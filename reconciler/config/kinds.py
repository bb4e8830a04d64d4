"""The types a config value can have, and the kinds of mapping (`Place`) that hold them.

Pure data: `fields.FIELDS` gives each key one of these, and the validator
(`checks`) and the JSON Schema (`schema`) each interpret them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cached_property


class Place(StrEnum):
    """A kind of mapping in the config; the value names it in the JSON Schema's $defs."""

    TOP = "config"
    DEFAULTS = "defaults"
    RULE = "rule"
    PIN = "pin"
    TEST = "test"
    SAMPLE = "sample_issue"
    EXPECT = "expectation"


RULE_NAME_PATTERN = r"[a-z0-9][a-z0-9_.-]*"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
EXAMPLE_UUID = "c1726a66-1f64-11ee-b338-da7ad0900002"


@dataclass(frozen=True)
class Version:
    """The format version: the integer 1."""


@dataclass(frozen=True)
class Text:
    """A string with something other than blanks in it; optionally matching `pattern`."""

    pattern: str | None = None
    hint: str = ""  # what the pattern means, for the message


@dataclass(frozen=True)
class Query:
    """An event-search query, parsed while validating."""


@dataclass(frozen=True)
class Duration:
    """An integer and a unit (s, m, h, d, w), from one second to ten years."""


@dataclass(frozen=True)
class Count:
    """A positive integer."""


@dataclass(frozen=True)
class Flag:
    """true or false."""


@dataclass(frozen=True)
class Choice:
    """One value of an enumeration, spelled exactly as its value."""

    enum: type[Enum]

    @cached_property  # read for every value checked
    def values(self) -> tuple[str, ...]:
        return tuple(str(member.value) for member in self.enum)


@dataclass(frozen=True)
class ChoiceList:
    """A non-empty list of values of an enumeration; duplicates are dropped."""

    enum: type[Enum]

    @cached_property  # read for every value checked
    def values(self) -> tuple[str, ...]:
        return tuple(str(member.value) for member in self.enum)


@dataclass(frozen=True)
class TextList:
    """A list of strings (an empty list is allowed)."""


@dataclass(frozen=True)
class UserRef:
    """An alias from users:, an email, a user UUID, or null."""

    null: str  # what null means here, e.g. "to unassign"


@dataclass(frozen=True)
class Uuid:
    """An id in UUID form; compared lower-case."""


@dataclass(frozen=True)
class Section:
    """A mapping holding the fields of `place`; `nullable` when `key:` alone means empty."""

    place: Place
    expected: str  # "a mapping", as the type message says it
    nullable: bool = False


@dataclass(frozen=True)
class Sections:
    """A list of mappings, each holding the fields of `place`."""

    place: Place
    expected: str


@dataclass(frozen=True)
class Aliases:
    """users: alias -> email, handle or user UUID."""

    expected: str


@dataclass(frozen=True)
class Pins:
    """issues: issue id (UUID) -> the fields of a pin."""

    expected: str


Kind = (
    Version
    | Text
    | Query
    | Duration
    | Count
    | Flag
    | Choice
    | ChoiceList
    | TextList
    | UserRef
    | Uuid
    | Section
    | Sections
    | Aliases
    | Pins
)
