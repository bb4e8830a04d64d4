"""Compose one YAML document into positioned Python values: once, bounded, without recursion.

The parser's events are folded into `YamlMap` / `YamlList` (a dict and a list
that also know where they, their keys and their items start) and plain scalars
(str, int, float, bool, None, dates), resolved by the YAML 1.2 core schema as
ruamel.yaml resolves them. Composing here rather than with ruamel's composer and
constructor means one pass per file (ruamel's are recursive, and its round-trip
loader has no position for merged keys) and a place for the limits:

- nesting deeper than `MAX_DEPTH` stops the file at the collection that passes it;
- scalars are built by `scalars` (integers past `MAX_NUMBER_DIGITS` digits are problems);
- merge keys (`<<`), tags other than the core ones, keys that are mappings or
  lists, undefined aliases and a second document are problems at their position;
- an alias shares the anchored value, nothing is copied, and an anchor is usable
  only once its node is complete, so no value contains itself.

libyaml's parser (ruamel.yaml.clib) reads the events when it is installed;
ruamel's pure-Python parser is the reference: a document libyaml refuses is
parsed again with it, so what is accepted and every syntax message are ruamel's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from ruamel.yaml.parser import Parser

from reconciler.config.problems import Problems, describe, shown
from reconciler.config.scalars import MAP, MERGE, SEQ, STR, construct_scalar, plain_tag, tag_message
from reconciler.model import Source

MAX_DEPTH = 64  # a config needs 5 levels; a few dozen is any hand-written file

Pos = tuple[int, int]  # 1-based line and column

_FAST = YAML(typ="safe").Parser is not Parser  # libyaml's parser is installed


class YamlMap(dict[Any, Any]):
    """A mapping in file order, knowing where it, each key and each value start."""

    def __init__(self, start: Pos) -> None:
        super().__init__()
        self.start = start
        self.key_starts: dict[Any, Pos] = {}
        self.value_starts: dict[Any, Pos] = {}


class YamlList(list[Any]):
    """A sequence, knowing where it and each item start."""

    def __init__(self, start: Pos) -> None:
        super().__init__()
        self.start = start
        self.item_starts: list[Pos] = []


_NO_KEY = object()  # a mapping frame waiting for a key, not a value


@dataclass
class _Frame:
    node: YamlMap | YamlList
    anchor: str | None
    key: Any = _NO_KEY
    key_text: str = ""
    keep: bool = True  # False after a key that is a problem: its value is dropped


@dataclass
class _Composer:
    """Folds events into values; `fatal` once the document cannot be checked further."""

    name: str
    problems: Problems
    stack: list[_Frame] = field(default_factory=list)
    anchors: dict[str, Any] = field(default_factory=dict)
    root: Any = None
    documents: int = 0
    fatal: bool = False
    complete: bool = False

    def fail(self, at: Pos, message: str, *, fatal: bool = True) -> None:
        self.problems.add(Source(self.name, *at), message)
        self.fatal = self.fatal or fatal

    def feed(self, events: Iterable[Event]) -> bool:
        """Consume `events`; False when composing had to stop early (too deep, two documents)."""
        for event in events:
            at = (event.start_mark.line + 1, event.start_mark.column + 1)
            if isinstance(event, DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    self.fail(at, "a second YAML document (---); a config file holds one")
                    return False
            elif isinstance(event, CollectionStartEvent):
                if len(self.stack) >= MAX_DEPTH:
                    self.fail(
                        at,
                        f"nesting deeper than {MAX_DEPTH} levels; a config needs about five",
                    )
                    return False
                self._start(event, at)
            elif isinstance(event, ScalarEvent):
                value = self._scalar(event, at)
                if event.anchor is not None:
                    self.anchors[event.anchor] = value
                self._add(value, at, event.value)
            elif isinstance(event, AliasEvent):
                self._alias(event, at)
            elif isinstance(event, MappingEndEvent | SequenceEndEvent) and self.stack:
                frame = self.stack.pop()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = frame.node
                self._add(frame.node, frame.node.start, "")
        return True

    def _start(self, event: CollectionStartEvent, at: Pos) -> None:
        is_map = isinstance(event, MappingStartEvent)
        if event.tag not in (None, "!", MAP if is_map else SEQ):
            self.fail(at, tag_message(event.tag))
        node: YamlMap | YamlList = YamlMap(at) if is_map else YamlList(at)
        self.stack.append(_Frame(node, event.anchor))

    def _alias(self, event: AliasEvent, at: Pos) -> None:
        if event.anchor in self.anchors:
            self._add(self.anchors[event.anchor], at, f"*{event.anchor}")
            return
        name = shown(event.anchor)
        if any(frame.anchor == event.anchor for frame in self.stack):
            self.fail(
                at, f"alias *{name} is inside its own anchor &{name}; a value cannot contain itself"
            )
        else:
            self.fail(at, f"alias *{name} has no anchor &{name} before it")
        self._add(None, at, "")  # a stand-in, so that keys and values stay paired

    def _expecting_key(self) -> bool:
        return (
            bool(self.stack)
            and isinstance(self.stack[-1].node, YamlMap)
            and (self.stack[-1].key is _NO_KEY)
        )

    def _scalar(self, event: ScalarEvent, at: Pos) -> Any:
        text = event.value
        tag = event.tag
        if tag is None:
            tag = plain_tag(text) if event.implicit[0] else STR
        elif tag == "!":
            tag = STR
        if tag == MERGE and self._expecting_key():
            self.fail(
                at,
                "merge keys (<<) are not supported: write the keys out in this mapping, "
                "so that every key has a position of its own",
            )
            return text
        value, problem = construct_scalar(tag, text)
        if problem:
            self.fail(at, problem)
        return value

    def _add(self, value: Any, at: Pos, text: str) -> None:
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        node = frame.node
        if isinstance(node, YamlList):
            node.append(value)
            node.item_starts.append(at)
        elif frame.key is _NO_KEY:
            self._add_key(frame, node, value, at, text)
        else:
            if frame.keep:
                node[frame.key] = value
                node.value_starts[frame.key] = at
            frame.key = _NO_KEY

    def _add_key(self, frame: _Frame, node: YamlMap, key: Any, at: Pos, text: str) -> None:
        frame.key, frame.key_text, frame.keep = key, text, True
        if isinstance(key, YamlMap | YamlList):
            self.fail(at, f"a key must be a plain value, not {describe(key)}")
            frame.keep = False
        elif key in node:
            first = node.key_starts[key][0]
            self.fail(
                at,
                f"duplicate key {shown(text)!r} (first at line {first}); "
                "a key may appear once per mapping",
                fatal=False,
            )
            frame.keep = False
        else:
            node.key_starts[key] = at


@dataclass(frozen=True)
class Composed:
    """A composed document: its root value, and whether it can be checked further."""

    root: Any
    checkable: bool


def compose(name: str, text: str, problems: Problems) -> Composed:
    """The document of `text` (file `name`); every problem in it is added to `problems`."""
    composer, error = _attempt(name, text, pure=not _FAST)
    if error is not None and _FAST:
        # libyaml is stricter in places (a ':' inside a flow scalar); ruamel's parser,
        # the reference, has the last word on what parses and how a failure reads.
        composer, error = _attempt(name, text, pure=True)
    if composer is None:
        problems.add(*_syntax_problem(name, error))
        return Composed(None, checkable=False)
    problems.items.extend(composer.problems.items)
    return Composed(composer.root, checkable=composer.complete and not composer.fatal)


def _attempt(name: str, text: str, *, pure: bool) -> tuple[_Composer | None, YAMLError | None]:
    composer = _Composer(name, Problems())
    try:
        composer.complete = composer.feed(YAML(typ="safe", pure=pure).parse(text))
    except YAMLError as exc:
        return None, exc
    return composer, None


def _syntax_problem(name: str, exc: YAMLError | None) -> tuple[Source, str]:
    if not isinstance(exc, MarkedYAMLError):
        return Source(name, 1, 1), f"YAML syntax error: {exc}"
    mark = exc.problem_mark or exc.context_mark
    where = Source(name, mark.line + 1, mark.column + 1) if mark else Source(name, 1, 1)
    problem = exc.problem or "the YAML cannot be parsed"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        return where, (
            f"YAML syntax error: {problem} ({exc.context} at line {exc.context_mark.line + 1})"
        )
    return where, f"YAML syntax error: {problem}"
