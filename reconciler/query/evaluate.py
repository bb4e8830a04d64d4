"""Decide whether an issue matches a parsed query.

- `key:value` compares whole values, case-insensitively; `*` (any run) and `?`
  (one character) are wildcards outside quotes, `\\` escapes them.
- Free text (no key) is a case-insensitive substring search over the free-text
  fields; wildcards in free text match inside the text the same way.
- `key:*` matches any issue that has at least one value for the key.
- Ranges and comparisons hold when any value of the key is a number in range.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reconciler.query.ast import And, Node, Not, Or, Range, Term

Lookup = Callable[[str | None], Sequence[str]]


def matches(node: Node, lookup: Lookup) -> bool:
    """Whether an issue, seen through `lookup(key)` (None = free-text fields), matches `node`."""
    if isinstance(node, Term):
        return _term_matches(node, lookup(node.key))
    if isinstance(node, And):
        return all(matches(item, lookup) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, lookup) for item in node.items)
    if isinstance(node, Not):
        return not matches(node.item, lookup)
    if isinstance(node, Range):
        return any(_in_range(node, value) for value in lookup(node.key))
    return True


def _term_matches(term: Term, values: Sequence[str]) -> bool:
    if term._regex is not None:
        regex = term._regex
        if term.key is None:
            return any(regex.search(value) for value in values)
        return any(regex.match(value) for value in values)
    if term.key is None:
        return any(term._folded in value.casefold() for value in values)
    return any(term._folded == value.casefold() for value in values)


def _in_range(node: Range, text: str) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    if math.isnan(number):
        return False
    if node.low is not None and (
        number < node.low or (number == node.low and not node.low_inclusive)
    ):
        return False
    return node.high is None or number < node.high or (number == node.high and node.high_inclusive)
