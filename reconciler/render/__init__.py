"""One renderer per output format; each is a pure function of a Plan or of apply results."""

from __future__ import annotations

from reconciler.render.jsonfmt import render_json, render_results_json, result_log_line
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_results_text, render_text, render_text_notes

__all__ = [
    "render_json",
    "render_markdown",
    "render_results_json",
    "render_results_text",
    "render_text",
    "render_text_notes",
    "result_log_line",
]
