"""The library's one entry point: observe, plan, explain one issue, load a saved plan, apply.

Like octoDNS's Manager, the engine wires the layers together and owns no rules of
its own: observing (`selection`) fills an `Observed`, the planner decides
(`planner.decide` -> `Decisions`) and diffs (`planner.diff` -> `Plan`), the
applier writes. Policy lives on the values: `Plan.raise_if_unsafe` (max_changes),
`Plan.raise_if_conflicts` (strict), `Plan.raise_if_other_api` (a saved plan), and
`Observed.raise_if_missing_pins`. Every front end (the CLI, the benchmarks, a
report) calls only this module.

    with connect(Connection(site="datadoghq.eu"), parallelism=8) as engine:
        planned = engine.plan_with_decisions(config)   # Plan + Decisions + Observed
        planned.plan.raise_if_unsafe(force=False)
        outcome = engine.apply(planned.plan)
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from reconciler import client
from reconciler.applier import ApplyOutcome, ResultCallback, apply_plan
from reconciler.collector import few_collections
from reconciler.errors import IssueNotFoundError, NotFoundError
from reconciler.joint import Joint, joint
from reconciler.model import (
    DEFAULT_PARALLELISM,
    ChangeResult,
    Config,
    Decisions,
    Explanation,
    Issue,
    IssueApi,
    Observed,
    Plan,
    Progress,
    ProgressEvent,
    ProgressHook,
    RateLimitWait,
    Report,
    Rule,
    RuleProgress,
    Scope,
    is_uuid,
)
from reconciler.ownership import build_report, ownership_delta
from reconciler.planfile import load_plan
from reconciler.planner import check_targets, decide, diff, explain_issue, preload_diff
from reconciler.ruletests import check_tests
from reconciler.selection import observe, select_rule

__all__ = [
    "ApplyOutcome",
    "Connection",
    "Engine",
    "Planned",
    "Progress",
    "ProgressHook",
    "connect",
    "now_ms",
]


def now_ms() -> int:
    """The wall clock in epoch milliseconds, the engine's default clock."""
    return int(time.time() * 1000)


@dataclasses.dataclass(frozen=True)
class Connection:
    """Where the API is (`--site`, `--api-url`) and which environment holds the keys."""

    site: str | None = None
    api_url: str | None = None
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: dict(os.environ))

    @property
    def url(self) -> str:
        """The API base URL; raises SettingsError for an unknown site or an unsafe URL."""
        return client.resolve_api_url(self.site, self.api_url, self.env)

    @property
    def ui_host(self) -> str | None:
        """The web UI host issue links point at, None when only an API URL is known."""
        return client.resolve_ui_host(self.site, self.api_url, self.env)


@dataclasses.dataclass(frozen=True)
class Planned:
    """A plan with what it was made from: the decisions behind every change, held value
    and conflict (`explain`, `report`), and everything observed (users, missing pins)."""

    plan: Plan
    decisions: Decisions
    observed: Observed


