"""Why the config decides what it decides for one issue (CONTRACT 9): every rule's
verdict in config order, the pin, each field's decision, and the plan's changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.model.decision import Decision
from reconciler.model.desired import Pin, Rule
from reconciler.model.enums import Field
from reconciler.model.live import Issue
from reconciler.model.plan import Change


@dataclass(frozen=True)
class RuleVerdict:
    """One rule on the issue: did its search return it, did its `from_states` allow the
    issue's state, which fields it decides, and on which an earlier rule or the pin beat it."""

    rule: Rule
    returned: bool
    state_allowed: bool
    decides: tuple[Field, ...] = ()
    beaten_on: tuple[Field, ...] = ()

    @property
    def matched(self) -> bool:
        return self.returned and self.state_allowed


@dataclass(frozen=True)
class Explanation:
    """Everything `explain` shows about one live issue, as of `now_ms`.

    `decisions` has the state decision, then the assignee one, None where nothing
    decides the field; `users` labels user ids for display.
    """

    issue: Issue
    now_ms: int
    rules: tuple[RuleVerdict, ...]
    pin: Pin | None
    decisions: Mapping[Field, Decision | None]
    changes: tuple[Change, ...]
    users: Mapping[str, str] = field(default_factory=dict)
    ui_host: str | None = None
