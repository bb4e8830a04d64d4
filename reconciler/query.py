"""Parse and evaluate the Datadog event-search subset that rules use as `query`.

The grammar is small and its error positions must point at the user's text, so a
hand-written recursive-descent parser is simpler and more precise than a parser
generator dependency.

Grammar (operators are case-sensitive: `and` is a plain word)::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary)*          adjacent terms are ANDed
    unary    := ("NOT" | "-") unary | primary
    primary  := "(" or_expr ")" | KEY ":" "(" or_expr ")" | term
    term     := [KEY ":"] (WORD | "..." | ">" NUM | ">=" NUM | "<" NUM | "<=" NUM
                           | ("[" | "{") BOUND "TO" BOUND ("]" | "}"))

`NOT` binds tighter than `AND`, which binds tighter than `OR`, so `a OR b c`
means `a OR (b AND c)`. In `key:(a OR b)` the bare values take the key. A lone
`*` among free text matches every issue.

Matching rules:

- `key:value` compares whole values, case-insensitively; `*` (any run) and `?`
  (one character) are wildcards outside quotes, `\\` escapes them.
- Free text (no key) is a case-insensitive substring search over the free-text
  fields; wildcards in free text match inside the text the same way.
- `key:*` matches any issue that has at least one value for the key.
- Ranges and comparisons hold when any value of the key is a number in range.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from reconciler.errors import QuerySyntaxError

# --------------------------------------------------------------------------- AST


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

Lookup = Callable[[str | None], Sequence[str]]


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


# --------------------------------------------------------------------------- evaluation


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


# --------------------------------------------------------------------------- lexer

_OPERATORS = frozenset({"AND", "OR", "NOT"})
_STOP = frozenset(" \t\r\n()")


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "term", "group" (key:( ... ), "end"
    pos: int
    node: Term | Range | None = None
    key: str | None = None


class _Lexer:
    """Splits a query into tokens; raises QuerySyntaxError at the offending character."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.pos = 0

    def fail(self, position: int, reason: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, position, reason)

    def tokens(self) -> list[_Token]:
        found: list[_Token] = []
        text = self.query
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                found.append(_Token("end", self.pos))
                return found
            start, char = self.pos, text[self.pos]
            if char in "()":
                self.pos += 1
                found.append(_Token(char, start))
            elif char == "-":
                if start + 1 >= len(text) or text[start + 1].isspace():
                    raise self.fail(start, "'-' must be directly followed by the term it negates")
                self.pos += 1
                found.append(_Token("-", start))
            elif char == '"':
                found.append(_Token("term", start, self._quoted(None)))
            else:
                found.append(self._word_or_term(start))

    def _word_or_term(self, start: int) -> _Token:
        text = self.query
        raw, literal, _pattern, _wild = self._word(stop_at_colon=True)
        if self.pos < len(text) and text[self.pos] == ":":
            if not literal:
                raise self.fail(start, "missing key before ':'")
            self.pos += 1
            return self._value(start, literal)
        if raw in _OPERATORS:
            return _Token(raw, start)
        return _Token("term", start, self._plain(None, start))

    def _value(self, start: int, key: str) -> _Token:
        text = self.query
        at = self.pos
        nxt = text[at] if at < len(text) else ""
        if nxt == "" or nxt.isspace() or nxt == ")":
            raise self.fail(at, f"missing value after '{key}:'")
        if nxt == "(":
            return _Token("group", start, key=key)
        if nxt == '"':
            return _Token("term", start, self._quoted(key))
        if nxt in "[{":
            return _Token("term", start, self._range(key))
        if nxt in "<>":
            return _Token("term", start, self._comparison(key))
        return _Token("term", start, self._plain(key, at))

    def _plain(self, key: str | None, start: int) -> Term:
        self.pos = start
        _raw, literal, pattern, wildcard = self._word(stop_at_colon=False)
        return Term(key, pattern if wildcard else literal, wildcard=wildcard)

    def _word(self, *, stop_at_colon: bool) -> tuple[str, str, str, bool]:
        """Read an unquoted word: (raw text, unescaped text, wildcard pattern, has wildcard)."""
        text = self.query
        start = self.pos
        literal: list[str] = []
        pattern: list[str] = []
        wildcard = False
        while self.pos < len(text):
            char = text[self.pos]
            if char in _STOP or (stop_at_colon and char == ":"):
                break
            if char == '"':
                raise self.fail(self.pos, "unexpected '\"' inside a word; quote the whole value")
            if char == "\\":
                if self.pos + 1 >= len(text):
                    raise self.fail(self.pos, "'\\' at the end of the query escapes nothing")
                escaped = text[self.pos + 1]
                literal.append(escaped)
                pattern.append("\\" + escaped if escaped in "*?\\" else escaped)
                self.pos += 2
                continue
            if char in "*?":
                wildcard = True
            literal.append(char)
            pattern.append(char)
            self.pos += 1
        return text[start : self.pos], "".join(literal), "".join(pattern), wildcard

    def _quoted(self, key: str | None) -> Term:
        text = self.query
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return Term(key, "".join(chars), quoted=True)
            if char == "\\" and self.pos + 1 < len(text):
                char = text[self.pos + 1]
                self.pos += 1
            chars.append(char)
            self.pos += 1
        raise self.fail(start, "unterminated quoted value (missing closing '\"')")

    def _number(self, what: str) -> float | None:
        text = self.query
        start = self.pos
        while (
            self.pos < len(text) and not text[self.pos].isspace() and text[self.pos] not in "()]}"
        ):
            self.pos += 1
        word = text[start : self.pos]
        if word == "*" and what == "range bound":
            return None
        try:
            number = float(word)
        except ValueError:
            number = math.nan
        if math.isnan(number) or not word:
            raise self.fail(start, f"expected a number as {what}, got {word!r}")
        return number

    def _comparison(self, key: str) -> Range:
        text = self.query
        op = text[self.pos]
        self.pos += 1
        inclusive = self.pos < len(text) and text[self.pos] == "="
        if inclusive:
            self.pos += 1
        number = self._number(f"the bound after '{op}{'=' if inclusive else ''}'")
        if op == ">":
            return Range(key, low=number, low_inclusive=inclusive)
        return Range(key, high=number, high_inclusive=inclusive)

    def _range(self, key: str) -> Range:
        text = self.query
        opener = self.pos
        self.pos += 1
        self._skip_spaces()
        low = self._number("range bound")
        self._skip_spaces()
        if text[self.pos : self.pos + 2] != "TO":
            raise self.fail(self.pos, "expected 'TO' in the range, as in [1 TO 5]")
        self.pos += 2
        self._skip_spaces()
        high = self._number("range bound")
        self._skip_spaces()
        if self.pos >= len(text) or text[self.pos] not in "]}":
            raise self.fail(opener, "unterminated range (missing ']' or '}')")
        closer = text[self.pos]
        self.pos += 1
        return Range(key, low, high, text[opener] == "[", closer == "]")

    def _skip_spaces(self) -> None:
        while self.pos < len(self.query) and self.query[self.pos].isspace():
            self.pos += 1


