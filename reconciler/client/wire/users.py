"""Users and pages of ListUsers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.model import User

from .values import as_list, as_mapping, read_int, read_text, resource_id


def parse_user(resource: object) -> User:
    """A `users` resource as a User; raises ResponseShapeError when it has no id."""
    data = as_mapping(resource, "user")
    user_id = resource_id(data, "user")
    attributes = data.get("attributes")
    if not isinstance(attributes, Mapping):
        attributes = {}
    return User(
        id=user_id,
        email=read_text(attributes.get("email")),
        handle=read_text(attributes.get("handle")),
        name=read_text(attributes.get("name")),
        disabled=attributes.get("disabled") is True,
        status=read_text(attributes.get("status")),
    )


@dataclass(frozen=True)
class UsersPage:
    """One page of ListUsers; `total` is `meta.page.total_filtered_count` when sent."""

    users: tuple[User, ...]
    total: int | None


def parse_users_document(document: object) -> UsersPage:
    """A UsersResponse page; raises ResponseShapeError."""
    body = as_mapping(document, "response")
    users = tuple(parse_user(raw) for raw in as_list(body.get("data"), "data"))
    meta = body.get("meta")
    page = meta.get("page") if isinstance(meta, Mapping) else None
    total = read_int(page.get("total_filtered_count")) if isinstance(page, Mapping) else None
    return UsersPage(users=users, total=total)
