"""`apply`: plan (or load a saved plan), confirm, write, report per change."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.applier import apply_plan
from reconciler.cli.options import connection_options, parallelism_option
from reconciler.cli.plan import emit
from reconciler.cli.workflow import Connection, ResultLog, connect, make_plan
from reconciler.config import load_config
from reconciler.errors import ApplyRefusedError, PlanFileError, TooManyChangesError
from reconciler.model import Config, Plan
from reconciler.planfile import load_plan
from reconciler.render import render_results_json, render_results_text

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def confirm(plan: Plan) -> None:
    """Ask for `yes` on a terminal; refuse without one."""
    if not stdin_is_terminal():
        raise ApplyRefusedError(
            "refusing to apply: stdin is not a terminal, so nobody can confirm. "
            "Pass --auto-approve, or apply a reviewed plan with --plan FILE"
        )
    answer = click.prompt(
        f"Apply these {len(plan.changes)} changes? Only 'yes' will be accepted",
        default="",
        show_default=False,
        err=True,
    )
    if answer.strip() != "yes":
        raise ApplyRefusedError("apply cancelled; nothing was written")


def saved_plan(path: Path, api_url: str) -> Plan:
    """A saved plan, refused when it was made against another API."""
    planned = load_plan(path)
    if planned.api_url and planned.api_url != api_url:
        raise PlanFileError(
            str(path),
            f"it was made against {planned.api_url}, not {api_url}; plan again against this API",
        )
    return planned


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Apply exactly this saved plan (the file is the approval).",
)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Apply even past max_changes.")
@parallelism_option
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one JSON line per result.",
)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@connection_options
def apply(
    paths: tuple[Path, ...],
    plan_file: Path | None,
    auto_approve: bool,
    force: bool,
    parallelism: int,
    log_file: Path | None,
    fmt: str,
    site: str | None,
    api_url: str | None,
) -> None:
    """Plan, show, confirm, then send only the writes that are needed."""
    if bool(paths) == bool(plan_file):
        raise click.UsageError("give either configuration PATHs or --plan FILE")
    # The config is checked before anything touches the network.
    source: Path | Config = plan_file if plan_file is not None else load_config(paths)
    saved = isinstance(source, Path)
    with connect(Connection(site, api_url)) as client:
        if isinstance(source, Path):
            planned = saved_plan(source, client.api_url)
        else:
            planned = make_plan(source, client, parallelism=parallelism)
        emit(planned, "text", err=fmt == "json")
        if not planned.changes:
            if fmt == "json":
                click.echo(render_results_json(()).rstrip("\n"))
            return
        if len(planned.changes) > planned.max_changes and not force:
            raise TooManyChangesError(len(planned.changes), planned.max_changes)
        if not saved and not auto_approve:
            confirm(planned)
        progress = sys.stderr if fmt == "text" and sys.stderr.isatty() else None
        with ResultLog(log_file, progress) as log:
            outcome = apply_plan(
                planned, client, parallelism=parallelism, recheck=saved, on_result=log
            )
    if fmt == "json":
        click.echo(render_results_json(outcome.results).rstrip("\n"))
    else:
        click.echo(render_results_text(outcome.results, users=planned.users).rstrip("\n"))
    if outcome.interrupted:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if not outcome.ok:
        raise click.exceptions.Exit(EXIT_FAILED)
