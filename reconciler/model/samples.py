"""The rule tests of a config (its `tests:` section): sample issues and what must be decided.

A `ConfigTest` pairs a `SampleIssue` (the attributes a query can test, its current
state and assignee, how long ago it was first and last seen) with an
`Expectation` (the assignee and/or state the config must leave it with). Assignees
are `UserReference`s: as written, and as `users:` aliases resolve them, exactly as
a rule's assignee is resolved, so the two compare without the network.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model.desired import Assignee, Source
from reconciler.model.enums import State, Track

SAMPLE_SEEN_AGO_S = 3600  # first_seen / last_seen when a sample does not say


@dataclass(frozen=True)
class UserReference:
    """An assignee a test names: `written` as in the file (an alias, email, handle or UUID;
    None for null), and `assignee` with aliases replaced by what they name (UUIDs
    lower-cased), as a rule's `Assignee` is after loading."""

    written: str | None
    assignee: Assignee


UNASSIGNED = UserReference(None, Assignee(None))


@dataclass(frozen=True)
class SampleIssue:
    """An issue as a test describes it; absent text attributes are None.

    `platform` decides which personas return the sample (None: only persona ALL);
    `first_seen_ago_s` / `last_seen_ago_s` are seconds before the moment of evaluation;
    `regressed` means it came back after it was resolved.
    """

    id: str | None = None  # a lower-case UUID: pins for this issue apply to the sample
    service: str | None = None
    env: str | None = None
    version: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    file_path: str | None = None
    function_name: str | None = None
    platform: str | None = None
    languages: tuple[str, ...] = ()
    state: State = State.OPEN
    assignee: UserReference = UNASSIGNED
    track: Track = Track.TRACE
    first_seen_ago_s: int = SAMPLE_SEEN_AGO_S
    last_seen_ago_s: int = SAMPLE_SEEN_AGO_S
    regressed: bool = False


@dataclass(frozen=True)
class Expectation:
    """What the config must decide for the sample; None for a field the test leaves open."""

    assignee: UserReference | None = None
    state: State | None = None


@dataclass(frozen=True)
class ConfigTest:
    """One entry of `tests:`; `source` is where it starts, where its failures are reported."""

    name: str
    issue: SampleIssue
    expect: Expectation
    source: Source
