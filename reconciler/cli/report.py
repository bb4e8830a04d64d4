"""`report`: ownership as it will be after apply, and a coverage gate for CI."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from reconciler.cli.options import config_paths, connection_options, parallelism_option
from reconciler.cli.progress import progress_display
from reconciler.cli.signals import sigterm_as_interrupt
from reconciler.config import load_config, parse_duration
from reconciler.engine import Connection, connect
from reconciler.errors import CoverageError, DurationError, QuerySyntaxError
from reconciler.model import Config, Scope
from reconciler.query import parse
from reconciler.render.report import percent, render_report_json, render_report_text
from reconciler.render.report_markdown import render_report_markdown

DEFAULT_WINDOW_S = 30 * 86400
_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def duration_text(seconds: int) -> str:
    """Seconds as the shortest duration that states them exactly, days before weeks."""
    for unit, size in _UNITS:
        if unit != "w" and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def default_window_s(config: Config) -> int:
    """The longest window of the config's rules (30d without rules): the scope then
    holds every issue a rule can select."""
    return max((rule.window_s for rule in config.rules), default=DEFAULT_WINDOW_S)


@click.command()
@config_paths
@click.option(
    "--scope",
    "query",
    default="*",
    show_default=True,
    metavar="QUERY",
    help="The issues to report on: an event search like a rule's query.",
)
@click.option(
    "--window",
    metavar="D",
    help="How far back the scope searches (default: the config's longest rule window).",
)
@click.option(
    "--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text",
    show_default=True,
)  # fmt: skip
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    metavar="PCT",
    help="Exit 1 when fewer than PCT percent of the open and acknowledged issues in scope "
    "have an owner after apply.",
)
@parallelism_option
@connection_options
def report(
    paths: tuple[Path, ...],
    query: str,
    window: str | None,
    fmt: str,
    min_coverage: float | None,
    parallelism: int,
    site: str | None,
    api_url: str | None,
) -> None:
    """Who owns the issues in scope once the config is applied, and what nobody owns."""
    config = load_config(paths)
    try:
        parse(query)
        window_s = parse_duration(window) if window is not None else default_window_s(config)
    except (QuerySyntaxError, DurationError) as exc:
        name = "--scope" if isinstance(exc, QuerySyntaxError) else "--window"
        raise click.BadParameter(str(exc), param_hint=name) from exc
    scope = Scope(query, window if window is not None else duration_text(window_s), window_s)
    with (
        sigterm_as_interrupt(),
        progress_display(fmt) as display,
        connect(Connection(site, api_url), parallelism=parallelism, progress=display) as engine,
    ):
        result = engine.report(config, scope)
    if fmt == "json":
        text = render_report_json(result)
    elif fmt == "markdown":
        text = render_report_markdown(result, config_name=" ".join(str(p) for p in paths))
    else:
        text = render_report_text(result)
    click.echo(text.rstrip("\n"))
    if min_coverage is not None:
        minimum = Decimal(str(min_coverage))
        coverage = result.coverage
        if coverage.below(minimum):
            shown = percent(coverage.owned, coverage.total)
            raise CoverageError(shown, f"{minimum.normalize():f}%", coverage.owned, coverage.total)
