"""The live side: complete rule selections, pinned issues and referenced users.

Talks to Datadog only through the `IssueApi` protocol. The search endpoint
returns at most SEARCH_CAP issues with no cursor, so a full answer is treated as
truncated and the search is split until every slice is short (CONTRACT 4.5): first
the `states` filter into one state per call, then the time window in halves down to
one minute.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from reconciler.errors import (
    NotFoundError,
    PinNotFoundError,
    PlanFailed,
    ReconcilerError,
    TruncatedSelectionError,
    UserLookupError,
)
from reconciler.model import (
    SEARCH_CAP,
    Config,
    Issue,
    IssueApi,
    Observed,
    Pin,
    Rule,
    SearchRequest,
    Source,
    State,
    User,
)

__all__ = ["observe", "resolve_users", "select_rule"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

MIN_SLICE_MS = 60_000  # below one minute the window is not split further
# A guard, not a limit users should meet: ~2,000 calls list ~80,000 issues spread over
# a window, while a pathological spread could take ~86,000 one-minute calls for 30 days.
MAX_SEARCHES_PER_RULE = 2000


@dataclass
class _Search:
    """One rule's search, split as deep as the cap requires."""

    api: IssueApi
    rule: Rule
    budget: int
    calls: int = 0

    def run(self, from_ms: int, to_ms: int, states: tuple[State, ...]) -> list[Issue]:
        if self.calls >= self.budget:
            raise TruncatedSelectionError(
                self.rule.name,
                str(self.rule.source),
                _describe(from_ms, to_ms, states),
                searches=self.calls,
            )
        request = SearchRequest(
            query=self.rule.query,
            from_ms=from_ms,
            to_ms=to_ms,
            track=self.rule.track,
            persona=self.rule.persona,
            states=states,
        )
        self.calls += 1
        found = self.api.search(request)
        if len(found) < SEARCH_CAP:
            return found
        if len(states) > 1:
            # One state at a time first: at most five more calls, and it separates
            # issues active all window long, which no time split ever can.
            return [issue for state in states for issue in self.run(from_ms, to_ms, (state,))]
        if to_ms - from_ms > MIN_SLICE_MS:
            middle = from_ms + (to_ms - from_ms) // 2
            return self.run(from_ms, middle, states) + self.run(middle, to_ms, states)
        raise TruncatedSelectionError(
            self.rule.name, str(self.rule.source), _describe(from_ms, to_ms, states)
        )


def _describe(from_ms: int, to_ms: int, states: tuple[State, ...]) -> str:
    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    which = ",".join(states) if states else "any state"
    return f"from {iso(from_ms)} to {iso(to_ms)}, states {which}"


def select_rule(
    api: IssueApi, rule: Rule, now_ms: int, *, max_searches: int = MAX_SEARCHES_PER_RULE
) -> list[Issue]:
    """Every issue a rule's search returns over its window, sorted by id.

    Raises TruncatedSelectionError when a one-minute, one-state slice is still
    full or after `max_searches` calls, and whatever the api raises (ApiError,
    NetworkError).
    """
    search = _Search(api, rule, budget=max_searches)
    found = search.run(now_ms - rule.window_s * 1000, now_ms, tuple(rule.search_states))
    unique = {issue.id: issue for issue in found}
    logger.debug("rule %r: %d issue(s) in %d search call(s)", rule.name, len(unique), search.calls)
    return [unique[issue_id] for issue_id in sorted(unique)]