class Engine:
    """Observes, plans and applies through one `IssueApi` at `api_url`.

    `parallelism` bounds the requests in flight; `clock` gives "now" in epoch ms (the
    planner's only notion of time); `progress`, when given, hears about long steps
    (`model.progress`: each rule's searches, pins fetched, changes applied), from
    worker threads.
    """

    def __init__(
        self,
        api: IssueApi,
        *,
        api_url: str,
        ui_host: str | None = None,
        parallelism: int = DEFAULT_PARALLELISM,
        clock: Callable[[], int] = now_ms,
        progress: ProgressHook | None = None,
    ) -> None:
        self.api = api
        self.api_url = api_url
        self.ui_host = ui_host
        self.parallelism = parallelism
        self.clock = clock
        self.progress = progress

    def observe(self, config: Config, now_ms: int | None = None) -> Observed:
        """Users, rule selections and pinned issues, as of `now_ms` (default: the clock).

        Raises PlanFailed with every lookup, search or fetch error; a pin whose issue
        does not exist is data (`Observed.missing_pins`), not an error.
        """
        preload_diff()  # a diff follows every observation; it loads while we wait
        return observe(
            self.api,
            config,
            self.clock() if now_ms is None else now_ms,
            parallelism=self.parallelism,
            api_url=self.api_url,
            ui_host=self.ui_host,
            progress=self.progress,
        )

    def plan_with_decisions(
        self, config: Config, *, targets: Collection[str] = (), allow_missing_pins: bool = False
    ) -> Planned:
        """Observe, decide and diff: a complete Plan with its decisions and observations.

        Raises ConfigError for a failed rule test and UnknownTargetError for a bad target
        (both before any request), PlanFailed for what observing found, including pins
        whose issue is gone unless `allow_missing_pins` (a report lists them instead).
        """
        check_tests(config)
        check_targets(config, targets)
        now = self.clock()
        with few_collections():
            observed = self.observe(config, now)
            self._planning(observed)
            if not allow_missing_pins:
                observed.raise_if_missing_pins()
            decisions = decide(config, observed, now)
            return Planned(diff(decisions, observed, targets=targets), decisions, observed)

    def plan_with_base(
        self, config: Config, base: Config, *, targets: Collection[str] = ()
    ) -> Planned:
        """`plan_with_decisions` for `config`, its plan carrying what changing from the
        `base` config does to ownership; the live API is read once for both.

        Raises like `plan_with_decisions` for `config` (the base config's rule tests are
        the base branch's business); the base config's pins whose issue is gone only leave
        the base's numbers without them.
        """
        check_tests(config)
        check_targets(config, targets)
        now = self.clock()
        with few_collections():
            return self._plan_with_base(config, base, targets, now)

    def _plan_with_base(
        self, config: Config, base: Config, targets: Collection[str], now: int
    ) -> Planned:
        shared = joint([config, base])
        everything = self._observe_joint(shared, now)
        self._planning(everything)
        observed = shared.view(everything, 0)
        observed.raise_if_missing_pins()
        base_observed = shared.view(everything, 1)
        decisions = decide(config, observed, now)
        base_decisions = decide(base, base_observed, now)
        whole = diff(decisions, observed)
        delta = ownership_delta(
            everything, (whole, decisions), (diff(base_decisions, base_observed), base_decisions)
        )
        shown = diff(decisions, observed, targets=targets) if targets else whole
        return Planned(dataclasses.replace(shown, ownership=delta), decisions, observed)

    def report(self, config: Config, scope: Scope) -> Report:
        """Ownership over the issues `scope` selects as it will be after `config` is
        applied; the scope is searched with the config's rules, completely (CONTRACT 4.5).

        Raises ConfigError for a failed rule test (before any request), PlanFailed for
        what observing found; pins whose issue is gone are listed.
        """
        check_tests(config)
        now = self.clock()
        rule = scope.rule()
        shared = joint([config], [rule])
        with few_collections():
            everything = self._observe_joint(shared, now)
            self._planning(everything)
            observed = shared.view(everything, 0)
            decisions = decide(config, observed, now)
            plan = diff(decisions, observed)
            return build_report(
                scope, shared.selection(everything, rule.name), plan, decisions, observed
            )

    def _planning(self, observed: Observed) -> None:
        """Tell the progress hook that observing is over and deciding begins."""
        if self.progress is not None:
            self.progress(Progress("plan", 0, len(observed.issues)))

    def _observe_joint(self, shared: Joint, now_ms: int) -> Observed:
        preload_diff()
        progress = self.progress
        if progress is not None and shared.extra:
            # A report's scope is searched as an extra rule: shown as the scope it is.
            shown = {name: f"({extra})" for extra, name in shared.extra.items()}
            progress = _renaming(progress, shown)
        return observe(
            self.api,
            shared.config,
            now_ms,
            parallelism=self.parallelism,
            api_url=self.api_url,
            ui_host=self.ui_host,
            references=shared.references,
            progress=progress,
        )

    def plan(self, config: Config, *, targets: Collection[str] = ()) -> Plan:
        """The complete Plan for `config` against the live org (see plan_with_decisions)."""
        return self.plan_with_decisions(config, targets=targets).plan

    def explain(self, config: Config, issue_id: str) -> Explanation:
        """Why `config` decides what it decides for one issue: one plan's observation,
        limited to the issue, read back rule by rule. Nothing is written.

        An issue no search returns and no pin names is fetched to explain it; raises
        IssueNotFoundError when `issue_id` is not a UUID or the org has no such issue,
        and whatever planning raises (ConfigError, PlanFailed).
        """
        if not is_uuid(issue_id):
            raise IssueNotFoundError(issue_id, "is not an issue id (a UUID)")
        wanted = issue_id.lower()
        # A missing pin does not stop an explanation, unless it is the issue explained.
        planned = self.plan_with_decisions(config, targets=(wanted,), allow_missing_pins=True)
        issue = planned.observed.issues.get(wanted)
        if issue is None:
            if any(pin.issue_id.lower() == wanted for pin in planned.observed.missing_pins):
                raise IssueNotFoundError(wanted, f"does not exist at {self.api_url} (404)")
            try:
                issue = self.api.get_issue(wanted)
            except NotFoundError as exc:
                raise IssueNotFoundError(
                    wanted, f"does not exist at {self.api_url} (404); check the id and the site"
                ) from exc
        return explain_issue(issue, planned.decisions, planned.observed, planned.plan)

    def load_saved(self, path: str | Path) -> Plan:
        """A saved plan file, refused when unreadable, edited or made against another API.

        Raises PlanFileError.
        """
        saved = load_plan(path)
        saved.raise_if_other_api(self.api_url, where=str(path))
        return saved

    def select(self, rule: Rule, now_ms: int) -> list[Issue]:
        """Every issue one rule's search returns at `now_ms` (`reconciler import`).

        Raises TruncatedSelectionError and whatever the API raises.
        """
        return select_rule(
            self.api, rule, now_ms, parallelism=self.parallelism, progress=self.progress
        )

    def apply(
        self, plan: Plan, *, saved: bool = False, on_result: ResultCallback | None = None
    ) -> ApplyOutcome:
        """Write the plan's changes, re-checking each issue first when the plan was saved.

        Policy is the caller's to check first (`plan.raise_if_unsafe`); never raises
        for a failed write, which becomes a `failed` result (see `apply_plan`).
        """
        callback = on_result
        if self.progress is not None:
            callback = _counting(self.progress, len(plan.changes), on_result)
        return apply_plan(
            plan, self.api, parallelism=self.parallelism, recheck=saved, on_result=callback
        )


