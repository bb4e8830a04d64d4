"""The pure planner: decide, then diff (CONTRACT 4).

`decide(config, observed, now_ms)` says who sets each field of each issue and why
(`model.Decisions`); `diff(decisions, observed)` turns that into a complete, sorted
`Plan`; `build_plan` is the two in a row. No HTTP, no files, no clock: the same
inputs always give the same plan.

- `decide`: rule matching, pins, winners and losers, the RESOLVED guards, keep_state.
- `diff`: the changes (DeepDiff over flat keys), held values, conflicts, warnings.
- `targets`: `--target` checking and filtering.
- `explain`: one issue's decisions and changes, rule by rule (`reconciler explain`).
"""

from __future__ import annotations

from collections.abc import Collection

from reconciler.model import Config, Decisions, Observed, Plan
from reconciler.planner.decide import decide
from reconciler.planner.diff import diff, iso_utc
from reconciler.planner.diff import preload as preload_diff
from reconciler.planner.explain import explain_issue
from reconciler.planner.targets import check_targets

__all__ = [
    "build_plan",
    "check_targets",
    "decide",
    "diff",
    "explain_issue",
    "iso_utc",
    "preload_diff",
]


def build_plan(
    config: Config, observed: Observed, now_ms: int, *, targets: Collection[str] = ()
) -> Plan:
    """Decide, then diff: the Plan for `config` against `observed` at `now_ms`.

    Raises UnknownTargetError when a target is neither a rule name nor a UUID, and
    UserLookupError when a user was not looked up.
    """
    check_targets(config, targets)
    return diff(decide(config, observed, now_ms), observed, targets=targets)


def plan_with_decisions(
    config: Config, observed: Observed, now_ms: int, *, targets: Collection[str] = ()
) -> tuple[Plan, Decisions]:
    """`build_plan`, also returning the decisions it diffed (for explain and report)."""
    check_targets(config, targets)
    decisions = decide(config, observed, now_ms)
    return diff(decisions, observed, targets=targets), decisions
