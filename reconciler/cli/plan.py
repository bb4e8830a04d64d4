"""`validate`, `plan` and `show`."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import (
    FORMATS,
    config_paths,
    connection_options,
    parallelism_option,
    use_color,
)
from reconciler.config import load_config
from reconciler.engine import Connection, connect
from reconciler.model import Plan
from reconciler.planfile import load_plan
from reconciler.planner import check_targets
from reconciler.render import render_json, render_markdown, render_text, render_text_notes
from reconciler.render.common import NO_CHANGES

EXIT_CHANGES = 2


def render(plan: Plan, fmt: str) -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan)
    if not plan.changes:
        return NO_CHANGES
    return render_text(plan, color=use_color(), include_warnings=False)


def emit(plan: Plan, fmt: str, *, err: bool = False) -> None:
    """The plan on stdout (or stderr), its warnings on stderr.

    A text plan without changes is exactly `No changes.`; what is held or in conflict
    then goes to stderr, so scripts can compare stdout.
    """
    for warning in plan.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if fmt == "text" and not plan.changes:
        notes = render_text_notes(plan, color=use_color())
        if notes:
            click.echo(notes, err=True)
    click.echo(render(plan, fmt).rstrip("\n"), err=err)


@click.command()
@config_paths
def validate(paths: tuple[Path, ...]) -> None:
    """Check the configuration offline; no network."""
    config = load_config(paths)
    click.echo(
        f"Configuration is valid: {len(config.rules)} rules and {len(config.pins)} pins "
        f"in {len(config.files)} file(s)."
    )


@click.command()
@config_paths
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON plan here."
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes.",
)
@click.option("--strict", is_flag=True, help="Treat any conflict between rules as an error.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ID_OR_RULE",
    help="Limit the plan to this issue id or rule (repeatable).",
)
@parallelism_option
@connection_options
def plan(
    paths: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    strict: bool,
    targets: tuple[str, ...],
    parallelism: int,
    site: str | None,
    api_url: str | None,
) -> None:
    """Fetch the live issues, diff them with the configuration, show what would change."""
    config = load_config(paths)
    check_targets(config, targets)
    with connect(Connection(site, api_url), parallelism=parallelism) as engine:
        result = engine.plan(config, targets=targets)
    if strict and result.conflicts:
        emit(result, "text", err=True)
        result.raise_if_conflicts()
    if out is not None:
        out.write_text(render_json(result), encoding="utf-8")
    emit(result, fmt)
    if detailed_exitcode and result.changes:
        raise click.exceptions.Exit(EXIT_CHANGES)


@click.command()
@click.argument("plan_file", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def show(plan_file: Path, fmt: str) -> None:
    """Render a saved plan."""
    emit(load_plan(plan_file), fmt)
