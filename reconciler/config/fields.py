"""Every config key, declared once: its type, doc line, default and where it may appear.

The validator (`checks.Section`) and the JSON Schema (`schema.build_schema`) both
read `FIELDS` and `CHECKS` when they run, so a row added here is known to both:
unknown-key detection, types, enums, did-you-mean hints and the schema follow.
`CHECKS` are the rules that relate keys of one mapping (state OPEN needs
from_states, ...), each with the JSON Schema fragment that says the same, or
None where a schema cannot (that is listed in the schema tests).

Nothing here imports a YAML parser: `reconciler schema` reads only this table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from reconciler.config.durations import parse_duration
from reconciler.errors import DurationError
from reconciler.model import AssignPolicy, Persona, State, Track


class Place(StrEnum):
    """A kind of mapping in the config; the value names it in the JSON Schema's $defs."""

    TOP = "config"
    DEFAULTS = "defaults"
    RULE = "rule"
    PIN = "pin"
    TEST = "test"
    SAMPLE = "sample_issue"
    EXPECT = "expectation"


# --------------------------------------------------------------------------- value types

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

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(str(member.value) for member in self.enum)


@dataclass(frozen=True)
class ChoiceList:
    """A non-empty list of values of an enumeration; duplicates are dropped."""

    enum: type[Enum]

    @property
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


@dataclass(frozen=True)
class Field:
    """One key: its type, the one line that documents it, and the mappings it may appear in."""

    key: str
    kind: Kind
    doc: str
    places: frozenset[Place]
    default: str | int | bool | None = None  # the built-in value, when there is one
    required: str = ""  # when set, the key is required and this is the problem without it


def _at(*places: Place) -> frozenset[Place]:
    return frozenset(places)


_SEARCH = _at(Place.DEFAULTS, Place.RULE)
_REFERENCE = "an alias from users:, an email, a user UUID"

