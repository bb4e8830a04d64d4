"""Write the narrowed queries that split a search: `(Q) key:"value"` and its complement.

Values are always quoted, so spaces, colons, `*`, `?` and the other characters the
search syntax reserves are literal; inside quotes only `"` and `\\` need a `\\`
(the lexer reads `\\x` inside quotes as `x`). Keys are the reserved tags and `@`
attributes the splitting uses, written as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def quote(value: str) -> str:
    """`value` as a quoted search value that matches exactly that text."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@dataclass(frozen=True)
class FacetClause:
    """`key:"value"`, or `-key:"value"` when `negated`: one side of a query split."""

    key: str
    value: str
    negated: bool = False

    @property
    def text(self) -> str:
        return f"{'-' if self.negated else ''}{self.key}:{quote(self.value)}"


def narrowed(query: str, clauses: Sequence[FacetClause]) -> str:
    """`query` ANDed with every clause; the query is parenthesized so an OR in it binds first.

    A query of `*` (or nothing) matches every issue, so the clauses stand alone.
    """
    if not clauses:
        return query
    tail = " ".join(clause.text for clause in clauses)
    if query.strip() in ("", "*"):
        return tail
    return f"({query}) {tail}"
