"""Parse the Datadog event-search subset that rules use as `query`.

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
"""

from __future__ import annotations

from reconciler.errors import QuerySyntaxError
from reconciler.query.ast import And, MatchAll, Node, Not, Or, Term
from reconciler.query.lexer import Lexer, Token


class _Parser:
    """Recursive descent over the tokens; `key` is set inside `key:( ... )`."""

    def __init__(self, query: str, tokens: list[Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> Token:
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

    def _keyed(self, token: Token, key: str | None) -> Node:
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
    tokens = Lexer(query).tokens()
    return _Parser(query, tokens).parse()