def observe(
    api: IssueApi,
    config: Config,
    now_ms: int,
    *,
    parallelism: int = 4,
    api_url: str = "",
    ui_host: str | None = None,
) -> Observed:
    """Look up every user the config names, run every rule's selection and fetch every
    pinned issue; `api_url` and `ui_host` say where, for the plan.

    A pin whose issue answers 404 is kept in `Observed.missing_pins` rather than
    raised, unless something else failed too: then it is one more of the errors.
    Raises PlanFailed with every error found, in config order (users first, since
    nothing is searched while one is unknown).
    """
    users = resolve_users(api, config, parallelism=parallelism)
    errors: list[_Failure] = []
    issues: dict[str, Issue] = {}
    selections: dict[str, frozenset[str]] = {}
    missing: list[Pin] = []
    missing_errors: list[_Failure] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        searches = [pool.submit(select_rule, api, rule, now_ms) for rule in config.rules]
        selected = _collect(searches, 0, errors)
        for rule, found in zip(config.rules, selected, strict=True):
            if found is None:
                continue
            selections[rule.name] = frozenset(issue.id for issue in found)
            for issue in found:
                # The first rule in config order wins when searches saw different
                # snapshots of one issue, so a rerun observes the same thing.
                issues.setdefault(issue.id, issue)
        # A searched issue is as fresh as a GET; only pins no search returned cost a
        # call. When a search failed its issues are unknown, so those pins are fetched.
        to_fetch = [pin for pin in config.pins if pin.issue_id.lower() not in issues]
        fetches = [pool.submit(_fetch_pin, api, pin) for pin in to_fetch]
        fetched = _collect(fetches, 1, errors)
        for position, (pin, pinned) in enumerate(zip(to_fetch, fetched, strict=True)):
            if isinstance(pinned, Issue):
                issues[pinned.id] = pinned
            elif isinstance(pinned, _Missing):
                missing.append(pin)
                error = PinNotFoundError(pin.issue_id, pin.source.file_line)
                missing_errors.append(((1, position), error))
    if errors:
        _raise_all([*errors, *missing_errors])
    return Observed(
        issues=issues,
        selections=selections,
        users=users,
        missing_pins=tuple(missing),
        api_url=api_url,
        ui_host=ui_host,
    )


_Failure = tuple[tuple[int, int], ReconcilerError]  # (order in the config, error)


def _collect(futures: Sequence[Future[_T]], group: int, errors: list[_Failure]) -> list[_T | None]:
    """Each future's result, or None after recording its error in `errors`."""
    results: list[_T | None] = []
    for position, future in enumerate(futures):
        try:
            results.append(future.result())
        except ReconcilerError as exc:
            errors.append(((group, position), exc))
            results.append(None)
    return results


class _Missing:
    """The answer for a pinned issue that does not exist (404)."""


_MISSING = _Missing()


def _fetch_pin(api: IssueApi, pin: Pin) -> Issue | _Missing:
    """The pinned issue, or _MISSING when it does not exist."""
    try:
        return api.get_issue(pin.issue_id)
    except NotFoundError:
        return _MISSING


def resolve_users(api: IssueApi, config: Config, *, parallelism: int = 4) -> dict[str, User]:
    """The active user behind every email or handle the config names (UUIDs need none).

    Raises PlanFailed with every unknown or disabled user, each with FILE:LINE.
    """
    references = sorted(config.user_references().items(), key=lambda item: _position(item[1]))
    errors: list[_Failure] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        lookups = [pool.submit(_find_user, api, ref, src) for ref, src in references]
        users = _collect(lookups, 0, errors)
    _raise_all(errors)
    return {
        reference: user
        for (reference, _), user in zip(references, users, strict=True)
        if user is not None
    }


def _position(source: Source) -> tuple[str, int, int]:
    return (source.file, source.line, source.col)


def _find_user(api: IssueApi, reference: str, source: Source) -> User:
    """The active user a reference names; raises UserLookupError with its FILE:LINE."""
    try:
        user = api.find_user(reference)
    except UserLookupError as exc:
        raise UserLookupError(exc.reference, exc.reason, source.file_line) from exc
    if user.disabled:
        reason = "is disabled in Datadog; assign an active user"
        raise UserLookupError(reference, reason, source.file_line)
    return user


def _raise_all(errors: Iterable[_Failure]) -> None:
    """Raise PlanFailed with every distinct error, in config order."""
    unique: dict[tuple[type[ReconcilerError], str], ReconcilerError] = {}
    # One bad key fails every rule's search the same way: report it once.
    for _, error in sorted(errors, key=_order_key):
        unique.setdefault((type(error), str(error)), error)
    if unique:
        raise PlanFailed(list(unique.values()))


def _order_key(entry: _Failure) -> tuple[tuple[int, int], str]:
    return entry[0], str(entry[1])
