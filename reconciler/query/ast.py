"""The nodes a parsed query is made of, which the evaluator walks.

Nodes are frozen and compare by value. A wildcard `Term` compiles its pattern
once, when it is built, so evaluating it against many issues does not recompile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class Term:
    """`key:value` (or free text when `key` is None).

    For a wildcard term, `value` is a pattern: `*` and `?` are wildcards and a
    literal `*`, `?` or `\\` is escaped with `\\`. Otherwise `value` is literal.
    """

    key: str | None
    value: str
    quoted: bool = False
    wildcard: bool = False
    _folded: str = field(init=False, repr=False, compare=False)
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", self.value.casefold())
        regex = (
            _wildcard_regex(self.value, anchored=self.key is not None) if self.wildcard else None
        )
        object.__setattr__(self, "_regex", regex)


@dataclass(frozen=True)
class Range:
    """A numeric comparison on `key`; a None bound is open."""

    key: str
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class MatchAll:
    """The lone `*`: every issue."""


Node = Term | Range | And | Or | Not | MatchAll


@cache
def _wildcard_regex(pattern: str, *, anchored: bool) -> re.Pattern[str]:
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append(re.escape(next(chars, "\\")))
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    body = "".join(parts)
    return re.compile(f"^{body}$" if anchored else body, re.IGNORECASE | re.DOTALL)
