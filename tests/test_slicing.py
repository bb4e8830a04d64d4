"""Splitting a rule's search: parallel slices, density cuts, the query split and its quoting.

Every check counts calls or compares sets; none measures time.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
import threading
from collections.abc import Iterable

import pytest
from fakes import FakeIssueApi

from reconciler.errors import PlanFailed, TruncatedSelectionError
from reconciler.model import SEARCH_CAP, Config, Issue, Rule, SearchRequest, Source, State, Track
from reconciler.query import FacetClause, Node, matches, narrowed, parse, quote
from reconciler.selection import observe, search_guard, select_rule, select_rules
from reconciler.slicing import MIN_SLICE_MS, Slice, split

NOW = 1_790_000_000_000
DAY_MS = 86_400_000
WINDOW_S = 30 * 86_400


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def make_rule(name: str = "r", query: str = "*", states: tuple[State, ...] = (State.OPEN,)) -> Rule:
    return Rule(
        name=name,
        query=query,
        from_states=states,
        window_s=WINDOW_S,
        grace_s=0,
        source=Source("triage.yaml", 3, 5),
        track=Track.TRACE,
        state=State.RESOLVED,
    )


@functools.cache
def parsed(query: str) -> Node | None:
    return parse(query) if query.strip() not in ("", "*") else None


def query_predicate(request: SearchRequest, issue: Issue) -> bool:
    """The search as the sandbox decides it: the query package, states and the window."""
    node = parsed(request.query)
    facets = {"service": issue.service, "@error.type": issue.error_type}

    def lookup(key: str | None) -> list[str]:
        value = facets.get(key) if key is not None else None
        return [value] if value is not None else []

    first = issue.first_seen if issue.first_seen is not None else 0
    last = issue.last_seen if issue.last_seen is not None else NOW
    in_window = first < request.to_ms and last >= request.from_ms
    in_states = not request.states or issue.state in request.states
    return in_window and in_states and (node is None or matches(node, lookup))


class NewestFirstApi(FakeIssueApi):
    """A fake that orders answers like `order_by: FIRST_SEEN` (newest first)."""

    def search(self, request: SearchRequest) -> list[Issue]:
        self._record("search", request.query, request)
        with self._lock:
            found = [issue for issue in self.issues.values() if self.predicate(request, issue)]
        found.sort(key=lambda issue: (-(issue.first_seen or 0), issue.id))
        return found[:SEARCH_CAP]


def spread_issues(count: int, seed: int = 3, mean_ms: int = 5 * 60_000) -> list[Issue]:
    """`count` short-lived issues starting uniformly over the 30-day window."""
    rng = random.Random(seed)
    issues = []
    for n in range(count):
        first = NOW - int(rng.random() * WINDOW_S * 1000)
        last = min(NOW - 1, first + int(rng.expovariate(1 / mean_ms)))
        issues.append(Issue(uid(n), State.OPEN, service="pay", first_seen=first, last_seen=last))
    return issues


def hot_issues(count: int, services: Iterable[str], types: Iterable[str]) -> list[Issue]:
    """Issues active all window long, cycling through every (service, error type) pair."""
    pairs = itertools.cycle(itertools.product(services, types))
    return [
        Issue(uid(n), State.OPEN, service=s, error_type=t, first_seen=0, last_seen=NOW)
        for n, (s, t) in zip(range(count), pairs, strict=False)
    ]


def searches(api: FakeIssueApi) -> list[SearchRequest]:
    return [call.args[0] for call in api.calls_to("search")]  # type: ignore[misc]


# --------------------------------------------------------------------------- density


def test_a_spread_selection_is_listed_near_the_floor() -> None:
    made = 0
    for seed in (1, 2, 3):
        issues = spread_issues(2_000, seed=seed)
        api = NewestFirstApi(issues, predicate=query_predicate)
        found = select_rule(api, make_rule(), NOW, parallelism=1)
        assert {i.id for i in found} == {i.id for i in issues}
        made += len(searches(api))
    # On average within 1.5 x the floor + 10 (halving the window takes ~2.5 x).
    floor = math.ceil(2_000 / SEARCH_CAP)
    assert made / 3 <= 1.5 * floor + 10


def test_a_full_answer_is_cut_into_several_parts_at_once() -> None:
    api = NewestFirstApi(spread_issues(2_000), predicate=query_predicate)
    select_rule(api, make_rule(), NOW, parallelism=1)
    root, *rest = searches(api)
    first_wave = [r for r in rest if r.from_ms >= root.from_ms and r.to_ms <= root.to_ms]
    # The newest 100 of 2,000 issues show the density: ~20 parts, not two halves.
    covering = [r for r in first_wave if r.to_ms == root.to_ms]
    assert covering
    assert covering[0].to_ms - covering[0].from_ms < (root.to_ms - root.from_ms) // 8


def test_time_parts_tile_the_slice_and_grow_backwards() -> None:
    whole = Slice(NOW - 30 * DAY_MS, NOW, (State.OPEN,))
    newest = [
        Issue(uid(n), State.OPEN, first_seen=NOW - n * 60_000, last_seen=NOW - n * 60_000)
        for n in range(SEARCH_CAP)
    ]
    parts = split(whole, newest, max_parts=1000)
    assert parts is not None
    assert parts[0].from_ms == whole.from_ms
    assert parts[-1].to_ms == whole.to_ms
    assert all(a.to_ms == b.from_ms for a, b in itertools.pairwise(parts))
    widths = [p.to_ms - p.from_ms for p in parts]
    assert widths[-1] < widths[0]  # dense at the end, guessed (longer) further back
    assert min(widths) >= MIN_SLICE_MS


def test_an_answer_that_shows_no_density_is_halved() -> None:
    whole = Slice(NOW - DAY_MS, NOW, (State.OPEN,))
    sample = [
        Issue(uid(n), State.OPEN, first_seen=whole.from_ms + n * (DAY_MS // 100), last_seen=NOW)
        for n in range(SEARCH_CAP)
    ]
    sample = [Issue(i.id, i.state, first_seen=i.first_seen, last_seen=i.first_seen) for i in sample]
    parts = split(whole, sample, max_parts=1000)
    assert parts is not None and len(parts) == 2


# --------------------------------------------------------------------------- parallel


class GatedApi(NewestFirstApi):
    """Holds the first `width` searches after the root until all of them are in flight."""

    def __init__(self, issues: Iterable[Issue], width: int) -> None:
        super().__init__(issues, predicate=query_predicate)
        self.width = width
        self.arrived = 0
        self.all_in = threading.Event()
        self.in_flight = 0
        self.most = 0
        self.count_lock = threading.Lock()
        self.roots = 0

    def search(self, request: SearchRequest) -> list[Issue]:
        with self.count_lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            root = request.to_ms - request.from_ms == WINDOW_S * 1000
            held = not root and self.arrived < self.width
            if held:
                self.arrived += 1
                if self.arrived == self.width:
                    self.all_in.set()
        try:
            # Only concurrent parts can all arrive; one at a time, the first waits forever.
            if held and not self.all_in.wait(timeout=10):
                raise AssertionError("the parts of one rule were searched one at a time")
            return super().search(request)
        finally:
            with self.count_lock:
                self.in_flight -= 1


def test_the_slices_of_one_rule_run_concurrently_within_parallelism() -> None:
    issues = spread_issues(1_200)
    api = GatedApi(issues, width=4)
    found = select_rule(api, make_rule(), NOW, parallelism=4)
    assert len(found) == len(issues)
    assert api.most == 4


def test_rules_and_slices_share_one_bound() -> None:
    api = GatedApi(spread_issues(1_200), width=3)
    rules = [make_rule("a"), make_rule("b", query="service:pay")]
    results = select_rules(api, rules, NOW, parallelism=3)
    assert [len(r) for r in results if isinstance(r, list)] == [1_200, 1_200]
    assert api.most == 3


# --------------------------------------------------------------------------- query split


def test_a_hot_set_is_split_on_its_facets_and_listed_completely() -> None:
    services = [f"svc-{n}" for n in range(6)]
    types = [f"Error{n}" for n in range(5)]
    issues = hot_issues(300, services, types)
    api = NewestFirstApi(issues, predicate=query_predicate)
    found = select_rule(api, make_rule(query="service:svc-*"), NOW, parallelism=2)
    assert {i.id for i in found} == {i.id for i in issues}
    queries = [r.query for r in searches(api)]
    assert '(service:svc-*) service:"svc-0"' in queries
    assert any(q.startswith('(service:svc-*) -service:"') for q in queries)
    # Time cannot separate issues active all window long: no window was cut.
    assert {r.to_ms - r.from_ms for r in searches(api)} == {WINDOW_S * 1000}


def test_a_hot_set_identical_in_every_facet_fails_clearly_with_no_write() -> None:
    issues = hot_issues(150, ["checkout"], ["TimeoutError"])
    api = NewestFirstApi(issues, predicate=query_predicate)
    config = Config(rules=(make_rule("hot"),), pins=(), max_changes=100, digest="sha256:x")
    with pytest.raises(PlanFailed) as caught:
        observe(api, config, NOW)
    [error] = caught.value.errors
    assert isinstance(error, TruncatedSelectionError)
    text = str(error)
    assert "triage.yaml:3:5: rule 'hot' selects more than 100 issues within one minute" in text
    assert "share service 'checkout' and @error.type 'TimeoutError'" in text
    assert api.writes() == []


def test_once_time_cannot_separate_the_query_is_split_before_the_states() -> None:
    issues = hot_issues(120, ["a", "b"], ["E"])
    issues += [
        Issue(
            uid(900 + n),
            State.ACKNOWLEDGED,
            service="a",
            error_type="E",
            first_seen=0,
            last_seen=NOW,
        )
        for n in range(50)
    ]
    api = NewestFirstApi(issues, predicate=query_predicate)
    found = select_rule(api, make_rule(states=(State.OPEN, State.ACKNOWLEDGED)), NOW)
    assert len(found) == 170
    # The query's parts each keep both states; service a (110 issues) is then split
    # by state, since its issues share every facet.
    both = [r.query for r in searches(api) if len(r.states) == 2]
    assert sorted(both) == sorted(["*", 'service:"a"', 'service:"b"', '-service:"a" -service:"b"'])
    by_state = [r for r in searches(api) if r.query == 'service:"a"' and len(r.states) == 1]
    assert {r.states for r in by_state} == {(State.OPEN,), (State.ACKNOWLEDGED,)}


def long_lived_issues(count: int, services: int, seed: int = 5) -> list[Issue]:
    """Issues over `services` services and three states, each active for 5 to 25 of the
    window's 30 days, starting anywhere from 60 days back: hundreds active at once,
    the newest few short-lived (what a generated 5,000-issue org looks like)."""
    rng = random.Random(seed)
    states = (State.OPEN, State.ACKNOWLEDGED, State.RESOLVED)
    issues = []
    for n in range(count):
        first = NOW - int(rng.uniform(0, 60 * DAY_MS))
        last = min(NOW - 1, first + int(rng.uniform(5, 25) * DAY_MS))
        if last < NOW - WINDOW_S * 1000:
            last = NOW - WINDOW_S * 1000 + int(rng.uniform(0, DAY_MS))
        issues.append(
            Issue(
                uid(n),
                states[n % 3],
                service=f"svc-{n % services}",
                error_type=f"E{n % 7}",
                first_seen=first,
                last_seen=last,
            )
        )
    return issues


def test_long_lived_issues_are_split_by_the_query_once_time_shows_it_cannot() -> None:
    issues = long_lived_issues(3_000, services=40)
    api = NewestFirstApi(issues, predicate=query_predicate)
    rule = make_rule(states=(State.OPEN, State.ACKNOWLEDGED, State.RESOLVED))
    found = select_rule(api, rule, NOW, parallelism=4)
    assert {i.id for i in found} == {i.id for i in issues}
    # Time parts each hold most of the same issues; splitting every part by the query
    # took thousands of searches. One split of the window by the query lists each once.
    made = searches(api)
    assert len(made) <= 3 * math.ceil(3_000 / SEARCH_CAP) + 40
    assert any('-service:"' in r.query for r in made)


def test_without_time_first_the_query_is_split_before_the_states() -> None:
    whole = Slice(NOW - 30 * DAY_MS, NOW, (State.OPEN, State.RESOLVED))
    found = hot_issues(SEARCH_CAP, [f"svc-{n}" for n in range(12)], ["E"])
    by_state = split(whole, found, max_parts=100, time_first=True)
    by_query = split(whole, found, max_parts=100, time_first=False)
    assert by_state is not None and by_query is not None
    assert all(len(p.states) == 1 and not p.clauses for p in by_state)
    assert all(p.states == whole.states and p.clauses for p in by_query)


AWKWARD = ["web api", 'say "hi"', "C:\\dir\\", "k:v", "*", "a?b", "-x", "(p)", "OR", "é ü"]


@pytest.mark.parametrize("value", AWKWARD)
def test_a_quoted_value_matches_exactly_that_text(value: str) -> None:
    node = parse(narrowed("*", [FacetClause("service", value)]))
    assert matches(node, lambda key: [value] if key == "service" else [])
    assert not matches(node, lambda key: [value + "x"] if key == "service" else [])
    assert not matches(node, lambda key: ["other"] if key == "service" else [])
    negated = parse(narrowed("*", [FacetClause("service", value, negated=True)]))
    assert not matches(negated, lambda key: [value] if key == "service" else [])


def test_narrowing_keeps_an_or_inside_its_parentheses() -> None:
    query = narrowed("service:a OR service:b", [FacetClause("@error.type", "E")])
    assert query == '(service:a OR service:b) @error.type:"E"'
    node = parse(query)
    assert not matches(node, lambda key: {"service": ["a"]}.get(key or "", []))
    assert quote('a"b\\') == '"a\\"b\\\\"'


def test_a_hot_set_with_awkward_service_names_is_listed_completely() -> None:
    issues = hot_issues(240, AWKWARD, ["E1", "E2"])
    api = NewestFirstApi(issues, predicate=query_predicate)
    found = select_rule(api, make_rule(), NOW, parallelism=3)
    assert {i.id for i in found} == {i.id for i in issues}


# --------------------------------------------------------------------------- guard


def test_the_search_guard_scales_with_the_window() -> None:
    assert search_guard(86_400) < search_guard(30 * 86_400) < search_guard(90 * 86_400)
    assert search_guard(60) >= 1_000
