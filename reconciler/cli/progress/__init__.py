"""Progress on a terminal: one updating status line on stderr, other lines above it.

Only used when stderr is a terminal and the format is text (CONTRACT 5); piped or
with `--format json` nothing here is created. `TerminalProgress` (`display`) is the
engine's progress hook: while observing, each rule's searches and the issues they
listed, one line per rule once it is complete, and the pinned issues fetched; while
applying (`apply`), done/total, rate and ETA, failed and stale changes on lines of
their own; in both, any rate-limit wait. `line` draws it.
"""

from __future__ import annotations

from reconciler.cli.progress.apply import ApplyProgress, interrupted_line
from reconciler.cli.progress.display import TerminalProgress, progress_display
from reconciler.cli.progress.line import StatusLine, wants_progress

__all__ = [
    "ApplyProgress",
    "StatusLine",
    "TerminalProgress",
    "interrupted_line",
    "progress_display",
    "wants_progress",
]
