"""The cross-field checks: rules relating keys of one mapping, declared once.

Each `Check` names itself, the places it applies to, a doc line, the JSON Schema
fragment that says the same (None where a schema cannot: that is listed in the
schema tests) and the function that finds a violation in a mapping's raw values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.config.durations import parse_duration
from reconciler.config.kinds import Place
from reconciler.errors import DurationError

_SEARCH = frozenset({Place.DEFAULTS, Place.RULE})


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
        frozenset({Place.RULE}),
        "A rule with state OPEN must list from_states.",
        _required_when("state", "OPEN", {"required": ["from_states"]}),
        _reopen,
    ),
    Check(
        "exclude-needs-allow-exclude",
        frozenset({Place.RULE}),
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
        frozenset({Place.RULE}),
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
        frozenset({Place.RULE, Place.PIN}),
        "A rule or pin sets at least one of state and assignee.",
        _SETS_SOMETHING,
        _sets_something,
    ),
    Check(
        "expects-state-or-assignee",
        frozenset({Place.EXPECT}),
        "A test expects at least one of assignee and state.",
        _SETS_SOMETHING,
        _expects_something,
    ),
    Check(
        "first-seen-before-last-seen",
        frozenset({Place.SAMPLE}),
        "A sample's first_seen is at least as long ago as its last_seen.",
        None,  # comparing two durations is arithmetic, not something a schema says
        _seen_in_order,
    ),
)


def checks_of(place: Place) -> list[Check]:
    """The cross-field checks of a mapping of `place`, in table order."""
    return [check for check in CHECKS if place in check.places]
