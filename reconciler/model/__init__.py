"""Value objects shared by every layer: issues, the desired config, plans and results.

Everything here is a frozen dataclass or an enum; nothing talks to the network
or the disk. `IssueApi` is the one seam through which selection and the applier
reach Datadog (the real client, or a fake in tests).

- `enums`: the enumerations, a rule's default `from_states`, `SEARCH_CAP`, `DEFAULT_PARALLELISM`,
  `is_uuid`.
- `live`: what Datadog reports (`Issue`, `IssueSummary`, `User`, `Regression`),
  `SearchRequest`, the `IssueApi` protocol and `Observed` (with its users and
  missing pins).
- `desired`: what the config asks for (`Source`, `Assignee`, `Rule`, `Pin`, `Config`).
- `samples`: a config's rule tests (`ConfigTest`, `SampleIssue`, `Expectation`,
  `UserReference`).
- `decision`: what the planner decided and why (`RuleMatch`, `Hold`, `Decision`,
  `IssueDecision`, `Decisions`), before any diff; read by explain and report.
- `explain`: why the config decides what it decides for one issue (`RuleVerdict`,
  `Explanation`).
- `moves`: what a config change does to ownership (`OwnershipDelta`, `Owned`, `Move`).
- `progress`: what a long run reports while it works (`RuleProgress`, `PinProgress`,
  `RateLimitWait`, `Progress`) and the `ProgressHook` that hears it.
- `report`: the ownership report (`Report`, `Scope`, `Coverage` and its rows).
- `plan`: what the planner and the applier produce (`Change`, `Held`, `Conflict`,
  `Plan` with its policy checks `raise_if_unsafe` / `raise_if_conflicts` /
  `raise_if_other_api`, `plan_checksum`, `ChangeResult`).
"""

from __future__ import annotations

from reconciler.model.decision import Decision, Decisions, Hold, IssueDecision, RuleMatch
from reconciler.model.desired import Assignee, Config, Pin, Rule, Source
from reconciler.model.enums import (
    DEFAULT_FROM_STATES,
    DEFAULT_PARALLELISM,
    PERSONA_PLATFORMS,
    SEARCH_CAP,
    AssignPolicy,
    Field,
    HoldReason,
    Persona,
    ResultStatus,
    State,
    Track,
    in_persona,
    is_uuid,
)
from reconciler.model.explain import Explanation, RuleVerdict
from reconciler.model.live import (
    Issue,
    IssueApi,
    IssueSummary,
    Observed,
    Regression,
    SearchRequest,
    User,
)
from reconciler.model.moves import Move, Owned, OwnershipDelta
from reconciler.model.plan import (
    Change,
    ChangeResult,
    Conflict,
    Held,
    Plan,
    issue_url,
    plan_checksum,
)
from reconciler.model.progress import (
    PinProgress,
    Progress,
    ProgressEvent,
    ProgressHook,
    RateLimitWait,
    RuleProgress,
)
from reconciler.model.report import (
    Coverage,
    MissingPin,
    OwnerLoad,
    Report,
    Scope,
    TeamLoad,
    TopIssue,
    UnownedService,
)
from reconciler.model.samples import ConfigTest, Expectation, SampleIssue, UserReference

__all__ = [
    "DEFAULT_FROM_STATES",
    "DEFAULT_PARALLELISM",
    "PERSONA_PLATFORMS",
    "SEARCH_CAP",
    "AssignPolicy",
    "Assignee",
    "Change",
    "ChangeResult",
    "Config",
    "ConfigTest",
    "Conflict",
    "Coverage",
    "Decision",
    "Decisions",
    "Expectation",
    "Explanation",
    "Field",
    "Held",
    "Hold",
    "HoldReason",
    "Issue",
    "IssueApi",
    "IssueDecision",
    "IssueSummary",
    "MissingPin",
    "Move",
    "Observed",
    "Owned",
    "OwnerLoad",
    "OwnershipDelta",
    "Persona",
    "Pin",
    "PinProgress",
    "Plan",
    "Progress",
    "ProgressEvent",
    "ProgressHook",
    "RateLimitWait",
    "Regression",
    "Report",
    "ResultStatus",
    "Rule",
    "RuleMatch",
    "RuleProgress",
    "RuleVerdict",
    "SampleIssue",
    "Scope",
    "SearchRequest",
    "Source",
    "State",
    "TeamLoad",
    "TopIssue",
    "Track",
    "UnownedService",
    "User",
    "UserReference",
    "in_persona",
    "is_uuid",
    "issue_url",
    "plan_checksum",
]
