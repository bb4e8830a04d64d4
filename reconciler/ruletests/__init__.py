"""Rule tests: what the config decides for the sample issues of its `tests:` section.

Each sample is observed offline (`samples`) and decided by the planner itself
(`planner.decide`); the writes the plan would hold are carried out on it the way apply
does them (the assignee first, an assignment moving an OPEN issue to ACKNOWLEDGED
unless the config keeps its state). What it is left with is compared with the test's `expect`;
every difference is a config problem at the test (CONTRACT 2):

    t.yaml:40:5: test 'paid': expected assignee alice, got bob (rule 'web' at t.yaml:12)

    failures = run_tests(config, now_ms)   # [] when every test passes
    check_tests(config)                    # raises ConfigError with every failure
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.errors import ConfigError, Problem
from reconciler.model import (
    Config,
    ConfigTest,
    Field,
    Issue,
    IssueDecision,
    State,
    UserReference,
)
from reconciler.planner.decide import decide, live_user
from reconciler.ruletests.samples import observe_sample, offline_id, sample_issue
from reconciler.ruletests.wording import because, labels

__all__ = ["Outcome", "check_tests", "outcome_of", "run_tests"]

# Samples are placed in time relative to the moment of evaluation; any fixed instant
# gives the same verdicts, and a fixed one makes them reproducible.
EVALUATED_AT_MS = 1_800_000_000_000


@dataclass(frozen=True)
class Outcome:
    """What the config leaves one sample with, and the decisions behind it."""

    state: State
    assignee: str | None  # an offline user id (see `samples.offline_id`)
    entry: IssueDecision | None  # None: no rule returned the sample and no pin names it


def outcome_of(config: Config, test: ConfigTest, now_ms: int = EVALUATED_AT_MS) -> Outcome:
    """Decide for the test's sample alone, and carry the decisions out on it.

    Raises UserLookupError only if the config names a user it does not list, which a
    loaded config cannot.
    """
    observed = observe_sample(config, test, now_ms)
    [issue] = observed.issues.values()
    entry = decide(config, observed, now_ms).issues.get(issue.id)
    if entry is None or not (entry.pin or entry.matched_rules):
        return Outcome(issue.state, issue.assignee_id, None)
    state, assignee = _applied(issue, entry)
    return Outcome(state, assignee, entry)


def _applied(issue: Issue, entry: IssueDecision) -> tuple[State, str | None]:
    """The sample's state and assignee once the plan's writes are done (CONTRACT 4.6).

    A field is written when it is decided, not held, and differs, as `diff` plans it.
    """
    state, assignee = issue.state, issue.assignee_id
    wanted = entry.decision(Field.ASSIGNEE)
    if wanted is not None and wanted.held is None and wanted.wanted != live_user(assignee):
        assignee = wanted.wanted
        if assignee is not None and state is State.OPEN:
            # Assigning marks an OPEN issue ACKNOWLEDGED; apply writes back a state
            # the config explicitly keeps.
            state = wanted.keep_state or State.ACKNOWLEDGED
    decided = entry.decision(Field.STATE)
    if decided is not None and decided.held is None and decided.wanted is not None:
        state = State(decided.wanted)
    return state, assignee


def run_tests(config: Config, now_ms: int = EVALUATED_AT_MS) -> list[Problem]:
    """A problem per `expect` field a test's sample is not left with, in test order."""
    problems: list[Problem] = []
    names = labels(config)
    for test in config.tests:
        outcome = outcome_of(config, test, now_ms)
        issue = sample_issue(test, now_ms)
        expect = test.expect
        found: list[str] = []
        if expect.assignee is not None and not _same_user(expect.assignee, outcome.assignee):
            got = names.get(outcome.assignee, outcome.assignee) if outcome.assignee else "null"
            wanted = expect.assignee.written or "null"
            reason = because(config, test, outcome, issue, Field.ASSIGNEE)
            found.append(f"expected assignee {wanted}, got {got} ({reason})")
        if expect.state is not None and expect.state is not outcome.state:
            reason = because(config, test, outcome, issue, Field.STATE)
            got = outcome.state.value
            found.append(f"expected state {expect.state.value}, got {got} ({reason})")
        source = test.source
        for text in found:
            problems.append(
                Problem(source.file, source.line, source.col, f"test {test.name!r}: {text}")
            )
    return problems


def _same_user(expected: UserReference, got: str | None) -> bool:
    user = expected.assignee.user
    return (offline_id(user) if user is not None else None) == got


def check_tests(config: Config) -> None:
    """Evaluate every rule test; raises ConfigError with a problem per failed expectation."""
    problems = run_tests(config)
    if problems:
        raise ConfigError(problems)
