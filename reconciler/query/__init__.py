"""Parse and evaluate the Datadog event-search subset that rules use as `query`.

`parse` turns the text into a tree of nodes and `matches` decides whether an
issue, seen through a lookup of its values by key, satisfies that tree.

- `ast`: the node types (`Term`, `Range`, `And`, `Or`, `Not`, `MatchAll`).
- `lexer`: the tokenizer, which also reads quoted values, escapes and ranges.
- `parser`: the grammar and `parse`, with syntax errors at 0-based positions.
- `evaluate`: the matching rules and `matches`.
- `compose`: the narrowed queries that split a search (`narrowed`, `FacetClause`, `quote`).
"""

from __future__ import annotations

from reconciler.query.ast import And, MatchAll, Node, Not, Or, Range, Term
from reconciler.query.compose import FacetClause, narrowed, quote
from reconciler.query.evaluate import Lookup, matches
from reconciler.query.parser import parse

__all__ = [
    "And",
    "FacetClause",
    "Lookup",
    "MatchAll",
    "Node",
    "Not",
    "Or",
    "Range",
    "Term",
    "matches",
    "narrowed",
    "parse",
    "quote",
]
