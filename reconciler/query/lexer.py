"""Split an event-search query into tokens, building the terms and ranges as it goes.

A term's value is read here, with its quoting, escapes and wildcards, so that a
syntax error inside a value can point at the offending character.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reconciler.errors import QuerySyntaxError
from reconciler.query.ast import Range, Term

_OPERATORS = frozenset({"AND", "OR", "NOT"})
_STOP = frozenset(" \t\r\n()")


@dataclass(frozen=True)
class Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "term", "group" (key:( ... ), "end"
    pos: int
    node: Term | Range | None = None
    key: str | None = None


class Lexer:
    """Splits a query into tokens; raises QuerySyntaxError at the offending character."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.pos = 0

    def fail(self, position: int, reason: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, position, reason)

    def tokens(self) -> list[Token]:
        found: list[Token] = []
        text = self.query
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                found.append(Token("end", self.pos))
                return found
            start, char = self.pos, text[self.pos]
            if char in "()":
                self.pos += 1
                found.append(Token(char, start))
            elif char == "-":
                if start + 1 >= len(text) or text[start + 1].isspace():
                    raise self.fail(start, "'-' must be directly followed by the term it negates")
                self.pos += 1
                found.append(Token("-", start))
            elif char == '"':
                found.append(Token("term", start, self._quoted(None)))
            else:
                found.append(self._word_or_term(start))

    def _word_or_term(self, start: int) -> Token:
        text = self.query
        raw, literal, _pattern, _wild = self._word(stop_at_colon=True)
        if self.pos < len(text) and text[self.pos] == ":":
            if not literal:
                raise self.fail(start, "missing key before ':'")
            self.pos += 1
            return self._value(start, literal)
        if raw in _OPERATORS:
            return Token(raw, start)
        return Token("term", start, self._plain(None, start))

    def _value(self, start: int, key: str) -> Token:
        text = self.query
        at = self.pos
        nxt = text[at] if at < len(text) else ""
        if nxt == "" or nxt.isspace() or nxt == ")":
            raise self.fail(at, f"missing value after '{key}:'")
        if nxt == "(":
            return Token("group", start, key=key)
        if nxt == '"':
            return Token("term", start, self._quoted(key))
        if nxt in "[{":
            return Token("term", start, self._range(key))
        if nxt in "<>":
            return Token("term", start, self._comparison(key))
        return Token("term", start, self._plain(key, at))

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
