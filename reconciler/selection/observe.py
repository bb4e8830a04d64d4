"""Everything a plan needs from the live side: users, every rule's selection, pins."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from reconciler.collector import few_collections
from reconciler.errors import NotFoundError, PinNotFoundError, ReconcilerError
from reconciler.model import (
    DEFAULT_PARALLELISM,
    Config,
    Issue,
    IssueApi,
    Observed,
    Pin,
    PinProgress,
    ProgressHook,
    Source,
)
from reconciler.selection.failures import Failure, collect, raise_all
from reconciler.selection.rules import parsing_once, select_rules
from reconciler.selection.users import resolve_users


def observe(
    api: IssueApi,
    config: Config,
    now_ms: int,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    api_url: str = "",
    ui_host: str | None = None,
    references: Mapping[str, Source] | None = None,
    progress: ProgressHook | None = None,
) -> Observed:
    """Look up every user the config names (or `references` names, when given), run every
    rule's selection and fetch every pinned issue; `api_url` and `ui_host` say where, for
    the plan.

    A pin whose issue answers 404 is kept in `Observed.missing_pins` rather than
    raised, unless something else failed too: then it is one more of the errors.
    Raises PlanFailed with every error found, in config order (users first, since
    nothing is searched while one is unknown). `progress` hears each rule's
    `RuleProgress` and the pins fetched (`PinProgress`), from worker threads.
    """
    users = resolve_users(api, config, parallelism=parallelism, references=references)
    errors: list[Failure] = []
    issues: dict[str, Issue] = {}
    selections: dict[str, frozenset[str]] = {}
    missing: list[Pin] = []
    missing_errors: list[Failure] = []
    with (
        few_collections(),
        parsing_once(api),
        ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool,
    ):
        selected = select_rules(
            api, config.rules, now_ms, parallelism=parallelism, progress=progress
        )
        for position, (rule, found) in enumerate(zip(config.rules, selected, strict=True)):
            if isinstance(found, ReconcilerError):
                errors.append(((0, position), found))
                continue
            selections[rule.name] = frozenset(issue.id for issue in found)
            for issue in found:
                # The first rule in config order wins when searches saw different
                # snapshots of one issue, so a rerun observes the same thing.
                issues.setdefault(issue.id, issue)
        # A searched issue is as fresh as a GET; only pins no search returned cost a
        # call. When a search failed its issues are unknown, so those pins are fetched.
        to_fetch = [pin for pin in config.pins if pin.issue_id.lower() not in issues]
        fetch = _fetch_pin if progress is None else _counted(_fetch_pin, len(to_fetch), progress)
        fetches = [pool.submit(fetch, api, pin) for pin in to_fetch]
        fetched = collect(fetches, 1, errors)
        for position, (pin, pinned) in enumerate(zip(to_fetch, fetched, strict=True)):
            if isinstance(pinned, Issue):
                issues[pinned.id] = pinned
            elif isinstance(pinned, _Missing):
                missing.append(pin)
                error = PinNotFoundError(pin.issue_id, pin.source.file_line)
                missing_errors.append(((1, position), error))
    if errors:
        raise_all([*errors, *missing_errors])
    return Observed(
        issues=issues,
        selections=selections,
        users=users,
        missing_pins=tuple(missing),
        api_url=api_url,
        ui_host=ui_host,
    )


class _Missing:
    """The answer for a pinned issue that does not exist (404)."""


_MISSING = _Missing()


def _counted(
    fetch: Callable[[IssueApi, Pin], Issue | _Missing], total: int, progress: ProgressHook
) -> Callable[[IssueApi, Pin], Issue | _Missing]:
    """`fetch`, telling `progress` how many of the `total` pins have been fetched."""
    lock = threading.Lock()
    done = 0

    def counted(api: IssueApi, pin: Pin) -> Issue | _Missing:
        nonlocal done
        try:
            return fetch(api, pin)
        finally:
            with lock:
                done += 1
                progress(PinProgress(done, total))

    return counted


def _fetch_pin(api: IssueApi, pin: Pin) -> Issue | _Missing:
    """The pinned issue, or _MISSING when it does not exist."""
    try:
        return api.get_issue(pin.issue_id)
    except NotFoundError:
        return _MISSING
