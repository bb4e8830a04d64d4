"""Choosing the one user an email or handle names, among ListUsers matches."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.errors import UserLookupError
from reconciler.model import User

USERS_PAGE_SIZE = 100


def user_keys(user: User) -> set[str]:
    """What a reference may equal to name this user: its email and handle, casefolded."""
    return {key.casefold() for key in (user.email, user.handle) if key}


def is_disabled(user: User) -> bool:
    return user.disabled or (user.status or "").casefold() == "disabled"


def pick_user(reference: str, matches: Sequence[User]) -> User:
    """The one enabled user among exact matches, an email match beating a handle match;
    raises UserLookupError when there is none, only disabled ones, or several."""
    if not matches:
        raise UserLookupError(
            reference, "matches no user (by email or handle) in this organization"
        )
    enabled = [user for user in matches if not is_disabled(user)]
    if not enabled:
        raise UserLookupError(
            reference, "is disabled in this organization; assign the issues to someone else"
        )
    wanted = reference.strip().casefold()
    by_email = [user for user in enabled if user.email and user.email.casefold() == wanted]
    chosen = {user.id: user for user in (by_email or enabled)}
    if len(chosen) > 1:
        ids = ", ".join(sorted(chosen))
        raise UserLookupError(reference, f"matches several users ({ids}); use the user's UUID")
    return next(iter(chosen.values()))
