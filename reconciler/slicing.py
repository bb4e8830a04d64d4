"""How a full search answer is split into smaller searches whose union is the same set.

The search endpoint returns at most SEARCH_CAP issues and has no cursor, so a full
answer is treated as truncated and its slice is replaced by parts that together
cover it (CONTRACT 4.5). The parts are chosen from what the answer shows:

- **time**, when the returned issues are spread over the slice. Their
  `first_seen` (or `last_seen`) values show at least this many issues within the
  span they cover, which gives a lower bound of the density; the slice is cut into
  as many equal parts as that density says are needed for each to hold about
  SLICE_TARGET issues, all at once, rather than in halves. A server that returns a
  random sample shows a density over the whole slice and the cut falls back to
  halves; one that honours `order_by: FIRST_SEEN` shows the newest issues packed
  together, which measures the density itself.
- **state**, one per call, when most returned issues are active over the whole
  slice, or are so long-lived that every time part would begin with most of them
  already active (no time cut can separate them).
- **the query**, when time and state cannot: on a per-issue facet whose values the
  returned issues show (`service`, then `@error.type`), one part per value seen
  (`(Q) service:"v"`) and one for the rest (`(Q) -service:"v1" -service:"v2"`), so
  the union is complete by construction.

When none applies (one state, every returned issue shares every facet, and either
the slice is one minute or they all span it), `split` returns None: the slice can
never be listed and the rule fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from reconciler.model import Issue, State
from reconciler.query import FacetClause

MIN_SLICE_MS = 60_000  # below one minute the window is not split further
# Each time part is sized to hold this many issues: under the cap of 100 with room
# for the density estimate's error, so that few parts come back full again.
SLICE_TARGET = 85
# How far back from a slice's end the density its answer shows is taken as it is,
# in multiples of the stretch that answer covered.
TRUSTED_SPANS = 16
# A slice whose answer shows a density within these ratios of the one it was sized
# for confirms it, and is cut evenly over its whole width.
AGREEING = (0.6, 1.6)
# Facets that every event of an issue shares, in the order the query is split on.
SPLIT_FACETS = ("service", "@error.type")
# Values of one facet given their own part at once; the rest share the remainder.
MAX_FACET_PARTS = 8


@dataclass(frozen=True)
class Slice:
    """One search of a rule: a time window, a `states` filter, and clauses added to its query."""

    from_ms: int
    to_ms: int
    states: tuple[State, ...]
    clauses: tuple[FacetClause, ...] = ()
    # The density (issues per ms) this slice was sized for, when a time cut made it.
    density: float | None = field(default=None, compare=False)

    @property
    def width_ms(self) -> int:
        return self.to_ms - self.from_ms

    def describe(self) -> str:
        """The slice in words, for an error message."""
        which = ",".join(self.states) if self.states else "any state"
        text = f"from {_iso(self.from_ms)} to {_iso(self.to_ms)}, states {which}"
        if self.clauses:
            text += ", narrowed by " + " ".join(clause.text for clause in self.clauses)
        return text


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def split(
    part: Slice, found: Sequence[Issue], *, max_parts: int, time_first: bool = True
) -> list[Slice] | None:
    """Slices that together select what `part` selects, from its full answer `found`.

    Returns None when nothing can split it further (see the module docstring).
    `max_parts` bounds a time cut (the searches the rule may still make); without
    `time_first`, time is cut only when neither state nor the query can split.
    """
    spanning = sum(1 for issue in found if _spans(issue, part))
    can_cut = part.width_ms > MIN_SLICE_MS and spanning < len(found)
    by_time = _time_parts(part, found, max_parts) if can_cut else None
    if by_time is not None and time_first and spanning < SLICE_TARGET // 2:
        return by_time
    by_state = _state_parts(part)
    by_facet = _facet_parts(part, found)
    # For a whole window of long-lived issues (not `time_first`) the query goes first:
    # nine parts at once, each over every state, where one per state would split each
    # state's issues by the query again.
    for parts in (by_state, by_facet) if time_first else (by_facet, by_state):
        if parts is not None:
            return parts
    if can_cut:
        # The last resort, even where the density says time cannot separate them.
        return by_time or _halves(part)
    return None


def shared_facets(found: Sequence[Issue]) -> str:
    """The facet values every issue in `found` shares, in words, for an error message."""
    shared = []
    for key in SPLIT_FACETS:
        values = {_facet(issue, key) for issue in found}
        if len(values) == 1:
            (value,) = values
            shared.append(f"{key} {value!r}" if value is not None else f"no {key}")
    return " and ".join(shared)


def _spans(issue: Issue, part: Slice) -> bool:
    """Whether the issue is active over the whole slice (no time cut can leave it out)."""
    first = issue.first_seen if issue.first_seen is not None else part.from_ms
    last = issue.last_seen if issue.last_seen is not None else part.to_ms
    return first <= part.from_ms and last >= part.to_ms - 1


def _state_parts(part: Slice) -> list[Slice] | None:
    if len(part.states) < 2:
        return None
    return [Slice(part.from_ms, part.to_ms, (state,), part.clauses) for state in part.states]


def is_time_cut(part: Slice, parts: Sequence[Slice]) -> bool:
    """Whether `parts` cut `part` in time (rather than by state or by the query)."""
    return all(p.states == part.states and p.clauses == part.clauses for p in parts)


def _halves(part: Slice) -> list[Slice]:
    middle = part.from_ms + part.width_ms // 2
    return [
        Slice(part.from_ms, middle, part.states, part.clauses),
        Slice(middle, part.to_ms, part.states, part.clauses),
    ]


def _time_parts(part: Slice, found: Sequence[Issue], max_parts: int) -> list[Slice] | None:
    """Time parts sized by the density the answer shows, from the slice's end backwards.

    The answer's issues that start inside the slice show at least that many issues
    between the earliest of them and the slice's end: a density there. Parts that
    should each hold about SLICE_TARGET issues at that density cover TRUSTED_SPANS
    times that stretch; further back the density is a guess, so each part is twice
    as long as the one after it, and a part that comes back full is sized by its own
    answer. A random sample (a server ignoring `order_by`) shows the whole slice,
    which gives two parts. None when the issues are so long-lived that time parts
    would hold mostly the same issues.
    """
    starts = [
        issue.first_seen
        for issue in found
        if issue.first_seen is not None and issue.first_seen >= part.from_ms
    ]
    span = max(part.to_ms - min(starts, default=part.from_ms), MIN_SLICE_MS)
    per_ms = max(len(starts), 1) / span
    trusted_from = part.to_ms - TRUSTED_SPANS * span
    if part.density is not None and AGREEING[0] <= per_ms / part.density <= AGREEING[1]:
        # The density this slice was sized for is confirmed: take it as uniform, and
        # average the two measurements.
        per_ms = (per_ms + part.density) / 2
        trusted_from = part.from_ms
    lengths = [
        min(issue.last_seen - issue.first_seen, part.width_ms)
        for issue in found
        if issue.first_seen is not None and issue.last_seen is not None
    ]
    carried_ms = max(sum(lengths) / len(lengths), 0.0) if lengths else 0.0
    if per_ms * carried_ms > SLICE_TARGET / 2:
        # Little's law: about `per_ms x carried_ms` issues are active at any moment, and
        # every part holds those it begins with. Past half the target each part is
        # mostly issues carried in from before it, so a cut would make many parts that
        # come back full (thousands of one-minute parts for long-lived issues).
        return None
    step = max(int(SLICE_TARGET / per_ms - carried_ms), MIN_SLICE_MS)
    bounds = [part.to_ms]
    while bounds[-1] > part.from_ms:
        if bounds[-1] <= trusted_from:
            step *= 2
        bounds.append(max(bounds[-1] - step, part.from_ms))
    if len(bounds) > 2 and bounds[-2] - bounds[-1] < MIN_SLICE_MS:
        del bounds[-2]  # too short a last part: the one before it takes it
    if len(bounds) < 3 or len(bounds) - 1 > max_parts:
        count = max(2, min(max_parts, len(bounds) - 1))
        bounds = [part.to_ms - part.width_ms * i // count for i in range(count + 1)]
    bounds.reverse()
    return [
        Slice(start, end, part.states, part.clauses, density=per_ms)
        for start, end in pairwise(bounds)
    ]


def _facet(issue: Issue, key: str) -> str | None:
    return issue.service if key == "service" else issue.error_type


def _facet_parts(part: Slice, found: Sequence[Issue]) -> list[Slice] | None:
    """One part per value of the first facet the answer shows several values of, plus the rest."""
    fixed = {clause.key for clause in part.clauses if not clause.negated}
    for key in SPLIT_FACETS:
        if key in fixed:
            continue
        counts: dict[str, int] = {}
        spelled: dict[str, str] = {}
        missing = False
        for issue in found:
            value = _facet(issue, key)
            if value is None:
                missing = True
                continue
            # The search compares values case-insensitively: one part per folded value.
            folded = value.casefold()
            counts[folded] = counts.get(folded, 0) + 1
            spelled.setdefault(folded, value)
        if len(counts) + missing < 2:
            continue
        chosen = sorted(counts, key=lambda folded: (-counts[folded], folded))[:MAX_FACET_PARTS]
        values = [spelled[folded] for folded in chosen]
        parts = [
            Slice(part.from_ms, part.to_ms, part.states, (*part.clauses, FacetClause(key, value)))
            for value in values
        ]
        rest = tuple(FacetClause(key, value, negated=True) for value in values)
        parts.append(Slice(part.from_ms, part.to_ms, part.states, (*part.clauses, *rest)))
        return parts
    return None