# --------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over the tokens; `key` is set inside `key:( ... )`."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, position: int, reason: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, position, reason)

    def parse(self) -> Node:
        node = self.or_expr(None)
        token = self.current
        if token.kind == ")":
            raise self.fail(token.pos, "unbalanced parenthesis: ')' closes nothing")
        return node

    def or_expr(self, key: str | None) -> Node:
        items = [self.and_expr(key)]
        while self.current.kind == "OR":
            operator = self.current
            self.index += 1
            if self.current.kind in ("end", ")", "OR", "AND"):
                raise self.fail(operator.pos, "dangling OR: it needs a term on its right")
            items.append(self.and_expr(key))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self, key: str | None) -> Node:
        items = [self.unary(key)]
        while self.current.kind not in ("end", ")", "OR"):
            if self.current.kind == "AND":
                operator = self.current
                self.index += 1
                if self.current.kind in ("end", ")", "OR", "AND"):
                    raise self.fail(operator.pos, "dangling AND: it needs a term on its right")
            items.append(self.unary(key))
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self, key: str | None) -> Node:
        token = self.current
        if token.kind in ("NOT", "-"):
            self.index += 1
            if self.current.kind in ("end", ")", "OR", "AND"):
                raise self.fail(token.pos, f"dangling {token.kind}: it needs a term to negate")
            return Not(self.unary(key))
        return self.primary(key)

    def primary(self, key: str | None) -> Node:
        token = self.current
        if token.kind in ("(", "group"):
            if token.kind == "group":
                if key is not None:
                    raise self.fail(token.pos, f"'{token.key}:' cannot be nested in '{key}:(...)'")
                key = token.key
                self.index += 1
                token = self.current
            self.index += 1
            if self.current.kind == ")":
                raise self.fail(token.pos, "empty parentheses")
            if self.current.kind == "end":
                raise self.fail(token.pos, "unbalanced parenthesis: '(' is never closed")
            node = self.or_expr(key)
            if self.current.kind != ")":
                raise self.fail(token.pos, "unbalanced parenthesis: '(' is never closed")
            self.index += 1
            return node
        if token.kind == "term":
            self.index += 1
            assert token.node is not None
            return self._keyed(token, key)
        if token.kind in ("OR", "AND"):
            raise self.fail(token.pos, f"dangling {token.kind}: it needs a term on its left")
        if token.kind == ")":
            raise self.fail(token.pos, "unbalanced parenthesis: ')' closes nothing")
        raise self.fail(token.pos, "empty query; use '*' to match every issue")

    def _keyed(self, token: _Token, key: str | None) -> Node:
        node = token.node
        assert node is not None
        if key is None:
            if isinstance(node, Term) and node.key is None and node.wildcard and node.value == "*":
                return MatchAll()
            return node
        if node.key is not None:
            raise self.fail(token.pos, f"'{node.key}:' cannot be nested in '{key}:(...)'")
        assert isinstance(node, Term)
        return Term(key, node.value, node.quoted, node.wildcard)


def parse(query: str) -> Node:
    """Parse an event-search query; raises QuerySyntaxError with a 0-based position."""
    tokens = _Lexer(query).tokens()
    return _Parser(query, tokens).parse()
