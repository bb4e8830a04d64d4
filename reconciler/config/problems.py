"""How problems are collected, and how values read in their messages."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Collection, Sequence

from reconciler.errors import Problem
from reconciler.model import Source

SHOWN_CHARS = 60  # how much of a value a message quotes


class Problems:
    """Collects problems; sorted by file order, then position, when reported."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, where: Source, message: str) -> None:
        self.items.append(Problem(where.file, where.line, where.col, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self, file_order: Sequence[str]) -> list[Problem]:
        rank: dict[str, int] = {}
        for name in file_order:
            rank.setdefault(name, len(rank))
        return sorted(
            self.items,
            key=lambda p: (rank.get(p.file, len(rank)), p.file, p.line, p.col, p.message),
        )


def shown(text: object) -> str:
    """`text` as a message quotes it: cut to SHOWN_CHARS, so a huge value stays readable."""
    text = str(text)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def quoted(value: object) -> str:
    """`value` as written in a message: a string quoted (and cut), anything else as it reads."""
    return repr(shown(value)) if isinstance(value, str) else shown(repr(value))


def describe(value: object) -> str:
    """How a YAML value reads in a message ("a number", "null", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {shown(value)}"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()} (quote it to make it a string)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def suggestion(word: object, choices: Collection[str], listing: str = "expected one of") -> str:
    """`; did you mean 'x'?` for a close choice, else ` (expected one of: ...)`."""
    # difflib is quadratic in the word's length; no key or value is longer than this.
    close = difflib.get_close_matches(str(word)[:SHOWN_CHARS], sorted(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.casefold() == str(word).casefold()]
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" ({listing}: {', '.join(choices)})"
