"""An index over the sandbox's issues, so that a search costs about what it returns.

A search is the intersection of a few sets of issue positions, each kept ready:

- the query's matches, evaluated once per query text over an inverted index of
  facet values (value -> positions). `reconciler.query.matches` decides for each
  distinct value, so the semantics are the query package's own; the result is
  memoised per query text and patched after a write when the query tests a facet
  that writes change (`@issue.state`);
- the issues of each state (moved by writes), of each track and each persona;
- the window: positions sorted by `first_seen` and by `last_seen`, whose bisected
  prefix or suffix drives the search when it is smaller than the other sets.

The best 100 are then picked with ranks computed once per `order_by`. The linear
`search.select` is the reference this must agree with.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from reconciler.model import SEARCH_CAP, Persona, SearchRequest, State, Track
from reconciler.query import And, MatchAll, Node, Not, Or, Range, Term, matches
from reconciler.sandbox.records import SandboxIssue
from reconciler.sandbox.search import (
    FACETS,
    WRITABLE_FACETS,
    facet_lookup,
    order_key,
    parse_query,
)

# Rules are few; a search tool that sends many distinct queries just recomputes.
MEMO_SIZE = 512
# Ownership and noise rules are mostly about services and error types.
PREPARED_FACETS = ("service", "@error.type")
Positions = AbstractSet[int]


@dataclass
class _Memo:
    node: Node
    positions: set[int]
    on_writable_facet: bool


class SearchIndex:
    """The issues of a store, indexed for search; not thread-safe (the store locks)."""

    def __init__(self, issues: Iterable[SandboxIssue] = ()) -> None:
        self._issues: list[SandboxIssue] = []
        self._position: dict[str, int] = {}
        self._built = False
        for issue in issues:
            self.put(issue)

    def put(self, issue: SandboxIssue) -> None:
        """Add or replace an issue with any attribute changed; the index is rebuilt lazily."""
        position = self._position.get(issue.id)
        if position is None:
            self._position[issue.id] = len(self._issues)
            self._issues.append(issue)
        else:
            self._issues[position] = issue
        self._built = False

    def replace(self, old: SandboxIssue, new: SandboxIssue) -> None:
        """Take in a write to one issue, which changes only its state, assignee or case."""
        position = self._position[new.id]
        self._issues[position] = new
        if not self._built or old.state is new.state:
            return
        self._by_state[old.state].discard(position)
        self._by_state[new.state].add(position)
        for key in WRITABLE_FACETS.intersection(self._postings):
            postings = self._postings[key]
            facet = FACETS[key]
            for value in facet(old):
                postings.get(value, set()).discard(position)
            for value in facet(new):
                postings.setdefault(value, set()).add(position)
        lookup = facet_lookup(new)
        for memo in self._memo.values():
            if not memo.on_writable_facet:
                continue
            if matches(memo.node, lookup):
                memo.positions.add(position)
            else:
                memo.positions.discard(position)

    def prepare(self) -> None:
        """Build the index now, with the facets most queries test, rather than on demand."""
        if not self._built:
            self._build()
        for key in PREPARED_FACETS:
            self._postings_of(key)

    def search(self, criteria: SearchRequest) -> list[SandboxIssue]:
        """The issues the search returns, best first, at most SEARCH_CAP; raises ApiAnswer."""
        if not self._built:
            self._build()
        found = self._window_and_filters(criteria)
        if criteria.assignee_ids:
            assignees = set(criteria.assignee_ids)
            found = [p for p in found if self._issues[p].assignee_id in assignees]
        if criteria.team_ids:
            teams = set(criteria.team_ids)
            found = [p for p in found if not teams.isdisjoint(self._issues[p].team_ids)]
        rank = self._rank(criteria.order_by or "TOTAL_COUNT")
        best = heapq.nsmallest(SEARCH_CAP, found, key=rank.__getitem__)
        return [self._issues[p] for p in best]

    # ----------------------------------------------------------------------- planning

    def _window_and_filters(self, criteria: SearchRequest) -> list[int]:
        sets: list[Positions] = []
        query = self._matching(criteria.query)
        if query is not self._universe:
            sets.append(query)
        if criteria.states:
            groups = [self._by_state[state] for state in set(criteria.states)]
            sets.append(groups[0] if len(groups) == 1 else set().union(*groups))
        if criteria.track is not None:
            sets.append(self._by_track[criteria.track])
        if criteria.persona is not None and criteria.persona is not Persona.ALL:
            sets.append(self._by_persona[criteria.persona])
        sets.sort(key=len)
        since, until = criteria.from_ms, criteria.to_ms
        first, last = self._first, self._last
        # Active in [since, until): first_seen < until (a prefix by first_seen) and
        # last_seen >= since (a suffix by last_seen).
        started = bisect_left(self._first_sorted, until)
        ended = bisect_left(self._last_sorted, since)
        still_active = len(self._issues) - ended
        smallest = len(sets[0]) if sets else len(self._issues)
        if min(started, still_active) < smallest:
            if started <= still_active:
                found = [p for p in self._by_first[:started] if last[p] >= since]
            else:
                found = [p for p in self._by_last[ended:] if first[p] < until]
            for group in sets:
                found = [p for p in found if p in group]
            return found
        base = sets[0] if sets else self._universe
        if len(sets) > 1:
            base = base & sets[1]
            for group in sets[2:]:
                base = base & group
        return [p for p in base if first[p] < until and last[p] >= since]

    def _matching(self, query: str) -> Positions:
        memo = self._memo.get(query)
        if memo is not None:
            self._memo.move_to_end(query)
            return memo.positions
        node = parse_query(query)
        if isinstance(node, MatchAll):
            return self._universe
        found = self._evaluate(node)
        positions = found if isinstance(found, set) else set(found)
        self._memo[query] = _Memo(node, positions, _tests_writable_facet(node))
        if len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)
        return positions

    def _evaluate(self, node: Node) -> Positions:
        """The positions matching `node`; never one of the index's own sets."""
        if isinstance(node, Term | Range):
            postings = self._postings_of(node.key)
            hits = [ps for value, ps in postings.items() if matches(node, _only(value))]
            return set().union(*hits)
        if isinstance(node, And):
            wanted = [item for item in node.items if not isinstance(item, Not)]
            unwanted = [item.item for item in node.items if isinstance(item, Not)]
            parts = sorted((self._evaluate(item) for item in wanted), key=len)
            result = set(parts[0]) if parts else set(self._universe)
            for part in parts[1:]:
                result &= part
            for item in unwanted:
                if not result:
                    break
                result -= self._evaluate(item)
            return result
        if isinstance(node, Or):
            return set().union(*(self._evaluate(item) for item in node.items))
        if isinstance(node, Not):
            return self._universe - self._evaluate(node.item)
        if isinstance(node, MatchAll):
            return set(self._universe)
        # A node this index does not know: the query package decides issue by issue.
        return {p for p, issue in enumerate(self._issues) if matches(node, facet_lookup(issue))}

    # ----------------------------------------------------------------------- building

    def _build(self) -> None:
        issues = self._issues
        count = len(issues)
        self._universe = frozenset(range(count))
        self._by_state: dict[State, set[int]] = {state: set() for state in State}
        by_track: dict[Track, set[int]] = {track: set() for track in Track}
        by_persona: dict[Persona, set[int]] = {p: set() for p in Persona if p is not Persona.ALL}
        for position, issue in enumerate(issues):
            self._by_state[issue.state].add(position)
            by_track[issue.track].add(position)
            for persona, group in by_persona.items():
                if issue.in_persona(persona):
                    group.add(position)
        self._by_track = {track: frozenset(group) for track, group in by_track.items()}
        self._by_persona = {persona: frozenset(group) for persona, group in by_persona.items()}
        self._first = [issue.first_seen for issue in issues]
        self._last = [issue.last_seen for issue in issues]
        self._by_first = sorted(range(count), key=self._first.__getitem__)
        self._first_sorted = [self._first[p] for p in self._by_first]
        self._by_last = sorted(range(count), key=self._last.__getitem__)
        self._last_sorted = [self._last[p] for p in self._by_last]
        self._ranks: dict[str, list[int]] = {}
        self._postings: dict[str | None, dict[str, set[int]]] = {}
        self._memo: OrderedDict[str, _Memo] = OrderedDict()
        self._built = True

    def _postings_of(self, key: str | None) -> dict[str, set[int]]:
        postings = self._postings.get(key)
        if postings is None:
            postings = {}
            facet = FACETS.get(key)
            if facet is not None:
                for position, issue in enumerate(self._issues):
                    for value in facet(issue):
                        postings.setdefault(value, set()).add(position)
            self._postings[key] = postings
        return postings

    def _rank(self, order_by: str) -> list[int]:
        rank = self._ranks.get(order_by)
        if rank is None:
            key = order_key(order_by)
            issues = self._issues
            order = sorted(range(len(issues)), key=lambda p: key(issues[p]))
            rank = [0] * len(issues)
            for place, position in enumerate(order):
                rank[position] = place
            self._ranks[order_by] = rank
        return rank


def _only(value: str) -> Callable[[str | None], Sequence[str]]:
    return lambda _key: (value,)


def _tests_writable_facet(node: Node) -> bool:
    if isinstance(node, Term | Range):
        return node.key in WRITABLE_FACETS
    if isinstance(node, And | Or):
        return any(_tests_writable_facet(item) for item in node.items)
    if isinstance(node, Not):
        return _tests_writable_facet(node.item)
    # MatchAll tests nothing; an unknown node may test anything.
    return not isinstance(node, MatchAll)