def _counting(
    progress: ProgressHook, total: int, on_result: ResultCallback | None
) -> ResultCallback:
    lock = threading.Lock()
    done = 0

    def callback(result: ChangeResult) -> None:
        nonlocal done
        if on_result is not None:
            on_result(result)
        with lock:
            done += 1
            event = Progress("apply", done, total)
        progress(event)

    return callback


def _renaming(progress: ProgressHook, names: Mapping[str, str]) -> ProgressHook:
    def renamed(event: ProgressEvent) -> None:
        if isinstance(event, RuleProgress) and event.rule in names:
            event = dataclasses.replace(event, rule=names[event.rule])
        progress(event)

    return renamed


def _waits(progress: ProgressHook) -> Callable[[float], None]:
    def on_wait(seconds: float) -> None:
        progress(RateLimitWait(seconds))

    return on_wait


@contextmanager
def connect(
    connection: Connection,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    clock: Callable[[], int] = now_ms,
    progress: ProgressHook | None = None,
) -> Iterator[Engine]:
    """An Engine over a real client for `connection`, closed on exit.

    Raises SettingsError for missing keys, an unknown site or an unsafe API URL.
    `progress` also hears the client's rate-limit waits (`RateLimitWait`).
    """
    credentials = client.Credentials.from_env(connection.env)
    url = connection.url
    ui_host = connection.ui_host
    on_wait = None if progress is None else _waits(progress)
    # The package loads httpx only on first use of the client class, here.
    with client.DatadogClient(url, credentials, on_wait=on_wait) as api:
        yield Engine(
            api,
            api_url=api.api_url,
            ui_host=ui_host,
            parallelism=parallelism,
            clock=clock,
            progress=progress,
        )
