"""Read one rule or one pin of one file into a draft, recording every problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reconciler.config.checks import Section, item_at
from reconciler.config.files import ConfigFile
from reconciler.config.problems import Problems, describe
from reconciler.config.tree import YamlMap
from reconciler.errors import QuerySyntaxError
from reconciler.model import (
    DEFAULT_FROM_STATES,
    Assignee,
    AssignPolicy,
    Persona,
    Pin,
    Rule,
    Source,
    State,
    Track,
    is_uuid,
)
from reconciler.query import parse

RULE_KEYS = (
    "name",
    "query",
    "track",
    "persona",
    "window",
    "grace",
    "from_states",
    "state",
    "assignee",
    "assign",
    "resolve_regressions",
    "allow_exclude",
)
PIN_KEYS = ("state", "assignee", "note", "resolve_regressions")

RULE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
EXAMPLE_UUID = "c1726a66-1f64-11ee-b338-da7ad0900002"


@dataclass(frozen=True)
class FileDefaults:
    """What `defaults:` of one file gives its rules and pins (built-in values otherwise)."""

    window_s: int = 30 * 86400
    grace_s: int = 3600
    track: Track | None = None
    persona: Persona | None = None
    max_changes: int | None = None


@dataclass(frozen=True)
class Reference:
    """An assignee as written (alias, email, handle or UUID), to resolve once all files are read."""

    text: str
    where: Source
    label: str


@dataclass(frozen=True)
class Draft:
    """A rule or pin read from one file; `item` is None when it has problems."""

    key: str | None  # the rule name or the lower-case issue id, when valid
    where: Source | None  # where that key is written
    item: Rule | Pin | None
    reference: Reference | None = None


def normalize_reference(text: str) -> str:
    """User UUIDs compare lower-case, as the API returns them."""
    return text.lower() if is_uuid(text) else text


def read_rule(
    file: ConfigFile, rules: Any, index: int, defaults: FileDefaults, problems: Problems
) -> Draft:
    """The draft of `rules[index]` in `file`."""
    entry = rules[index]
    if not isinstance(entry, YamlMap):
        problems.add(
            item_at(file.name, rules, index),
            f"rule #{index + 1} must be a mapping with name, query, ..., not {describe(entry)}",
        )
        return Draft(None, None, None)
    raw_name = entry.get("name")
    label = f"rule {raw_name!r}" if isinstance(raw_name, str) else f"rule #{index + 1}"
    before = len(problems)
    rule = Section(file.name, entry, label, RULE_KEYS, problems)
    name = _rule_name(rule)
    query = _query(file, rule)
    track, persona = _search_scope(rule, defaults)
    state = rule.enum("state", State)
    from_states = rule.states("from_states") if rule.has("from_states") else None
    assignee, reference = read_assignee(rule)
    assign = rule.enum("assign", AssignPolicy) or AssignPolicy.IF_UNASSIGNED
    allow_exclude = rule.boolean("allow_exclude")
    if not rule.has("state") and not rule.has("assignee"):
        rule.fail_here("sets neither state nor assignee, so it would change nothing")
    if state is State.OPEN and not rule.has("from_states"):
        rule.fail(
            "state",
            "state OPEN needs from_states (reopening must say from where), "
            "e.g. from_states: [IGNORED]",
        )
    if state is State.EXCLUDED and not allow_exclude:
        rule.fail(
            "state",
            "state EXCLUDED stops the issue's errors from being collected; a rule may target "
            "it only with allow_exclude: true (or pin the issues one by one)",
        )
    if assignee == Assignee(None) and assign is AssignPolicy.IF_UNASSIGNED:
        rule.fail(
            "assignee",
            "assignee: null with assign: if_unassigned could never change anything; "
            "add assign: always to unassign the matching issues",
        )
    window_s = rule.duration("window") or defaults.window_s
    grace_s = rule.duration("grace") or defaults.grace_s
    resolve_regressions = rule.boolean("resolve_regressions")
    name_at = rule.value_at("name") if name is not None else None
    if len(problems) > before or name is None or query is None:
        return Draft(name, name_at, None, reference)
    built = Rule(
        name=name,
        query=query,
        from_states=from_states or DEFAULT_FROM_STATES[state],
        window_s=window_s,
        grace_s=grace_s,
        source=rule.start,
        track=track,
        persona=persona,
        state=state,
        assignee=assignee,
        assign=assign,
        resolve_regressions=resolve_regressions,
        allow_exclude=allow_exclude,
    )
    return Draft(name, name_at, built, reference)


def _rule_name(rule: Section) -> str | None:
    if not rule.has("name"):
        rule.fail_here("missing name (lower case letters, digits, '_', '.', '-')")
        return None
    name = rule.string("name")
    if name is not None and not RULE_NAME.fullmatch(name):
        rule.fail(
            "name",
            f"name {name!r} must match [a-z0-9][a-z0-9_.-]* "
            "(start with a lower case letter or digit; then also '_', '.', '-')",
        )
        return None
    return name


def _query(file: ConfigFile, rule: Section) -> str | None:
    if not rule.has("query"):
        rule.fail_here("missing query (an event search such as service:payments; '*' matches all)")
        return None
    query = rule.string("query")
    if query is None:
        return None
    try:
        parse(query)
    except QuerySyntaxError as exc:
        where = _query_position(file, rule.value_at("query"), query, exc.position)
        rule.problems.add(
            where,
            f"{rule.label}: query does not parse: {exc.reason} "
            f"(at character {exc.position + 1} of {query!r})",
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


def _search_scope(rule: Section, defaults: FileDefaults) -> tuple[Track | None, Persona | None]:
    """The rule's track or persona, else the file's default, else persona ALL."""
    track = rule.enum("track", Track)
    persona = rule.enum("persona", Persona)
    if rule.has("track") and rule.has("persona"):
        rule.fail_key(
            rule.later("track", "persona"),
            "sets both track and persona; a search takes exactly one",
        )
    if rule.has("track") or rule.has("persona"):
        return track, persona
    if defaults.track is None and defaults.persona is None:
        return None, Persona.ALL
    return defaults.track, defaults.persona


def read_assignee(section: Section) -> tuple[Assignee | None, Reference | None]:
    """The wanted assignee (None when the key is absent) and the reference to resolve."""
    if not section.has("assignee"):
        return None, None
    value = section.mapping["assignee"]
    if value is None:
        return Assignee(None), None
    if not isinstance(value, str) or not value.strip():
        section.fail(
            "assignee",
            "assignee must be an alias, an email, a user UUID or null (to unassign), "
            f"not {describe(value)}",
        )
        return None, None
    return Assignee(value), Reference(value, section.value_at("assignee"), section.label)


def read_pin(
    file: ConfigFile, issues: Any, key: object, defaults: FileDefaults, problems: Problems
) -> Draft:
    """The draft of the pin `issues[key]` in `file`."""
    where = Source(file.name, *issues.key_starts[key])
    label = f"pin {key}"
    issue_id = key.lower() if isinstance(key, str) and is_uuid(key) else None
    before = len(problems)
    if issue_id is None:
        problems.add(
            where,
            f"{label}: the issue id {key!r} is not a UUID; pins are keyed by issue id, "
            f"e.g. {EXAMPLE_UUID}",
        )
    entry = issues[key]
    if entry is None:
        problems.add(where, f"{label}: sets neither state nor assignee, so it changes nothing")
        return Draft(issue_id, where, None)
    if not isinstance(entry, YamlMap):
        problems.add(
            Source(file.name, *issues.value_starts[key]),
            f"{label} must be a mapping ({', '.join(PIN_KEYS)}), not {describe(entry)}",
        )
        return Draft(issue_id, where, None)
    pin = Section(file.name, entry, label, PIN_KEYS, problems)
    state = pin.enum("state", State)
    assignee, reference = read_assignee(pin)
    note = pin.string("note")
    resolve_regressions = pin.boolean("resolve_regressions")
    if not pin.has("state") and not pin.has("assignee"):
        problems.add(where, f"{label}: sets neither state nor assignee, so it changes nothing")
    if len(problems) > before or issue_id is None:
        return Draft(issue_id, where, None, reference)
    built = Pin(
        issue_id=issue_id,
        source=where,
        grace_s=defaults.grace_s,
        state=state,
        assignee=assignee,
        note=note,
        resolve_regressions=resolve_regressions,
    )
    return Draft(issue_id, where, built, reference)
