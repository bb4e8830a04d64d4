"""Every config key, declared once: its type, doc line, default and where it may appear.

The validator (`checks.Section`) and the JSON Schema (`schema.build_schema`) both
read `FIELDS` (and `crosschecks.CHECKS`, the rules that relate keys of one
mapping) when they run, so a row added here is known to both: unknown-key
detection, types, enums, did-you-mean hints and the schema follow.

Nothing here imports a YAML parser: `reconciler schema` reads only the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.config.kinds import (
    RULE_NAME_PATTERN,
    Aliases,
    Choice,
    ChoiceList,
    Count,
    Duration,
    Flag,
    Kind,
    Pins,
    Place,
    Query,
    Section,
    Sections,
    Text,
    TextList,
    UserRef,
    Uuid,
    Version,
)
from reconciler.model import AssignPolicy, Persona, State, Track


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
