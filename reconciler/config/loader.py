"""Load every file, check what spans files (names, pins, aliases), and build the Config."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence

from reconciler.config.document import Alias, FileDraft, read_document
from reconciler.config.fields import default_of
from reconciler.config.files import ConfigFile, expand_paths, read_file
from reconciler.config.items import Draft, Reference, normalize_reference
from reconciler.config.kinds import Place
from reconciler.config.problems import Problems, suggestion
from reconciler.errors import ConfigError
from reconciler.model import (
    Assignee,
    Config,
    ConfigTest,
    Pin,
    Rule,
    Source,
    UserReference,
    is_uuid,
)

BUILTIN_MAX_CHANGES: int = default_of(Place.DEFAULTS, "max_changes")


def load_config(paths: Sequence[str | os.PathLike[str]]) -> Config:
    """Load and validate the config at `paths`; raises ConfigError listing every problem."""
    problems = Problems()
    names, order = expand_paths(paths, problems)
    files = [f for f in (read_file(name, problems) for name in names) if f is not None]
    drafts = [d for d in (read_document(f, problems) for f in files) if d is not None]
    aliases = _merge_aliases(drafts, problems)
    rules = _unique(
        [d for draft in drafts for d in draft.rules], "rule name", problems, "rule names"
    )
    pins = _unique([d for draft in drafts for d in draft.pins], "pin for issue", problems, "pins")
    tests = _unique(
        [d for draft in drafts for d in draft.tests], "test name", problems, "test names"
    )
    resolved_rules = [_resolve(d, aliases, problems) for d in rules]
    resolved_pins = [_resolve(d, aliases, problems) for d in pins]
    resolved_tests = [_resolve(d, aliases, problems) for d in tests]
    if problems:
        raise ConfigError(problems.sorted(order))
    return Config(
        rules=tuple(r for r in resolved_rules if isinstance(r, Rule)),
        pins=tuple(p for p in resolved_pins if isinstance(p, Pin)),
        max_changes=_max_changes(drafts),
        digest=_digest(files),
        files=tuple(f.name for f in files),
        users={alias: ref for alias, (ref, _where) in aliases.items()},
        tests=tuple(t for t in resolved_tests if isinstance(t, ConfigTest)),
    )


def _merge_aliases(
    drafts: Sequence[FileDraft], problems: Problems
) -> dict[str, tuple[str, Source]]:
    """Aliases of every file; one alias with two different values is a problem."""
    merged: dict[str, tuple[str, Source]] = {}
    for alias in (a for draft in drafts for a in draft.aliases):
        first = merged.setdefault(alias.name, (alias.reference, alias.where))
        if first[0] != alias.reference:
            _conflicting_alias(alias, first, problems)
    return merged


def _conflicting_alias(alias: Alias, first: tuple[str, Source], problems: Problems) -> None:
    problems.add(
        alias.where,
        f"users: alias {alias.name!r} is {alias.reference!r} here but {first[0]!r} at "
        f"{first[1]}; an alias means one user in every file",
    )


def _unique(drafts: list[Draft], what: str, problems: Problems, plural: str) -> list[Draft]:
    """Report every repeated key (rule name, issue id) at its later place."""
    first: dict[str, Source] = {}
    for draft in drafts:
        if draft.key is None or draft.where is None:
            continue
        if draft.key in first:
            problems.add(
                draft.where,
                f"duplicate {what} {draft.key!r}, first at {first[draft.key]}; "
                f"{plural} must be unique across all files",
            )
        else:
            first[draft.key] = draft.where
    return drafts


def _resolve(
    draft: Draft, aliases: dict[str, tuple[str, Source]], problems: Problems
) -> Rule | Pin | ConfigTest | None:
    """The draft's item with each assignee alias replaced by what the alias names."""
    users = {ref.role: _lookup(ref, aliases, problems) for ref in draft.references}
    item = draft.item
    if item is None or None in users.values():
        return None
    if isinstance(item, ConfigTest):
        issue, expect = item.issue, item.expect
        if "issue" in users:
            issue = dataclasses.replace(issue, assignee=_resolved(issue.assignee, users["issue"]))
        if "expect" in users and expect.assignee is not None:
            resolved = _resolved(expect.assignee, users["expect"])
            expect = dataclasses.replace(expect, assignee=resolved)
        return dataclasses.replace(item, issue=issue, expect=expect)
    if "assignee" in users:
        return dataclasses.replace(item, assignee=Assignee(users["assignee"]))
    return item


def _resolved(reference: UserReference, user: str | None) -> UserReference:
    return dataclasses.replace(reference, assignee=Assignee(user))


def _lookup(
    reference: Reference, aliases: dict[str, tuple[str, Source]], problems: Problems
) -> str | None:
    text = reference.text
    if is_uuid(text) or "@" in text:
        return normalize_reference(text)
    if text in aliases:
        return aliases[text][0]
    known = sorted(aliases)
    hint = suggestion(text, known, "known aliases") if known else "; no alias is defined in users:"
    problems.add(
        reference.where,
        f"{reference.label}: unknown alias {text!r} for assignee (an assignee is an alias "
        f"from users:, an email or a user UUID){hint}",
    )
    return None


def _max_changes(drafts: Sequence[FileDraft]) -> int:
    """The strictest limit any file sets."""
    limits = [d.defaults.max_changes for d in drafts if d.defaults.max_changes is not None]
    return min(limits, default=BUILTIN_MAX_CHANGES)


def _digest(files: Sequence[ConfigFile]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.data)
    return "sha256:" + digest.hexdigest()
