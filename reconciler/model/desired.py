"""The desired side: what a validated configuration asks for.

`Rule` and `Pin` each carry the `Source` position they were written at, and an
optional `Assignee`; `Config` merges every file, in load order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reconciler.model.enums import AssignPolicy, Persona, State, Track, is_uuid

if TYPE_CHECKING:
    from reconciler.model.samples import ConfigTest


@dataclass(frozen=True)
class Source:
    """Where a rule or pin is written; rendered FILE:LINE:COL."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    @property
    def file_line(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Assignee:
    """A wanted assignee. `user` is None to unassign; otherwise a user reference
    (email, handle or UUID) as loaded, and a UUID once users are resolved."""

    user: str | None


@dataclass(frozen=True)
class Rule:
    name: str
    query: str
    from_states: tuple[State, ...]
    window_s: int
    grace_s: int
    source: Source
    track: Track | None = None
    persona: Persona | None = None
    state: State | None = None
    assignee: Assignee | None = None  # None: the rule does not manage the assignee
    assign: AssignPolicy = AssignPolicy.IF_UNASSIGNED
    resolve_regressions: bool = False
    allow_exclude: bool = False

    @property
    def finishes_own_assignment(self) -> bool:
        """True when the rule's own assignment can move an issue it matched out of its
        `from_states` before its state is written: assigning marks an OPEN issue
        ACKNOWLEDGED (CONTRACT 4.6). Such a rule also matches an ACKNOWLEDGED issue
        assigned to exactly its assignee, so a rerun finishes what a partial run left."""
        return (
            self.state is not None
            and self.state is not State.ACKNOWLEDGED
            and self.assignee is not None
            and self.assignee.user is not None
            and State.OPEN in self.from_states
            and State.ACKNOWLEDGED not in self.from_states
        )

    @property
    def search_states(self) -> tuple[State, ...]:
        """The `states` filter of the rule's search: `from_states`, plus ACKNOWLEDGED for a
        rule that finishes its own assignment (the planner then narrows it down)."""
        if self.finishes_own_assignment:
            return (*self.from_states, State.ACKNOWLEDGED)
        return self.from_states


@dataclass(frozen=True)
class Pin:
    issue_id: str
    source: Source
    grace_s: int
    state: State | None = None
    assignee: Assignee | None = None  # None: the pin does not manage the assignee
    note: str | None = None
    resolve_regressions: bool = False


@dataclass(frozen=True)
class Config:
    """A validated configuration, all files merged in order."""

    rules: tuple[Rule, ...]
    pins: tuple[Pin, ...]
    max_changes: int
    digest: str  # "sha256:..." over the files' bytes, in load order
    files: tuple[str, ...] = ()
    users: Mapping[str, str] = field(default_factory=dict)  # alias -> reference
    tests: tuple[ConfigTest, ...] = ()  # the `tests:` section, in file order

    def user_references(self) -> dict[str, Source]:
        """Every email or handle the config names (UUIDs need no lookup), with its
        first position."""
        refs: dict[str, Source] = {}
        items: tuple[Rule | Pin, ...] = (*self.rules, *self.pins)
        for item in items:
            user = item.assignee.user if item.assignee else None
            if user is not None and not is_uuid(user):
                refs.setdefault(user, item.source)
        return refs
