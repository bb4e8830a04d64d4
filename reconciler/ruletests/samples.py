"""A rule test's sample as the planner would observe it: the issue, and which searches
return it.

The search is answered offline: a rule returns the sample when its track (or persona),
its window and its query accept it, the query evaluated with the same evaluator the
sandbox answers searches with, over the same facets. `from_states` is left to the
planner, which judges it on every returned issue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from reconciler.model import (
    Config,
    ConfigTest,
    Issue,
    Observed,
    Regression,
    Rule,
    SampleIssue,
    User,
    in_persona,
)
from reconciler.query import MatchAll, Node, matches, parse

# Never a UUID, so a sample that does not name its issue id meets no pin.
SAMPLE_ID_PREFIX = "sample:"


def offline_id(reference: str) -> str:
    """The user id an assignee reference stands for offline: emails and handles compare
    case-insensitively (as the users API matches them), UUIDs lower-cased."""
    return reference.lower()


def sample_issue(test: ConfigTest, now_ms: int) -> Issue:
    """The issue a test describes, as observed at `now_ms`."""
    sample = test.issue
    user = sample.assignee.assignee.user
    first_seen = now_ms - sample.first_seen_ago_s * 1000
    last_seen = now_ms - sample.last_seen_ago_s * 1000
    # The guard reads only that a regression exists; its times are for display.
    regression = Regression("", "") if sample.regressed else None
    return Issue(
        id=sample.id or f"{SAMPLE_ID_PREFIX}{test.name}",
        state=sample.state,
        assignee_id=offline_id(user) if user is not None else None,
        service=sample.service,
        error_type=sample.error_type,
        error_message=sample.error_message,
        file_path=sample.file_path,
        function_name=sample.function_name,
        first_seen=first_seen,
        last_seen=last_seen,
        platform=sample.platform,
        languages=sample.languages,
        regression=regression,
    )


def observe_sample(config: Config, test: ConfigTest, now_ms: int) -> Observed:
    """What observing would find if the org held only the test's sample issue."""
    issue = sample_issue(test, now_ms)
    selections = {
        rule.name: frozenset({issue.id}) if returns(rule, test.issue) else frozenset()
        for rule in config.rules
    }
    users = {
        reference: User(offline_id(reference), email=reference)
        for reference in config.user_references()
    }
    return Observed(issues={issue.id: issue}, selections=selections, users=users)


def returns(rule: Rule, sample: SampleIssue) -> bool:
    """Whether the rule's search (track or persona, window, query) returns the sample."""
    if rule.track is not None and sample.track is not rule.track:
        return False
    if rule.persona is not None and not in_persona(sample.platform, rule.persona):
        return False
    if sample.last_seen_ago_s > rule.window_s:
        return False
    return query_matches(rule.query, sample)


def query_matches(query: str, sample: SampleIssue) -> bool:
    node = _parsed(query)
    return isinstance(node, MatchAll) or matches(node, facet_lookup(sample))


def _parsed(query: str) -> Node:
    # The loader has parsed every query already; `*` and blank select everything.
    return MatchAll() if query.strip() in ("", "*") else parse(query)


def _free_text(sample: SampleIssue) -> Sequence[str]:
    fields = (
        sample.error_type,
        sample.error_message,
        sample.service,
        sample.file_path,
        sample.function_name,
    )
    return [text for text in fields if text]


def _present(*values: str | None) -> Sequence[str]:
    return [value for value in values if value]


# The sample's values for each search facet, as the sandbox reads them from an issue
# (`reconciler.sandbox.search.FACETS`); None gives the free-text fields. An unknown
# facet has no values.
FACETS: Mapping[str | None, Callable[[SampleIssue], Sequence[str]]] = {
    None: _free_text,
    "service": lambda s: _present(s.service),
    "env": lambda s: _present(s.env),
    "version": lambda s: _present(s.version),
    "@language": lambda s: [*s.languages, *(lang.lower() for lang in s.languages)],
    "@error.type": lambda s: _present(s.error_type),
    "@error.message": lambda s: _present(s.error_message),
    "@error.kind": lambda s: _present(s.error_type),
    "@error.file": lambda s: _present(s.file_path),
    "@error.function": lambda s: _present(s.function_name),
    "@platform": lambda s: _present(s.platform),
    "@issue.platform": lambda s: _present(s.platform),
    "@track": lambda s: [s.track.value],
    "@issue.state": lambda s: [s.state.value],
}


def facet_lookup(sample: SampleIssue) -> Callable[[str | None], Sequence[str]]:
    def lookup(key: str | None) -> Sequence[str]:
        facet = FACETS.get(key)
        return facet(sample) if facet is not None else ()

    return lookup
