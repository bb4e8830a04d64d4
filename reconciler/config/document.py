"""Read one parsed config file: version, defaults, users, rules, pins and tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.config.checks import Section, allowed_keys
from reconciler.config.files import ConfigFile
from reconciler.config.items import (
    Draft,
    FileDefaults,
    normalize_reference,
    read_defaults,
    read_pin,
    read_rule,
)
from reconciler.config.kinds import Place
from reconciler.config.problems import Problems, describe, quoted, shown
from reconciler.config.testcases import read_test
from reconciler.config.tree import YamlMap
from reconciler.model import Source, is_uuid


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
    tests: list[Draft] = field(default_factory=list)


def read_document(file: ConfigFile, problems: Problems) -> FileDraft | None:
    """The declarations of one file; None when it is not a mapping at all."""
    root = file.root
    if root is None:
        problems.add(Source(file.name, 1, 1), "the file is empty; a config starts with version: 1")
        return None
    if not isinstance(root, YamlMap):
        problems.add(
            Source(file.name, 1, 1),
            f"the top level must be a mapping ({', '.join(allowed_keys(Place.TOP))}), "
            f"not {describe(root)}",
        )
        return None
    top = Section(file, root, "", Place.TOP, problems)
    draft = FileDraft(file, defaults=read_defaults(file, top.value("defaults"), problems))
    draft.aliases = _read_users(file, top.value("users"), problems)
    rules = top.value("rules")
    for index in range(len(rules or ())):
        draft.rules.append(read_rule(file, rules, index, draft.defaults, problems))
    issues = top.value("issues")
    for key in issues or ():
        draft.pins.append(read_pin(file, issues, key, draft.defaults, problems))
    tests = top.value("tests")
    for index in range(len(tests or ())):
        draft.tests.append(read_test(file, tests, index, problems))
    return draft


def _read_users(file: ConfigFile, mapping: YamlMap | None, problems: Problems) -> list[Alias]:
    if mapping is None:
        return []
    aliases: list[Alias] = []
    for name, value in mapping.items():
        if not isinstance(name, str) or "@" in name or is_uuid(name):
            problems.add(
                Source(file.name, *mapping.key_starts[name]),
                f"users: alias {quoted(name)} must be a plain name: emails and UUIDs are used "
                "as they are, so this alias could never be used",
            )
        elif not isinstance(value, str) or not value.strip():
            problems.add(
                Source(file.name, *mapping.value_starts[name]),
                f"users: {shown(name)} must be an email, a handle or a user UUID, "
                f"not {describe(value)}",
            )
        else:
            where = Source(file.name, *mapping.value_starts[name])
            aliases.append(Alias(name, normalize_reference(value), where))
    return aliases
