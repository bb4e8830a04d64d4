"""Turn the PATHs a user gives into parsed YAML documents, recording every problem."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from reconciler.config.checks import Problems
from reconciler.model import Source

CONFIG_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ConfigFile:
    """One config file: its name as shown to the user, raw bytes, text and YAML root."""

    name: str
    data: bytes
    text: str
    root: Any  # the round-trip document: a CommentedMap when the file is well formed

    def line(self, number: int) -> str:
        """The 1-based source line `number`, or "" past the end."""
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


def expand_paths(
    paths: Sequence[str | os.PathLike[str]], problems: Problems
) -> tuple[list[str], list[str]]:
    """The file names to load, in order: files as given, directories' *.yaml / *.yml by name;
    and the order in which to report problems (those names, and paths that gave none).

    Hidden files in a directory are skipped, as a shell glob would.
    """
    names: list[str] = []
    order: list[str] = []
    if not paths:
        problems.add(Source("<no path>", 1, 1), "no configuration path given")
    for path in paths:
        text = os.fspath(path)
        if os.path.isdir(text):
            found = sorted(
                entry.name
                for entry in os.scandir(text)
                if entry.name.endswith(CONFIG_SUFFIXES)
                and not entry.name.startswith(".")
                and entry.is_file()
            )
            if not found:
                problems.add(Source(text, 1, 1), "directory has no *.yaml or *.yml file")
                order.append(text)
            names.extend(os.path.join(text, name) for name in found)
            order.extend(os.path.join(text, name) for name in found)
        elif os.path.exists(text):
            names.append(text)
            order.append(text)
        else:
            order.append(text)
            problems.add(
                Source(text, 1, 1),
                "no such file or directory; give a config file or a directory of *.yaml files",
            )
    return names, order


def read_file(name: str, problems: Problems) -> ConfigFile | None:
    """Read and parse one file; None (with problems recorded) when it cannot be parsed."""
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        problems.add(Source(name, 1, 1), f"cannot read the file: {exc.strerror or exc}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.add(Source(name, line, col), "the file is not valid UTF-8")
        return None
    try:
        _report_duplicate_keys(name, YAML().compose(text), problems)
        loader = YAML()
        # Duplicates were reported above with their positions; loading on lets the
        # rest of the file be checked too, so every problem is reported at once.
        loader.allow_duplicate_keys = True
        root = loader.load(text)
    except MarkedYAMLError as exc:
        problems.add(_mark_source(name, exc), _syntax_message(exc))
        return None
    except YAMLError as exc:
        problems.add(Source(name, 1, 1), f"YAML syntax error: {exc}")
        return None
    return ConfigFile(name, data, text, root)


def _mark_source(name: str, exc: MarkedYAMLError) -> Source:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return Source(name, 1, 1)
    return Source(name, mark.line + 1, mark.column + 1)


def _syntax_message(exc: MarkedYAMLError) -> str:
    problem = exc.problem or "the YAML cannot be parsed"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        return f"YAML syntax error: {problem} ({exc.context} at line {exc.context_mark.line + 1})"
    return f"YAML syntax error: {problem}"


def _report_duplicate_keys(name: str, root: Node | None, problems: Problems) -> None:
    for mapping in _mappings(root, set()):
        first_line: dict[str, int] = {}
        for key, _value in mapping.value:
            if not isinstance(key.value, str) or key.value == "<<":
                continue
            line = key.start_mark.line + 1
            if key.value in first_line:
                problems.add(
                    Source(name, line, key.start_mark.column + 1),
                    f"duplicate key {key.value!r} (first at line {first_line[key.value]}); "
                    "a key may appear once per mapping",
                )
            else:
                first_line[key.value] = line


def _mappings(node: Node | None, visited: set[int]) -> Iterator[MappingNode]:
    if node is None or id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, MappingNode):
        yield node
        for key, value in node.value:
            yield from _mappings(key, visited)
            yield from _mappings(value, visited)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _mappings(item, visited)
