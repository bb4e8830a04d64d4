"""The users a config names, looked up once each."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from reconciler.errors import UserLookupError
from reconciler.model import DEFAULT_PARALLELISM, Config, IssueApi, Source, User
from reconciler.selection.failures import Failure, collect, raise_all


def resolve_users(
    api: IssueApi,
    config: Config,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    references: Mapping[str, Source] | None = None,
) -> dict[str, User]:
    """The active user behind every email or handle the config names (UUIDs need none),
    or that `references` names when given.

    Raises PlanFailed with every unknown or disabled user, each with FILE:LINE.
    """
    named = config.user_references() if references is None else references
    ordered = sorted(named.items(), key=lambda item: _position(item[1]))
    errors: list[Failure] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        lookups = [pool.submit(_find_user, api, ref, src) for ref, src in ordered]
        users = collect(lookups, 0, errors)
    raise_all(errors)
    return {
        reference: user
        for (reference, _), user in zip(ordered, users, strict=True)
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
