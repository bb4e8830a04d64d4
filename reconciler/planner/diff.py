"""Diffing: decisions against the observed values -> a complete, sorted Plan (CONTRACT 4).

Pure like deciding; the only clock is the `now_ms` the decisions were made at.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections import Counter
from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from reconciler.model import (
    Change,
    Conflict,
    Decision,
    Decisions,
    Field,
    Held,
    IssueDecision,
    Observed,
    Plan,
    Rule,
)
from reconciler.planner.decide import live_user
from reconciler.planner.targets import Targets, check_targets, unmatched_target_warnings


def iso_utc(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC with a Z, to the second."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def preload() -> threading.Thread | None:
    """Start importing DeepDiff (~0.1 s, the plan's biggest import) in a thread, for a
    caller about to wait on the network: the import then costs no wall time. Returns
    the started thread, None when it is loaded already; an import error is left for
    `diff` to raise."""
    if "deepdiff" in sys.modules:
        return None
    thread = threading.Thread(target=_import_deepdiff, name="preload-deepdiff")
    thread.start()
    return thread


def _import_deepdiff() -> None:
    # An import error is raised again, and reported, where `_changes` imports it.
    with contextlib.suppress(ImportError):
        import deepdiff  # noqa: F401


def diff(decisions: Decisions, observed: Observed, *, targets: Collection[str] = ()) -> Plan:
    """The Plan that carries out `decisions` on the `observed` issues, limited to `targets`.

    Raises UnknownTargetError when a target is neither a rule name nor a UUID.
    """
    config = decisions.config
    check_targets(config, targets)
    target = Targets.of(targets)
    in_scope = decisions.in_scope
    warnings = _missing_pin_warnings(decisions, observed) + _shadowed_rule_warnings(
        config.rules, in_scope
    )
    kept = len(in_scope)
    if not target.keeps_all:
        kept = sum(1 for entry in in_scope if target.keeps(entry.issue_id, *_rule_names(entry)))
    return Plan(
        changes=tuple(c for c in _changes(observed, in_scope) if target.keeps(c.issue_id, c.rule)),
        held=tuple(h for h in _held(observed, in_scope) if target.keeps(h.issue_id, h.rule)),
        conflicts=tuple(
            c for c in _conflicts(in_scope) if target.keeps(c.issue_id, c.winner, *c.losers)
        ),
        warnings=(
            *(text for i, rule, text in warnings if target.keeps(i, rule)),
            *_target_warnings(decisions, targets),
        ),
        issues_in_scope=kept,
        max_changes=config.max_changes,
        generated_at=iso_utc(decisions.now_ms),
        api_url=observed.api_url,
        config_digest=config.digest,
        users=observed.labels(),
        ui_host=observed.ui_host,
    )


def _target_warnings(decisions: Decisions, targets: Collection[str]) -> list[str]:
    if not targets:
        return []
    in_scope = decisions.in_scope
    issue_ids = {entry.issue_id for entry in in_scope}
    # A pin whose issue was not fetched is matched: its own warning says what happened.
    issue_ids.update(pin.issue_id.lower() for pin in decisions.config.pins)
    matched = {name for entry in in_scope for name in _rule_names(entry)}
    return unmatched_target_warnings(targets, issue_ids, matched)


def _rule_names(entry: IssueDecision) -> list[str]:
    return [rule.name for rule in entry.matched_rules]


_Warning = tuple[str, str | None, str]  # (issue id or "", rule name or None, text)


def _missing_pin_warnings(decisions: Decisions, observed: Observed) -> list[_Warning]:
    return [
        (issue_id, None, f"{pin.source}: pinned issue {issue_id} was not fetched; skipped")
        for issue_id, pin in {p.issue_id.lower(): p for p in decisions.config.pins}.items()
        if issue_id not in observed.issues
    ]


def _shadowed_rule_warnings(
    rules: Iterable[Rule], in_scope: Collection[IssueDecision]
) -> list[_Warning]:
    """A rule that matched issues yet decides nothing is dead weight worth a warning."""
    deciding = {d.rule for entry in in_scope for d in entry.fields}
    # Only the rules that decide nothing need their matches counted: usually none.
    idle = {rule.name for rule in rules if rule.name not in deciding}
    matched: Counter[str] = Counter()
    if idle:
        for entry in in_scope:
            matched.update(rule.name for rule in entry.matched_rules if rule.name in idle)
    return [
        (
            "",
            rule.name,
            f"{rule.source}: rule {rule.name!r} matched {matched[rule.name]} issue(s) but "
            "pins or earlier rules decide every field it sets; it has no effect",
        )
        for rule in rules
        if matched[rule.name] and rule.name not in deciding
    ]


def _conflicts(in_scope: Iterable[IssueDecision]) -> list[Conflict]:
    return [
        Conflict(d.issue_id, d.field, d.decided_by.name, d.losers)
        for entry in in_scope
        for d in entry.fields
        if d.losers and isinstance(d.decided_by, Rule)
    ]


def _held(observed: Observed, in_scope: Iterable[IssueDecision]) -> list[Held]:
    return [
        Held(
            d.issue_id,
            d.field,
            str(d.wanted),
            observed.issues[d.issue_id].state.value,
            d.held.reason,
            d.source,
            d.rule,
        )
        for entry in in_scope
        for d in entry.fields
        if d.held is not None
    ]


def _changes(observed: Observed, in_scope: Iterable[IssueDecision]) -> list[Change]:
    """The changes between observed and desired values, described by DeepDiff.

    A plain equality pass first keeps only the (issue, field) pairs that differ, so
    DeepDiff, at ~10us per leaf, describes the changes rather than every decision
    (100,000 decisions with 10,000 changes: ~0.1 s instead of ~1 s).
    """
    # Imported here: `validate` decides rule tests with the planner but never diffs.
    from deepdiff import DeepDiff

    current: dict[tuple[str, str], str | None] = {}
    desired: dict[tuple[str, str], str | None] = {}
    deciding: dict[tuple[str, str], Decision] = {}
    issues = observed.issues
    for entry in in_scope:
        if not entry.fields:
            continue
        issue = issues[entry.issue_id]
        for decision in entry.fields:
            if decision.held is not None:
                continue
            if decision.field is Field.STATE:
                live: str | None = issue.state.value
            else:
                live = live_user(issue.assignee_id)
            if live == decision.wanted and type(live) is type(decision.wanted):
                continue
            # Flat (issue, field) keys: DeepDiff costs ~10us per leaf but ~50us more per
            # nested dict.
            key = (entry.issue_id, decision.field.value)
            current[key] = live
            desired[key] = decision.wanted
            deciding[key] = decision
    tree = DeepDiff(current, desired, view="tree")
    changes: list[Change] = []
    for report in ("values_changed", "type_changes"):
        for level in tree.get(report, ()):
            issue_id, field_name = level.get_root_key()
            decision = deciding[(issue_id, field_name)]
            changes.append(
                Change(
                    issue_id=issue_id,
                    field=decision.field,
                    before=level.t1,
                    after=level.t2,
                    source=decision.source,
                    rule=decision.rule,
                    issue=observed.issues[issue_id].summary(),
                    keep_state=decision.keep_state,
                    note=decision.note,
                )
            )
    return changes
