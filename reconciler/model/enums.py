"""The enumerations every layer speaks, and the constants that go with them.

Enum values are spelled as the API and the config spell them. Alongside them
live a rule's default `from_states` by target state, the search endpoint's
result cap, the platforms each persona returns, and the test for a user or issue UUID.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum


class State(StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    IGNORED = "IGNORED"
    EXCLUDED = "EXCLUDED"


class Track(StrEnum):
    TRACE = "trace"
    LOGS = "logs"
    RUM = "rum"


class Persona(StrEnum):
    ALL = "ALL"
    BROWSER = "BROWSER"
    MOBILE = "MOBILE"
    BACKEND = "BACKEND"


class AssignPolicy(StrEnum):
    IF_UNASSIGNED = "if_unassigned"
    ALWAYS = "always"


class Field(StrEnum):
    """A field the reconciler manages; the value order is the write order."""

    ASSIGNEE = "assignee"
    STATE = "state"


class HoldReason(StrEnum):
    GRACE = "grace"
    REGRESSED = "regressed"


class ResultStatus(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # a saved plan's field already had its `after` value
    FAILED = "failed"
    STALE = "stale"
    SKIPPED = "skipped"


# Default `from_states` by a rule's target state (CONTRACT 4.1); None = no state.
DEFAULT_FROM_STATES: Mapping[State | None, tuple[State, ...]] = {
    State.RESOLVED: (State.OPEN, State.ACKNOWLEDGED),
    State.IGNORED: (State.OPEN,),
    State.ACKNOWLEDGED: (State.OPEN,),
    State.EXCLUDED: (State.OPEN, State.IGNORED),
    State.OPEN: (),
    None: (State.OPEN, State.ACKNOWLEDGED),
}

# Which issue platforms each persona returns (ALL returns every issue).
PERSONA_PLATFORMS: Mapping[Persona, frozenset[str]] = {
    Persona.BROWSER: frozenset({"BROWSER"}),
    Persona.MOBILE: frozenset({"ANDROID", "IOS", "FLUTTER", "REACT_NATIVE", "ROKU"}),
    Persona.BACKEND: frozenset({"BACKEND", "UNKNOWN"}),
}


def in_persona(platform: str | None, persona: Persona) -> bool:
    """Whether a search with this persona returns an issue of this platform."""
    return persona is Persona.ALL or platform in PERSONA_PLATFORMS[persona]


SEARCH_CAP = 100  # the search endpoint returns at most this many issues, with no cursor
# Requests in flight at once (`--parallelism`): the fewest with which a plan inside the
# default `max_changes` applies in about ten round trips; measured by
# benchmarks/apply_vs_official.py (README, Benchmarks).
DEFAULT_PARALLELISM = 10

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(text: str) -> bool:
    # fullmatch, not `^...$`: `$` also matches before a final newline, which would let
    # "<uuid>\n" through as an issue id, a pin or an assignee.
    return _UUID.fullmatch(text) is not None
