"""Plain-text tables of the benchmark's results."""

from __future__ import annotations

import math
from collections.abc import Sequence

from reconciler.model import SEARCH_CAP

from measure import Row, SelectionRow


def _render(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """Columns padded to their widest cell, each aligned as `align` says (`l` or `r`)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if how == "l" else cell.rjust(width)
            for cell, width, how in zip(cells, widths, align, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def timing_table(rows: Sequence[Row]) -> str:
    """Scenario, parallelism, wall time, requests, and the ratio to the parallelism-1 run.

    `time/p1` is this row's wall time over the baseline's (lower is better);
    `speedup` is its inverse.
    """
    header = ("scenario", "parallelism", "wall s", "requests", "time/p1", "speedup", "notes")
    cells = []
    for row in rows:
        ratio = row.wall_s / row.baseline_s if row.baseline_s else None
        cells.append(
            (
                row.scenario,
                str(row.parallelism),
                f"{row.wall_s:.3f}",
                str(row.requests),
                "-" if ratio is None else f"{ratio:.2f}",
                "-" if ratio is None else f"{1 / ratio:.2f}x",
                row.note,
            )
        )
    return _render(header, cells, "lrrrrrl")


def selection_table(rows: Sequence[SelectionRow]) -> str:
    """Per rule: issues selected, search calls made, issues returned (slices overlap), and
    the fewest calls that could list them all (each call must return under the cap)."""
    header = ("rule", "issues", "calls", "min calls", "returned", "wall s", "ms/call")
    cells = []
    for row in rows:
        fewest = max(1, math.ceil(row.unique / (SEARCH_CAP - 1)))
        cells.append(
            (
                row.rule,
                str(row.unique),
                str(row.calls),
                str(fewest),
                str(row.returned),
                f"{row.wall_s:.3f}",
                f"{1000 * row.wall_s / row.calls:.1f}",
            )
        )
    return _render(header, cells, "lrrrrrr")