FIELDS: tuple[Field, ...] = (
    # top level
    Field(
        "version",
        Version(),
        "The format version; must be 1.",
        _at(Place.TOP),
        required="missing version: 1 (the format version, required at the top level)",
    ),
    Field(
        "defaults",
        Section(Place.DEFAULTS, "a mapping", nullable=True),
        "Values for the rules and pins of this file; each may be overridden per rule.",
        _at(Place.TOP),
    ),
    Field(
        "users",
        Aliases("a mapping of alias to email, handle or user UUID"),
        "Aliases: name -> email, handle or user UUID, shared by every file.",
        _at(Place.TOP),
    ),
    Field(
        "rules",
        Sections(Place.RULE, "a list of rules"),
        "Ordered: the first matching rule decides each field.",
        _at(Place.TOP),
    ),
    Field(
        "issues",
        Pins("a mapping of issue id to pin"),
        "Pins: issue id (UUID) -> state and assignee; a pin beats every rule.",
        _at(Place.TOP),
    ),
    Field(
        "tests",
        Sections(Place.TEST, "a list of tests"),
        "Sample issues and what the config must decide for them; checked by validate.",
        _at(Place.TOP),
    ),
    # defaults and rules: the search
    Field(
        "window",
        Duration(),
        "Search window: from = now - window, to = now.",
        _SEARCH,
        default="30d",
    ),
    Field(
        "grace",
        Duration(),
        "RESOLVED is held for issues seen more recently than this.",
        _SEARCH,
        default="1h",
    ),
    Field(
        "track",
        Choice(Track),
        "The track to search (a search takes exactly one of track and persona).",
        _SEARCH,
    ),
    Field(
        "persona",
        Choice(Persona),
        "The persona to search (a search takes exactly one of track and persona).",
        _SEARCH,
        default="ALL",
    ),
    Field(
        "max_changes",
        Count(),
        "apply refuses a bigger plan without --force.",
        _at(Place.DEFAULTS),
        default=100,
    ),
    # rules
    Field(
        "name",
        Text(RULE_NAME_PATTERN, "start with a lower case letter or digit; then also '_', '.', '-'"),
        "Unique across all files; names the rule in plans.",
        _at(Place.RULE),
        required="missing name (lower case letters, digits, '_', '.', '-')",
    ),
    Field(
        "query",
        Query(),
        "Event search syntax, e.g. 'service:payments-* AND @language:python'; '*' matches all.",
        _at(Place.RULE),
        required="missing query (an event search such as service:payments; '*' matches all)",
    ),
    Field(
        "from_states",
        ChoiceList(State),
        "The rule only matches issues currently in these states (default: by target state).",
        _at(Place.RULE),
    ),
    Field(
        "state",
        Choice(State),
        "The state to set.",
        _at(Place.RULE, Place.PIN),
    ),
    Field(
        "assignee",
        UserRef("to unassign"),
        f"The assignee to set: {_REFERENCE}, or null to unassign.",
        _at(Place.RULE, Place.PIN),
    ),
    Field(
        "assign",
        Choice(AssignPolicy),
        "if_unassigned only assigns issues without an assignee; always replaces one.",
        _at(Place.RULE),
        default="if_unassigned",
    ),
    Field(
        "note",
        Text(),
        "Free text, shown in the plan (quote it: ' #' starts a YAML comment).",
        _at(Place.PIN),
    ),
    Field(
        "resolve_regressions",
        Flag(),
        "Resolve issues that came back after they were resolved.",
        _at(Place.RULE, Place.PIN),
        default=False,
    ),
    Field(
        "allow_exclude",
        Flag(),
        "A rule may target EXCLUDED only with true.",
        _at(Place.RULE),
        default=False,
    ),
    # tests
    Field(
        "name",
        Text(),
        "Unique within the config; names the test in problems.",
        _at(Place.TEST),
        required="missing name (a test is named, unique within the config)",
    ),
    Field(
        "issue",
        Section(Place.SAMPLE, "a mapping of issue attributes (service, error_type, state, ...)"),
        "The sample issue: the attributes the rules' queries test, its state and assignee.",
        _at(Place.TEST),
        required="missing issue (the sample issue, e.g. issue: {service: web, state: OPEN})",
    ),
    Field(
        "expect",
        Section(Place.EXPECT, "a mapping with assignee and/or state"),
        "What the config must decide for the sample: assignee and/or state.",
        _at(Place.TEST),
        required="missing expect (what the config must decide: assignee and/or state)",
    ),
    # the sample issue of a test
    Field(
        "id",
        Uuid(),
        "The issue id: pins for it apply to the sample too.",
        _at(Place.SAMPLE),
    ),
    *(
        Field(key, Text(), doc, _at(Place.SAMPLE))
        for key, doc in (
            ("service", "The service (query: service:...)."),
            ("env", "The environment (query: env:...)."),
            ("version", "The version it was seen in (query: version:...)."),
            ("error_type", "The error type (query: @error.type:..., @error.kind:...)."),
            ("error_message", "The error message (query: @error.message:... and free text)."),
            ("file_path", "The file of the error (query: @error.file:...)."),
            ("function_name", "The function of the error (query: @error.function:...)."),
            ("platform", "BACKEND, BROWSER, ANDROID, IOS, ... (query: @platform:...; personas)."),
        )
    ),
    Field(
        "languages",
        TextList(),
        "The languages of its stack (query: @language:...).",
        _at(Place.SAMPLE),
    ),
    Field(
        "state",
        Choice(State),
        "The issue's current state.",
        _at(Place.SAMPLE),
        default="OPEN",
    ),
    Field(
        "assignee",
        UserRef("for none"),
        f"The issue's current assignee: {_REFERENCE}, or null for none.",
        _at(Place.SAMPLE),
        default=None,
    ),
    Field(
        "track",
        Choice(Track),
        "The track the issue is collected on.",
        _at(Place.SAMPLE),
        default="trace",
    ),
    Field(
        "first_seen",
        Duration(),
        "How long ago the issue was first seen.",
        _at(Place.SAMPLE),
        default="1h",
    ),
    Field(
        "last_seen",
        Duration(),
        "How long ago the issue was last seen (the grace guard reads it).",
        _at(Place.SAMPLE),
        default="1h",
    ),
    Field(
        "regressed",
        Flag(),
        "The issue came back after it was resolved (the regression guard reads it).",
        _at(Place.SAMPLE),
        default=False,
    ),
    # what a test expects
    Field(
        "assignee",
        UserRef("for unassigned"),
        f"The assignee the config must leave: {_REFERENCE}, or null for unassigned.",
        _at(Place.EXPECT),
    ),
    Field(
        "state",
        Choice(State),
        "The state the config must leave.",
        _at(Place.EXPECT),
    ),
)


def fields_of(place: Place) -> dict[str, Field]:
    """The keys a mapping of `place` may hold, in table order."""
    return {f.key: f for f in FIELDS if place in f.places}


def default_of(place: Place, key: str) -> Any:
    """The built-in value of `key` in a mapping of `place`."""
    return fields_of(place)[key].default


# --------------------------------------------------------------------------- cross-field checks


@dataclass(frozen=True)
class Violation:
    """A broken cross-field check: the message, and where it is reported: at `key`'s value
    (or the key itself, `at_key`), or at the mapping when `key` is None."""

    message: str
    key: str | None = None
    at_key: bool = False


@dataclass(frozen=True)
class Check:
    """A rule relating keys of one mapping; `schema` says the same in JSON Schema, or None."""

    name: str
    places: frozenset[Place]
    doc: str
    schema: Mapping[str, Any] | None
    find: Callable[[Place, Mapping[Any, Any]], Violation | None]


