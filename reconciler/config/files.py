"""Turn the PATHs a user gives into composed YAML documents, recording every problem.

Only regular files are read (a FIFO, a device or a socket is refused before it is
opened, and again after, so nothing can block or stream without end), each at most
`MAX_FILE_BYTES`; every file is parsed once.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from reconciler.config.problems import Problems
from reconciler.config.tree import compose
from reconciler.model import Source

CONFIG_SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 16 * 2**20  # 16 MiB: about 90,000 pins as `reconciler import` writes them


@dataclass(frozen=True)
class ConfigFile:
    """One config file: its name as shown to the user, raw bytes, text and YAML root."""

    name: str
    data: bytes
    text: str
    root: Any  # a YamlMap when the file is well formed

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.splitlines()

    def line(self, number: int) -> str:
        """The 1-based source line `number`, or "" past the end."""
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""


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
        mode = _mode(text, problems)
        if mode is not None and stat.S_ISDIR(mode):
            found = _directory(text, problems)
            names.extend(found)
            order.extend(found or [text])
            continue
        order.append(text)
        if mode is not None and _regular(text, mode, problems):
            names.append(text)
    return names, order


def _directory(path: str, problems: Problems) -> list[str]:
    """The regular *.yaml / *.yml files of `path`, by name; the others are problems."""
    try:
        with os.scandir(path) as entries:
            found = sorted(
                entry.name
                for entry in entries
                if entry.name.endswith(CONFIG_SUFFIXES) and not entry.name.startswith(".")
            )
    except OSError as exc:
        problems.add(Source(path, 1, 1), f"cannot list the directory: {_reason(exc)}")
        return []
    if not found:
        problems.add(Source(path, 1, 1), "directory has no *.yaml or *.yml file")
        return []
    names = []
    for name in found:
        full = os.path.join(path, name)
        mode = _mode(full, problems)
        if mode is not None and _regular(full, mode, problems):
            names.append(full)
    return names


def _mode(path: str, problems: Problems) -> int | None:
    """The file type and mode of `path` (symbolic links followed), or None with a problem."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        broken = " (a symbolic link to nothing)" if os.path.islink(path) else ""
        problems.add(
            Source(path, 1, 1),
            f"no such file or directory{broken}; give a config file or a directory of *.yaml files",
        )
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        problems.add(Source(path, 1, 1), f"cannot read the file: {_reason(exc)}")
    return None


def _regular(path: str, mode: int, problems: Problems) -> bool:
    if stat.S_ISREG(mode):
        return True
    problems.add(
        Source(path, 1, 1),
        f"not a regular file ({_kind(mode)}); a config is a regular *.yaml file",
    )
    return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def read_file(name: str, problems: Problems) -> ConfigFile | None:
    """Read and parse one file; None (with problems recorded) when it cannot be checked."""
    data = _read_bytes(name, problems)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.add(Source(name, line, col), "the file is not valid UTF-8")
        return None
    composed = compose(name, text.removeprefix("\ufeff"), problems)
    if not composed.checkable:
        return None
    return ConfigFile(name, data, text, composed.root)


def _read_bytes(name: str, problems: Problems) -> bytes | None:
    """At most MAX_FILE_BYTES of the regular file `name`, never blocking on the open."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:
        problems.add(Source(name, 1, 1), f"cannot read the file: {_reason(exc)}")
        return None
    try:
        mode = os.fstat(fd).st_mode
        if not _regular(name, mode, problems):  # replaced since it was listed
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(2**20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        problems.add(Source(name, 1, 1), f"cannot read the file: {_reason(exc)}")
        return None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        problems.add(
            Source(name, 1, 1),
            f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB, the limit for one config "
            "file; split it into several files in a directory",
        )
        return None
    return b"".join(chunks)
