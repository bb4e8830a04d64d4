"""The search index answers exactly what a scan of every issue answers, before and after writes."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from reconciler.model import Persona, SearchRequest, State, Track
from reconciler.sandbox import Store, generate_org
from reconciler.sandbox.errors import ApiAnswer
from reconciler.sandbox.index import MEMO_SIZE, SearchIndex
from reconciler.sandbox.records import SandboxIssue
from reconciler.sandbox.search import select

NOW = 1_780_000_000_000
HOUR = 3_600_000
DAY = 24 * HOUR
ORG = generate_org(issues=1500, services=30, seed=11, now=NOW)

QUERIES = [
    "*",
    "",
    "service:payments-*",
    "service:checkout-web",
    "-service:payments-*",
    "service:(payments-api OR search-worker)",
    '@error.type:"ChunkLoadError"',
    "@error.type:builtins.*",
    "@language:go env:staging",
    "env:prod -@language:python",
    "timed out",
    '"connection refused" OR @error.type:KeyError',
    "version:v1.4?.0",
    "@issue.state:OPEN",
    "-@issue.state:RESOLVED service:cart-*",
    "@unknown.facet:x",
    "-@unknown.facet:x",
    "NOT (service:a* OR service:b*) AND @platform:BACKEND",
]
WINDOWS = [
    (NOW - 30 * DAY, NOW + 1),
    (NOW - 2 * DAY, NOW - DAY),
    (NOW - 60 * DAY, NOW - 50 * DAY),
    (NOW - 5 * HOUR, NOW - 5 * HOUR + 60_000),
    (NOW - 400 * DAY, NOW - 399 * DAY),
]
STATES: list[tuple[State, ...]] = [(), (State.OPEN,), (State.ACKNOWLEDGED, State.RESOLVED)]
SCOPES: list[tuple[Track | None, Persona | None]] = [
    (None, Persona.ALL),
    (Track.RUM, None),
    (Track.TRACE, None),
    (None, Persona.BACKEND),
    (None, Persona.BROWSER),
]


def _criteria(
    query: str,
    window: tuple[int, int],
    states: tuple[State, ...],
    scope: tuple[Track | None, Persona | None],
    order_by: str = "TOTAL_COUNT",
) -> SearchRequest:
    track, persona = scope
    return SearchRequest(query, window[0], window[1], track, persona, states, order_by=order_by)


def _every_search() -> list[SearchRequest]:
    combos = itertools.product(QUERIES, WINDOWS, STATES, SCOPES)
    return [_criteria(*combo) for combo in combos]


def _ids(issues: list[SandboxIssue]) -> list[str]:
    return [issue.id for issue in issues]


def test_every_search_agrees_with_the_scan() -> None:
    index = SearchIndex(ORG.issues)
    searches = _every_search()
    assert len(searches) == len(QUERIES) * 75
    expected = [_ids(select(ORG.issues, c)) for c in searches]
    assert [_ids(index.search(c)) for c in searches] == expected
    # The set is not degenerate: some answers are full, some partial, some empty.
    sizes = {len(ids) for ids in expected}
    assert 0 in sizes and 100 in sizes and len(sizes) > 20


@pytest.mark.parametrize(
    ("query", "always_found"),
    [("*", False), ("service:{service}", True)],
    ids=["by-window", "by-query"],
)
def test_window_edges_agree_with_the_scan(query: str, always_found: bool) -> None:
    # `from` is inclusive and `to` exclusive, whichever set drives the search.
    index = SearchIndex(ORG.issues)
    # The oldest and the newest issues make each of the two time orders drive a search.
    by_last = sorted(ORG.issues, key=lambda i: i.last_seen)
    by_first = sorted(ORG.issues, key=lambda i: i.first_seen)
    sample = [*ORG.issues[::50], *by_last[:15], *by_first[-15:]]
    checked = 0
    for issue in sample:
        first, last = issue.first_seen, issue.last_seen
        edges = [(last, last + 1), (last + 1, last + 2), (first - 1, first), (first, first + 1)]
        for window in edges:
            criteria = _criteria(query.format(service=issue.service), window, (), SCOPES[0])
            found = _ids(index.search(criteria))
            assert found == _ids(select(ORG.issues, criteria))
            checked += issue.id in found
    # Two of the four edges include the issue; past 100 issues in the window it may be cut.
    assert checked == 2 * len(sample) if always_found else checked > 0


@pytest.mark.parametrize("order_by", ["TOTAL_COUNT", "FIRST_SEEN", "IMPACTED_SESSIONS", "PRIORITY"])
def test_every_order_agrees_with_the_scan(order_by: str) -> None:
    index = SearchIndex(ORG.issues)
    for query in ("*", "service:payments-*", "-env:prod"):
        criteria = _criteria(query, WINDOWS[0], (), SCOPES[0], order_by)
        assert _ids(index.search(criteria)) == _ids(select(ORG.issues, criteria))


@pytest.mark.parametrize(
    ("field", "pick"),
    [
        ("assignee_ids", lambda i: i.assignee_id),
        ("team_ids", lambda i: next(iter(i.team_ids), None)),
    ],
    ids=["assignees", "teams"],
)
def test_assignee_and_team_filters_agree_with_the_scan(
    field: str, pick: Callable[[SandboxIssue], str | None]
) -> None:
    index = SearchIndex(ORG.issues)
    values = sorted({v for i in ORG.issues if (v := pick(i))})[:3]
    assert values
    everything = SearchRequest("*", NOW - 30 * DAY, NOW + 1, persona=Persona.ALL)
    if field == "assignee_ids":
        criteria = replace(everything, assignee_ids=tuple(values))
    else:
        criteria = replace(everything, team_ids=tuple(values))
    assert _ids(index.search(criteria)) == _ids(select(ORG.issues, criteria))
    assert index.search(criteria)


def test_writes_keep_the_index_exact() -> None:
    store = Store.from_org(ORG)
    users = [u.id for u in ORG.users]
    rng = random.Random(4)
    searches = _every_search()
    for criteria in searches[::7]:
        store.search(criteria)  # memoise the queries before the writes
    for issue in rng.sample(list(ORG.issues), 300):
        match rng.randrange(3):
            case 0:
                store.set_state(issue.id, rng.choice(list(State)))
            case 1:
                store.set_assignee(issue.id, rng.choice(users))
            case _:
                store.remove_assignee(issue.id)
    issues = store.issues()
    disagreements = [c for c in searches if _ids(store.search(c)) != _ids(select(issues, c))]
    assert disagreements == []


def test_put_issue_is_seen_by_the_next_search() -> None:
    store = Store.from_org(ORG)
    criteria = _criteria("service:brand-new", WINDOWS[0], (), SCOPES[0])
    assert store.search(criteria) == []
    template = ORG.issues[0]
    added = [
        SandboxIssue(
            id=f"00000000-0000-4000-8000-{n:012d}",
            service="brand-new",
            error_type="E",
            error_message="m",
            first_seen=NOW - DAY,
            last_seen=NOW - HOUR,
            track=template.track,
            total_count=n,
        )
        for n in range(1, 4)
    ]
    for issue in added:
        store.put_issue(issue)
    assert _ids(store.search(criteria)) == [added[2].id, added[1].id, added[0].id]
    store.put_issue(SandboxIssue(**{**added[0].__dict__, "service": "elsewhere"}))
    assert _ids(store.search(criteria)) == [added[2].id, added[1].id]


def test_a_bad_query_is_a_400_answer() -> None:
    index = SearchIndex(ORG.issues)
    with pytest.raises(ApiAnswer) as caught:
        index.search(_criteria("service:(unclosed", WINDOWS[0], (), SCOPES[0]))
    assert caught.value.status == 400
    assert caught.value.detail.startswith("invalid query")


def test_the_memo_is_bounded_and_still_exact() -> None:
    issues = ORG.issues[:200]
    index = SearchIndex(issues)
    services = sorted({i.service for i in issues})
    rounds = MEMO_SIZE // len(services) + 2
    queries = [f"service:{s} OR @error.type:x{n}" for n in range(rounds) for s in services]
    assert len(queries) > MEMO_SIZE
    for query in [*queries, *queries[:5]]:
        criteria = _criteria(query, WINDOWS[0], (), SCOPES[0])
        assert _ids(index.search(criteria)) == _ids(select(issues, criteria))
