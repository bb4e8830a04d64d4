"""Options shared by several commands, defined once."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

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
        default=4,
        show_default=True,
        help="Requests in flight at once.",
    )(func)


def use_color() -> bool:
    """Colour only on a terminal, never with NO_COLOR set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
