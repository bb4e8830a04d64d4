"""What `plan --base` finds the config change does to ownership, for the text and the
Markdown plan: coverage before -> after, owner moves per owner, newly unowned issues."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reconciler.model import OwnershipDelta, is_uuid
from reconciler.render.common import clean, plural
from reconciler.render.inert import escape
from reconciler.render.report import percent

# The Markdown block is summary and always kept, so it is bounded: the rest is in the
# text and the JSON plan.
MARKDOWN_OWNERS = 6
MARKDOWN_ISSUES = 3
LABEL_LIMIT = 60


def coverage_change(delta: OwnershipDelta, arrow: str = "->") -> str:
    """`10 of 14 open and acknowledged issues owned -> 12 of 14 (71.4% -> 85.7%)`"""
    before, after = delta.before, delta.after
    return (
        f"{before.owned:,} of {before.total:,} open and acknowledged issues owned {arrow} "
        f"{after.owned:,} of {after.total:,} ({percent(before.owned, before.total)} {arrow} "
        f"{percent(after.owned, after.total)})"
    )


def owner_moves(
    delta: OwnershipDelta,
    users: Mapping[str, str],
    limit: int | None = None,
    name: Callable[[str], str] = lambda text: text,
) -> str:
    """`+12 alice@example.com, -12 bob@example.com`, the biggest changes first."""
    moves = delta.per_owner()
    shown = moves if limit is None else moves[:limit]
    text = ", ".join(
        f"{n:+d} {name(clean(users.get(user, user), LABEL_LIMIT))}" for user, n in shown
    )
    if len(moves) > len(shown):
        text += f", and {plural(len(moves) - len(shown), 'more owner')}"
    return text


def ownership_text(delta: OwnershipDelta, users: Mapping[str, str]) -> list[str]:
    """The text plan's ownership section, every newly unowned issue listed."""
    lines = [f"Ownership (base config -> this one): {coverage_change(delta)}"]
    moved = len(delta.moves)
    if moved:
        lines.append(f"  {plural(moved, 'issue')} change owner: {owner_moves(delta, users)}")
    if delta.newly_unowned:
        lines.append(f"  Newly unowned: {plural(len(delta.newly_unowned), 'issue')}")
        lines.extend(f"    {issue_id}" for issue_id in delta.newly_unowned)
    return lines


def ownership_markdown(
    delta: OwnershipDelta, users: Mapping[str, str], issue: Callable[[str], str]
) -> str:
    """The Markdown plan's ownership lines, right under the verdict; `issue` renders an
    issue id (linked to its Datadog page when the plan knows the UI host)."""
    lines = [f"**Ownership:** {coverage_change(delta, '→')}"]
    if delta.moves:
        moves = owner_moves(delta, users, MARKDOWN_OWNERS, _user)
        lines.append(f"**Owner moves** ({plural(len(delta.moves), 'issue')}): {moves}")
    unowned = delta.newly_unowned
    if unowned:
        listed = ", ".join(issue(issue_id) for issue_id in unowned[:MARKDOWN_ISSUES])
        more = len(unowned) - MARKDOWN_ISSUES
        tail = f", and {more} more (the JSON plan lists every move)" if more > 0 else ""
        lines.append(f"**Newly unowned:** {plural(len(unowned), 'issue')}: {listed}{tail}")
    return "<br>\n".join(lines)


def _user(label: str) -> str:
    """A user's label made inert; a bare UUID (no label known) as code."""
    return f"`{label}`" if is_uuid(label) else escape(label)
