"""`plan` and `show`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from reconciler.cli.options import (
    FORMATS,
    config_paths,
    connection_options,
    markdown_options,
    parallelism_option,
    target_options,
    use_color,
)
from reconciler.cli.output import check_output, is_stdout, write_whole
from reconciler.cli.progress import progress_display
from reconciler.cli.signals import sigterm_as_interrupt
from reconciler.config import load_config
from reconciler.engine import Connection, connect
from reconciler.model import Plan
from reconciler.planfile import load_plan
from reconciler.planner import check_targets
from reconciler.render import render_json, render_markdown, render_text, render_text_notes
from reconciler.render.common import NO_CHANGES
from reconciler.render.inert import escape
from reconciler.render.markdown import (
    DEFAULT_MAX_CHARS,
    STEP_SUMMARY_MAX_BYTES,
    comment_size,
    utf8_size,
)

EXIT_CHANGES = 2


@dataclass(frozen=True)
class Look:
    """How a plan is shown: text links, the Markdown budget, the config named in its marker,
    and where the footer of a shortened Markdown plan says the full plan is."""

    links: bool = False
    max_chars: int = DEFAULT_MAX_CHARS
    config_name: str | None = None
    full_plan_hint: str | None = None


def render(plan: Plan, fmt: str, look: Look = Look()) -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return _markdown(plan, look, look.max_chars)
    if not plan.changes:
        return NO_CHANGES
    return render_text(plan, color=use_color(), include_warnings=False, links=look.links)


def _markdown(plan: Plan, look: Look, max_chars: int, *, step_summary: bool = False) -> str:
    return render_markdown(
        plan,
        max_chars=max_chars,
        config_name=look.config_name,
        full_plan_hint=look.full_plan_hint,
        size=utf8_size if step_summary else comment_size,
    )


def full_plan_hint(out: str | None, env: Mapping[str, str]) -> str | None:
    """Where a shortened Markdown plan's reader finds the whole: this workflow run's step
    summary (GitHub Actions) and the JSON plan `--out` writes."""
    places = []
    if env.get("GITHUB_STEP_SUMMARY"):
        run = [
            env.get(key, "") for key in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
        ]
        if all(run):
            places.append(f"[the workflow run's summary]({run[0]}/{run[1]}/actions/runs/{run[2]})")
        else:
            places.append("the workflow run's summary")
    if out is not None and not is_stdout(out):
        places.append(f"the JSON plan {escape(Path(out).name)} (`reconciler show` renders it)")
    return " and ".join(places) or None


def append_step_summary(plan: Plan, look: Look, env: Mapping[str, str]) -> None:
    """With GITHUB_STEP_SUMMARY set, append the Markdown plan (up to the file's 1 MiB)."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    text = _markdown(plan, look, STEP_SUMMARY_MAX_BYTES, step_summary=True)
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(text)
    except OSError as exc:
        click.echo(f"Warning: cannot append to GITHUB_STEP_SUMMARY {path}: {exc}", err=True)


def emit(plan: Plan, fmt: str, *, err: bool = False, look: Look = Look()) -> None:
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
    click.echo(render(plan, fmt, look).rstrip("\n"), err=err)


@click.command()
@config_paths
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--out",
    type=click.Path(allow_dash=True),
    metavar="FILE",
    help="Also write the JSON plan here, whole or not at all; '-' is stdout (the plan in "
    "--format then goes to stderr).",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes.",
)
@target_options
@click.option(
    "--base",
    "base",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="The config as on the pull request's base branch (repeatable): also show what "
    "changing from it does to ownership.",
)
@parallelism_option
@markdown_options
@connection_options
def plan(
    paths: tuple[Path, ...],
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    strict: bool,
    targets: tuple[str, ...],
    base: tuple[Path, ...],
    parallelism: int,
    max_chars: int,
    links: bool,
    site: str | None,
    api_url: str | None,
) -> None:
    """Fetch the live issues, diff them with the configuration, show what would change."""
    look = Look(
        links=links,
        max_chars=max_chars,
        config_name=" ".join(str(path) for path in paths),
        full_plan_hint=full_plan_hint(out, os.environ),
    )
    config = load_config(paths)
    base_config = load_config(base) if base else None
    check_targets(config, targets)
    check_output(out, "--out")
    with (
        sigterm_as_interrupt(),
        progress_display(fmt) as display,
        connect(Connection(site, api_url), parallelism=parallelism, progress=display) as engine,
    ):
        if base_config is None:
            result = engine.plan(config, targets=targets)
        else:
            result = engine.plan_with_base(config, base_config, targets=targets).plan
    if strict and result.conflicts:
        emit(result, "text", err=True)
        result.raise_if_conflicts()
    if out is not None:
        write_whole(out, render_json(result), "--out")
    append_step_summary(result, look, os.environ)
    # With `--out -` stdout is the JSON plan alone, so a script can read it whole.
    emit(result, fmt, err=is_stdout(out), look=look)
    if detailed_exitcode and result.changes:
        raise click.exceptions.Exit(EXIT_CHANGES)


@click.command()
@click.argument("plan_file", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@markdown_options
def show(plan_file: Path, fmt: str, max_chars: int, links: bool) -> None:
    """Render a saved plan."""
    emit(load_plan(plan_file), fmt, look=Look(links=links, max_chars=max_chars))