def _required_when(key: str, value: object, then: Mapping[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {key: {"const": value}}, "required": [key]}, "then": then}


def _reopen(_place: Place, values: Mapping[Any, Any]) -> Violation | None:
    if values.get("state") == "OPEN" and "from_states" not in values:
        return Violation(
            "state OPEN needs from_states (reopening must say from where), "
            "e.g. from_states: [IGNORED]",
            "state",
        )
    return None


def _exclude(_place: Place, values: Mapping[Any, Any]) -> Violation | None:
    if values.get("state") == "EXCLUDED" and values.get("allow_exclude") is not True:
        return Violation(
            "state EXCLUDED stops the issue's errors from being collected; a rule may target "
            "it only with allow_exclude: true (or pin the issues one by one)",
            "state",
        )
    return None


def _unassign(_place: Place, values: Mapping[Any, Any]) -> Violation | None:
    if "assignee" in values and values["assignee"] is None and values.get("assign") != "always":
        return Violation(
            "assignee: null with assign: if_unassigned could never change anything; "
            "add assign: always to unassign the matching issues",
            "assignee",
        )
    return None


def _one_scope(place: Place, values: Mapping[Any, Any]) -> Violation | None:
    if "track" not in values or "persona" not in values:
        return None
    later = [k for k in values if k in ("track", "persona")][-1]  # a mapping keeps file order
    advice = ", so set one here and override it per rule" if place is Place.DEFAULTS else ""
    return Violation(
        f"sets both track and persona; a search takes exactly one{advice}", later, at_key=True
    )


def _sets_something(place: Place, values: Mapping[Any, Any]) -> Violation | None:
    if "state" in values or "assignee" in values:
        return None
    would = "changes" if place is Place.PIN else "would change"
    return Violation(f"sets neither state nor assignee, so it {would} nothing")


def _expects_something(_place: Place, values: Mapping[Any, Any]) -> Violation | None:
    if "state" in values or "assignee" in values:
        return None
    return Violation("names neither assignee nor state, so it checks nothing")


def _seen_in_order(_place: Place, values: Mapping[Any, Any]) -> Violation | None:
    first, last = values.get("first_seen"), values.get("last_seen")
    if not isinstance(first, str) or not isinstance(last, str):
        return None
    try:
        if parse_duration(first) >= parse_duration(last):
            return None
    except DurationError:
        return None  # the duration's own problem is reported
    return Violation(
        f"first_seen {first} ago is after last_seen {last} ago; an issue is first seen "
        "before it is last seen",
        "first_seen",
    )


_SETS_SOMETHING = {"anyOf": [{"required": ["state"]}, {"required": ["assignee"]}]}

CHECKS: tuple[Check, ...] = (
    Check(
        "reopen-needs-from-states",
        _at(Place.RULE),
        "A rule with state OPEN must list from_states.",
        _required_when("state", "OPEN", {"required": ["from_states"]}),
        _reopen,
    ),
    Check(
        "exclude-needs-allow-exclude",
        _at(Place.RULE),
        "A rule with state EXCLUDED needs allow_exclude: true.",
        _required_when(
            "state",
            "EXCLUDED",
            {"properties": {"allow_exclude": {"const": True}}, "required": ["allow_exclude"]},
        ),
        _exclude,
    ),
    Check(
        "unassign-needs-assign-always",
        _at(Place.RULE),
        "A rule with assignee: null needs assign: always.",
        _required_when(
            "assignee",
            None,
            {"properties": {"assign": {"const": "always"}}, "required": ["assign"]},
        ),
        _unassign,
    ),
    Check(
        "track-or-persona",
        _SEARCH,
        "A search takes exactly one of track and persona.",
        {"not": {"required": ["track", "persona"]}},
        _one_scope,
    ),
    Check(
        "sets-state-or-assignee",
        _at(Place.RULE, Place.PIN),
        "A rule or pin sets at least one of state and assignee.",
        _SETS_SOMETHING,
        _sets_something,
    ),
    Check(
        "expects-state-or-assignee",
        _at(Place.EXPECT),
        "A test expects at least one of assignee and state.",
        _SETS_SOMETHING,
        _expects_something,
    ),
    Check(
        "first-seen-before-last-seen",
        _at(Place.SAMPLE),
        "A sample's first_seen is at least as long ago as its last_seen.",
        None,  # comparing two durations is arithmetic, not something a schema says
        _seen_in_order,
    ),
)


def checks_of(place: Place) -> list[Check]:
    """The cross-field checks of a mapping of `place`, in table order."""
    return [check for check in CHECKS if place in check.places]
