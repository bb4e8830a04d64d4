"""Read one rule or one pin of one file into a draft, recording every problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.config.checks import Section, allowed_keys, item_at
from reconciler.config.durations import parse_duration
from reconciler.config.fields import default_of
from reconciler.config.files import ConfigFile
from reconciler.config.kinds import EXAMPLE_UUID, Place
from reconciler.config.problems import Problems, describe, quoted, shown
from reconciler.config.tree import YamlList, YamlMap
from reconciler.model import (
    DEFAULT_FROM_STATES,
    Assignee,
    AssignPolicy,
    ConfigTest,
    Persona,
    Pin,
    Rule,
    Source,
    Track,
    is_uuid,
)


@dataclass(frozen=True)
class FileDefaults:
    """What `defaults:` of one file gives its rules and pins (built-in values otherwise)."""

    window_s: int = parse_duration(default_of(Place.DEFAULTS, "window"))
    grace_s: int = parse_duration(default_of(Place.DEFAULTS, "grace"))
    track: Track | None = None
    persona: Persona | None = None
    max_changes: int | None = None


@dataclass(frozen=True)
class Reference:
    """An assignee as written (alias, email, handle or UUID), to resolve once all files are
    read; `role` says which assignee of the item it is ("assignee", or a test's "issue" or
    "expect")."""

    text: str
    where: Source
    label: str
    role: str = "assignee"


@dataclass(frozen=True)
class Draft:
    """A rule, pin or test read from one file; `item` is None when it has problems."""

    key: str | None  # the rule or test name, or the lower-case issue id, when valid
    where: Source | None  # where that key is written
    item: Rule | Pin | ConfigTest | None
    references: tuple[Reference, ...] = ()


def normalize_reference(text: str) -> str:
    """User UUIDs compare lower-case, as the API returns them."""
    return text.lower() if is_uuid(text) else text


def read_defaults(file: ConfigFile, mapping: YamlMap | None, problems: Problems) -> FileDefaults:
    """The `defaults:` of `file` (None: the section is absent or empty)."""
    if mapping is None:
        return FileDefaults()
    defaults = Section(file, mapping, "defaults", Place.DEFAULTS, problems)
    builtin = FileDefaults()
    return FileDefaults(
        window_s=defaults.value("window") or builtin.window_s,
        grace_s=defaults.value("grace") or builtin.grace_s,
        track=defaults.value("track"),
        persona=defaults.value("persona"),
        max_changes=defaults.value("max_changes"),
    )


def read_rule(
    file: ConfigFile, rules: YamlList, index: int, defaults: FileDefaults, problems: Problems
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
    label = f"rule {quoted(raw_name)}" if isinstance(raw_name, str) else f"rule #{index + 1}"
    before = len(problems)
    rule = Section(file, entry, label, Place.RULE, problems)
    name, query, state = rule.value("name"), rule.value("query"), rule.value("state")
    assignee, reference = assignee_of(rule)
    name_at = rule.value_at("name") if name is not None else None
    if len(problems) > before or name is None or query is None:
        return Draft(name, name_at, None, reference)
    track, persona = _search_scope(rule, defaults)
    built = Rule(
        name=name,
        query=query,
        from_states=rule.value("from_states") or DEFAULT_FROM_STATES[state],
        window_s=rule.value("window") or defaults.window_s,
        grace_s=rule.value("grace") or defaults.grace_s,
        source=rule.start,
        track=track,
        persona=persona,
        state=state,
        assignee=assignee,
        assign=rule.value("assign") or AssignPolicy.IF_UNASSIGNED,
        resolve_regressions=bool(rule.value("resolve_regressions")),
        allow_exclude=bool(rule.value("allow_exclude")),
    )
    return Draft(name, name_at, built, reference)


def _search_scope(rule: Section, defaults: FileDefaults) -> tuple[Track | None, Persona | None]:
    """The rule's track or persona, else the file's default, else persona ALL."""
    if rule.has("track") or rule.has("persona"):
        return rule.value("track"), rule.value("persona")
    if defaults.track is None and defaults.persona is None:
        return None, Persona(default_of(Place.RULE, "persona"))
    return defaults.track, defaults.persona


def assignee_of(
    section: Section, role: str = "assignee"
) -> tuple[Assignee | None, tuple[Reference, ...]]:
    """The wanted assignee (None when absent or invalid) and the reference to resolve."""
    assignee: Assignee | None = section.value("assignee")
    if assignee is None or assignee.user is None:
        return assignee, ()
    return assignee, (Reference(assignee.user, section.value_at("assignee"), section.label, role),)


def read_pin(
    file: ConfigFile, issues: YamlMap, key: Any, defaults: FileDefaults, problems: Problems
) -> Draft:
    """The draft of the pin `issues[key]` in `file`."""
    where = Source(file.name, *issues.key_starts[key])
    label = f"pin {shown(key)}"
    issue_id = key.lower() if isinstance(key, str) and is_uuid(key) else None
    before = len(problems)
    if issue_id is None:
        problems.add(
            where,
            f"{label}: the issue id {quoted(key)} is not a UUID; pins are keyed by issue id, "
            f"e.g. {EXAMPLE_UUID}",
        )
    entry = issues[key]
    if entry is None:
        problems.add(where, f"{label}: sets neither state nor assignee, so it changes nothing")
        return Draft(issue_id, where, None)
    if not isinstance(entry, YamlMap):
        problems.add(
            Source(file.name, *issues.value_starts[key]),
            f"{label} must be a mapping ({', '.join(allowed_keys(Place.PIN))}), "
            f"not {describe(entry)}",
        )
        return Draft(issue_id, where, None)
    pin = Section(file, entry, label, Place.PIN, problems, start=where)
    assignee, reference = assignee_of(pin)
    if len(problems) > before or issue_id is None:
        return Draft(issue_id, where, None, reference)
    built = Pin(
        issue_id=issue_id,
        source=where,
        grace_s=defaults.grace_s,
        state=pin.value("state"),
        assignee=assignee,
        note=pin.value("note"),
        resolve_regressions=bool(pin.value("resolve_regressions")),
    )
    return Draft(issue_id, where, built, reference)
