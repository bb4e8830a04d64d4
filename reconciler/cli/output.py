"""Where `--out` and `--log-file` write: checked before any request, and a file a later
step trusts (a saved plan, an imported config) is written whole or not at all.

`-` as `--out` is stdout. A path that already exists and is not a regular file (a
FIFO, `/dev/stdout`, `/dev/null`) is written straight through: it is a stream that
cannot be renamed over.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from reconciler.errors import OutputPathError

STDOUT = "-"


def is_stdout(path: str | None) -> bool:
    return path == STDOUT


def check_output(path: str | None, option: str) -> None:
    """Refuse, before anything is fetched, a path that cannot be written; raises
    OutputPathError naming the path and what to do."""
    if path is None or is_stdout(path):
        return
    _check(path, option)


def log_write_error(path: str, reason: str, missing: int, total: int) -> OutputPathError:
    """The error for a log that failed part way: how many results it lacks."""
    lacks = f"{missing} of {total} results are" if missing else "the last results may be"
    return OutputPathError(
        "--log-file", path, f"{reason}; {lacks} missing from it (all are printed above)"
    )


def check_log(path: str | None, option: str = "--log-file") -> None:
    """Like `check_output`, and `-` is refused: the log is a file each run appends to."""
    if is_stdout(path):
        raise OutputPathError(
            option,
            "-",
            "a log must be a file, each run appends to it; give a file name, or use "
            "--format json to get the results on stdout",
        )
    check_output(path, option)


def write_whole(path: str, text: str, option: str) -> None:
    """Write `text` to stdout (`-`) or to `path`, through a temporary file in the same
    directory renamed over it, so that a reader sees the old file or the new one, never
    half; raises OutputPathError (and leaves nothing behind) when that fails."""
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(os.path.realpath(_check(path, option)))
    if target.exists() and not stat.S_ISREG(target.stat().st_mode):
        _write_stream(target, text, path, option)
        return
    tmp_name = ""
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, _mode_for(target))
        os.replace(tmp_name, target)
    except OSError as exc:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        raise OutputPathError(option, path, _reason(exc)) from exc


def open_log(path: str, option: str = "--log-file") -> TextIO:
    """Open the log for appending; raises OutputPathError when it cannot be."""
    check_log(path, option)
    try:
        fd = _open_for_writing(path, os.O_APPEND | os.O_CREAT)
        return os.fdopen(fd, "a", encoding="utf-8")
    except OSError as exc:
        raise OutputPathError(option, path, _reason(exc)) from exc


def _open_for_writing(path: str | Path, flags: int) -> int:
    """A descriptor open for writing. The open itself does not block: a named pipe that
    no process reads fails at once (ENXIO) instead of waiting for a reader forever."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_WRONLY | flags | nonblocking | getattr(os, "O_CLOEXEC", 0), 0o666)
    if nonblocking:
        os.set_blocking(fd, True)
    return fd


def _check(path: str, option: str) -> Path:
    given = Path(path)
    if given.is_dir():
        raise OutputPathError(
            option, path, "it is a directory; name a file (inside it, or elsewhere)"
        )
    target = Path(os.path.realpath(given))
    parent = target.parent
    if not parent.exists():
        raise OutputPathError(
            option,
            path,
            f"directory {given.parent} does not exist; create it first "
            f"(mkdir -p {given.parent}) or give another path",
        )
    if not parent.is_dir():
        raise OutputPathError(option, path, f"{given.parent} is not a directory")
    if target.exists():
        if not os.access(target, os.W_OK):
            raise OutputPathError(
                option, path, "the file is not writable; fix its permissions or give another path"
            )
    elif not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(
            option,
            path,
            f"directory {given.parent} is not writable; give a path in a writable directory",
        )
    return given


def _write_stream(target: Path, text: str, path: str, option: str) -> None:
    try:
        with os.fdopen(_open_for_writing(target, os.O_TRUNC), "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise OutputPathError(option, path, _reason(exc)) from exc


def _mode_for(target: Path) -> int:
    """The existing file's permissions, else what a plain open() would have given."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENXIO:
        return "it is a named pipe that no process is reading; start the reader first"
    return f"{exc.strerror or exc}; check the path and its directory's permissions"
