"""Read one parsed config file: version, defaults, users, rules and pins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.config.checks import Section
from reconciler.config.files import ConfigFile
from reconciler.config.items import (
    Draft,
    FileDefaults,
    normalize_reference,
    read_pin,
    read_rule,
)
from reconciler.config.problems import Problems, describe
from reconciler.config.tree import YamlList, YamlMap
from reconciler.model import Persona, Source, Track, is_uuid

TOP_KEYS = ("version", "defaults", "users", "rules", "issues")
DEFAULTS_KEYS = ("window", "track", "persona", "grace", "max_changes")


@dataclass(frozen=True)
class Alias:
    name: str
    reference: str
    where: Source


@dataclass
class FileDraft:
    """Everything one file declares, before the checks across files."""

    file: ConfigFile
    defaults: FileDefaults = field(default_factory=FileDefaults)
    aliases: list[Alias] = field(default_factory=list)
    rules: list[Draft] = field(default_factory=list)
    pins: list[Draft] = field(default_factory=list)


def read_document(file: ConfigFile, problems: Problems) -> FileDraft | None:
    """The declarations of one file; None when it is not a mapping at all."""
    root = file.root
    if root is None:
        problems.add(Source(file.name, 1, 1), "the file is empty; a config starts with version: 1")
        return None
    if not isinstance(root, YamlMap):
        problems.add(
            Source(file.name, 1, 1),
            f"the top level must be a mapping ({', '.join(TOP_KEYS)}), not {describe(root)}",
        )
        return None
    top = Section(file.name, root, "", TOP_KEYS, problems)
    _check_version(top)
    draft = FileDraft(file, defaults=_read_defaults(top))
    draft.aliases = _read_users(top)
    rules = _child(top, "rules", YamlList, "a list of rules")
    for index in range(len(rules or ())):
        draft.rules.append(read_rule(file, rules, index, draft.defaults, problems))
    issues = _child(top, "issues", YamlMap, "a mapping of issue id to pin")
    for key in issues or ():
        draft.pins.append(read_pin(file, issues, key, draft.defaults, problems))
    return draft


def _child(top: Section, key: str, kind: type, expected: str) -> Any:
    """The section under `key` when it has the right type; an empty section (null) is None."""
    if not top.has(key) or top.mapping[key] is None:
        return None
    value = top.mapping[key]
    if not isinstance(value, kind):
        top.fail(key, f"{key} must be {expected}, not {describe(value)}")
        return None
    return value


def _check_version(top: Section) -> None:
    if not top.has("version"):
        top.fail_here("missing version: 1 (the format version, required at the top level)")
        return
    version = top.mapping["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version != 1:
        top.fail(
            "version",
            f"version must be 1, the only format this reconciler reads, not {describe(version)}",
        )


def _read_defaults(top: Section) -> FileDefaults:
    mapping = _child(top, "defaults", YamlMap, "a mapping")
    if mapping is None:
        return FileDefaults()
    defaults = Section(top.file, mapping, "defaults", DEFAULTS_KEYS, top.problems)
    builtin = FileDefaults()
    track = defaults.enum("track", Track)
    persona = defaults.enum("persona", Persona)
    if defaults.has("track") and defaults.has("persona"):
        defaults.fail_key(
            defaults.later("track", "persona"),
            "sets both track and persona; a search takes exactly one, so set one here "
            "and override it per rule",
        )
    return FileDefaults(
        window_s=defaults.duration("window") or builtin.window_s,
        grace_s=defaults.duration("grace") or builtin.grace_s,
        track=track,
        persona=persona,
        max_changes=defaults.positive_int("max_changes"),
    )


def _read_users(top: Section) -> list[Alias]:
    mapping = _child(top, "users", YamlMap, "a mapping of alias to email, handle or user UUID")
    if mapping is None:
        return []
    users = Section(top.file, mapping, "users", tuple(mapping), top.problems)
    aliases: list[Alias] = []
    for name in mapping:
        value = mapping[name]
        if not isinstance(name, str) or "@" in name or is_uuid(name):
            users.fail_key(
                name,
                f"alias {name!r} must be a plain name: emails and UUIDs are used as they "
                "are, so this alias could never be used",
            )
        elif not isinstance(value, str) or not value.strip():
            users.fail(
                name,
                f"{name} must be an email, a handle or a user UUID, not {describe(value)}",
            )
        else:
            aliases.append(Alias(name, normalize_reference(value), users.value_at(name)))
    return aliases
