"""Options shared by several commands, defined once."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.model import DEFAULT_PARALLELISM

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("text", "json", "markdown")


def config_paths(func: F) -> F:
    return click.argument(
        "paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH..."
    )(func)


def connection_options(func: F) -> F:
    func = click.option(
        "--api-url",
        metavar="URL",
        help="Base URL of the API (a proxy, the sandbox); overrides DD_API_URL and --site.",
    )(func)
    func = click.option(
        "--site", metavar="SITE", help="Datadog site, e.g. datadoghq.eu; overrides DD_SITE."
    )(func)
    return func


def parallelism_option(func: F) -> F:
    return click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=DEFAULT_PARALLELISM,
        show_default=True,
        help="Requests in flight at once.",
    )(func)


def target_options(func: F) -> F:
    """`--strict` (conflicts are errors) and `--target` (limit to issue ids or rules), as
    `plan` and `apply` share them."""
    func = click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ID_OR_RULE",
        help="Limit the plan to this issue id or rule (repeatable).",
    )(func)
    func = click.option(
        "--strict", is_flag=True, help="Treat any conflict between rules as an error."
    )(func)
    return func


def markdown_options(func: F) -> F:
    """`--max-chars` (the Markdown budget) and `--links` (issue links in the text plan)."""
    # Here, not at the top: `validate` uses these options too, and renders nothing.
    from reconciler.render.markdown import DEFAULT_MAX_CHARS

    func = click.option(
        "--links",
        is_flag=True,
        help="Text format: show each issue's Datadog web UI page (needs DD_SITE or --site).",
    )(func)
    func = click.option(
        "--max-chars",
        type=click.IntRange(min=1000),
        default=DEFAULT_MAX_CHARS,
        show_default=True,
        help="Markdown format: the most characters the plan may take; rows past it are "
        "left out and a footer says how many.",
    )(func)
    return func


def use_color() -> bool:
    """Colour only on a terminal, never with NO_COLOR set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
