"""What a config change does to ownership (`plan --base`, CONTRACT 6 `ownership`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Owned:
    """Of `total` open and acknowledged issues, `owned` have an assignee."""

    owned: int
    total: int

    def to_json(self) -> dict[str, int]:
        return {"owned": self.owned, "total": self.total}


@dataclass(frozen=True)
class Move:
    """One issue whose assignee after apply differs between the base config and this one
    (user UUIDs, None for unassigned)."""

    issue_id: str
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, str | None]:
        return {"issue_id": self.issue_id, "from": self.before, "to": self.after}


@dataclass(frozen=True)
class OwnershipDelta:
    """Coverage after applying the base config and after applying this one, over the same
    issues, and every issue that changes owner between the two (sorted by issue id).

    `newly_unowned` are the open and acknowledged issues owned under the base config and
    unowned under this one.
    """

    before: Owned
    after: Owned
    moves: tuple[Move, ...] = ()
    newly_unowned: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "moves", tuple(sorted(self.moves, key=lambda m: m.issue_id)))
        object.__setattr__(self, "newly_unowned", tuple(sorted(self.newly_unowned)))

    def to_json(self) -> dict[str, Any]:
        return {
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "moves": [move.to_json() for move in self.moves],
        }

    def per_owner(self) -> list[tuple[str, int]]:
        """(user id, issues gained minus issues lost) for every owner whose count changes,
        the biggest change first; unassigned is left out (coverage says it)."""
        net: dict[str, int] = {}
        for move in self.moves:
            if move.after is not None:
                net[move.after] = net.get(move.after, 0) + 1
            if move.before is not None:
                net[move.before] = net.get(move.before, 0) - 1
        changed = [(user, n) for user, n in net.items() if n]
        # Gains before losses of the same size, then by id: the order is stable.
        return sorted(changed, key=lambda item: (-abs(item[1]), -item[1], item[0]))
