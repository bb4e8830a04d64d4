"""Read one entry of a file's `tests:` section (a sample issue and what to expect)."""

from __future__ import annotations

from reconciler.config.checks import Section, item_at
from reconciler.config.durations import parse_duration
from reconciler.config.fields import default_of
from reconciler.config.files import ConfigFile
from reconciler.config.items import Draft, Reference, assignee_of
from reconciler.config.kinds import Place
from reconciler.config.problems import Problems, describe, quoted
from reconciler.config.tree import YamlList, YamlMap
from reconciler.model import (
    Assignee,
    ConfigTest,
    Expectation,
    SampleIssue,
    State,
    Track,
    UserReference,
)

SAMPLE_TEXT_KEYS = (
    "service",
    "env",
    "version",
    "error_type",
    "error_message",
    "file_path",
    "function_name",
    "platform",
)


def read_test(file: ConfigFile, tests: YamlList, index: int, problems: Problems) -> Draft:
    """The draft of `tests[index]` in `file`; its assignees are resolved with the rules'."""
    entry = tests[index]
    if not isinstance(entry, YamlMap):
        problems.add(
            item_at(file.name, tests, index),
            f"test #{index + 1} must be a mapping with name, issue and expect, "
            f"not {describe(entry)}",
        )
        return Draft(None, None, None)
    raw_name = entry.get("name")
    label = f"test {quoted(raw_name)}" if isinstance(raw_name, str) else f"test #{index + 1}"
    before = len(problems)
    test = Section(file, entry, label, Place.TEST, problems)
    sample, sample_refs = _sample(test, label)
    expect, expect_refs = _expectation(test, label)
    name = test.value("name")
    name_at = test.value_at("name") if name is not None else None
    references = sample_refs + expect_refs
    if len(problems) > before or name is None or sample is None or expect is None:
        return Draft(name, name_at, None, references)
    return Draft(name, name_at, ConfigTest(name, sample, expect, test.start), references)


def _sample(test: Section, label: str) -> tuple[SampleIssue | None, tuple[Reference, ...]]:
    mapping = test.value("issue")
    if mapping is None:
        return None, ()
    issue = Section(test.file, mapping, f"{label}: issue", Place.SAMPLE, test.problems)
    assignee, references = assignee_of(issue, "issue")
    last_seen = issue.value("last_seen") or parse_duration(default_of(Place.SAMPLE, "last_seen"))
    first_seen = issue.value("first_seen") or max(
        last_seen, parse_duration(default_of(Place.SAMPLE, "first_seen"))
    )
    texts = {key: issue.value(key) for key in SAMPLE_TEXT_KEYS}
    sample = SampleIssue(
        id=issue.value("id"),
        **texts,
        languages=issue.value("languages") or (),
        state=issue.value("state") or State(default_of(Place.SAMPLE, "state")),
        assignee=_reference(assignee),
        track=issue.value("track") or Track(default_of(Place.SAMPLE, "track")),
        first_seen_ago_s=first_seen,
        last_seen_ago_s=last_seen,
        regressed=bool(issue.value("regressed")),
    )
    return sample, references


def _expectation(test: Section, label: str) -> tuple[Expectation | None, tuple[Reference, ...]]:
    mapping = test.value("expect")
    if mapping is None:
        return None, ()
    expect = Section(test.file, mapping, f"{label}: expect", Place.EXPECT, test.problems)
    assignee, references = assignee_of(expect, "expect")
    return Expectation(
        assignee=_reference(assignee) if assignee else None, state=expect.value("state")
    ), references


def _reference(assignee: Assignee | None) -> UserReference:
    """As written, until the loader resolves aliases (None: unassigned, or absent)."""
    user = assignee.user if assignee else None
    return UserReference(user, Assignee(user))
