"""`apply`: plan (or load a saved plan), confirm, write, report per change."""

from __future__ import annotations

import shlex
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import click

from reconciler.applier import ApplyOutcome
from reconciler.cli.options import connection_options, parallelism_option, target_options
from reconciler.cli.output import check_log, log_write_error, open_log
from reconciler.cli.plan import emit
from reconciler.cli.progress import interrupted_line, progress_display
from reconciler.cli.signals import sigterm_as_interrupt
from reconciler.config import load_config
from reconciler.engine import Connection, connect
from reconciler.errors import ApplyRefusedError
from reconciler.model import ChangeResult, Config, Plan
from reconciler.planner import check_targets
from reconciler.render import render_results_json, render_results_text, result_log_line
from reconciler.render.common import results_summary_line

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


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


class ResultLog:
    """Appends one JSON line per result to --log-file; safe from worker threads. A
    context manager: the file is opened once for the whole run, and closed only after
    the applier has returned, that is after its last worker finished."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        # A write that fails (a full disk) must not stop the apply: the results still go
        # to stdout, and the command says what the log lacks.
        self.failure: str | None = None
        self.missing = 0

    def __enter__(self) -> ResultLog:
        if self._path is not None:
            self._file = open_log(self._path)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:
                self.failure = self.failure or (exc.strerror or str(exc))
            self._file = None

    def __call__(self, result: ChangeResult) -> None:
        with self._lock:
            if self._file is None:
                return
            if self.failure is None:
                try:
                    self._file.write(result_log_line(result, datetime.now(UTC)) + "\n")
                    self._file.flush()  # a line per result survives a crash or Ctrl-C
                    return
                except OSError as exc:
                    self.failure = exc.strerror or str(exc)
            self.missing += 1


def _both(*callbacks: Callable[[ChangeResult], None] | None) -> Callable[[ChangeResult], None]:
    chosen = [c for c in callbacks if c is not None]

    def call(result: ChangeResult) -> None:
        for callback in chosen:
            callback(result)

    return call


def _failure_message(outcome: ApplyOutcome) -> str:
    """Why an apply that was not interrupted exits 1."""
    counts = outcome.counts()
    parts = []
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed (see the errors above)")
    if counts["stale"]:
        parts.append(
            f"{counts['stale']} stale (the issue moved since the plan; plan again to see "
            "what is still needed)"
        )
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} skipped")
    return "not every change is in effect: " + ", ".join(parts)


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
    type=click.Path(allow_dash=True),
    metavar="FILE",
    help="Append one JSON line per result (a file; '-' is refused).",
)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@target_options
@connection_options
def apply(
    paths: tuple[Path, ...],
    plan_file: Path | None,
    auto_approve: bool,
    force: bool,
    parallelism: int,
    log_file: str | None,
    fmt: str,
    strict: bool,
    targets: tuple[str, ...],
    site: str | None,
    api_url: str | None,
) -> None:
    """Plan, show, confirm, then send only the writes that are needed."""
    if bool(paths) == bool(plan_file):
        raise click.UsageError("give either configuration PATHs or --plan FILE")
    if plan_file is not None and targets:
        # The saved plan was reviewed whole; a narrower one is reviewed as its own file.
        raise click.UsageError(
            "--target cannot be combined with --plan: a saved plan is applied whole, as it "
            "was reviewed. Save a narrower plan with `reconciler plan PATH... --target "
            "ID_OR_RULE --out FILE` and apply that"
        )
    check_log(log_file)
    # The config and the targets are checked before anything touches the network.
    source: Path | Config = plan_file if plan_file is not None else load_config(paths)
    if isinstance(source, Config):
        check_targets(source, targets)
    saved = isinstance(source, Path)
    rerun = f"reconciler apply --plan {plan_file}" if saved else _rerun_command(paths, targets)
    with (
        sigterm_as_interrupt(),
        progress_display(fmt) as display,
        connect(Connection(site, api_url), parallelism=parallelism, progress=display) as engine,
    ):
        planned = (
            engine.load_saved(source)
            if isinstance(source, Path)
            else engine.plan(source, targets=targets)
        )
        if display is not None:
            display.clear()
        emit(planned, "text", err=fmt == "json")
        if strict:
            planned.raise_if_conflicts()
        if not planned.changes:
            if fmt == "json":
                click.echo(render_results_json(()).rstrip("\n"))
            return
        planned.raise_if_unsafe(force=force)
        if not saved and not auto_approve:
            confirm(planned)
        progress = (
            None if display is None else display.applying(len(planned.changes), planned.users)
        )
        with ResultLog(log_file) as log:
            outcome = engine.apply(planned, saved=saved, on_result=_both(log, progress))
        if display is not None:
            display.clear()
        if fmt == "json":
            click.echo(render_results_json(outcome.results).rstrip("\n"))
        elif display is not None and stdout_is_terminal():
            # The terminal saw the plan and every failed or stale change already: the count
            # is what is left to say, and after an interrupt the line below says it.
            if not outcome.interrupted:
                click.echo(results_summary_line(outcome.results))
        else:
            click.echo(render_results_text(outcome.results, users=planned.users).rstrip("\n"))
    if log.failure is not None and log_file is not None:
        lost = log_write_error(log_file, log.failure, log.missing, len(outcome.results))
        click.echo(f"Error: {lost}", err=True)
    if outcome.interrupted:
        not_attempted = outcome.counts()["skipped"]
        click.echo(interrupted_line(outcome.writes_sent, not_attempted, rerun), err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if not outcome.ok:
        click.echo(f"Error: {_failure_message(outcome)}", err=True)
        raise click.exceptions.Exit(EXIT_FAILED)
    if log.failure is not None:
        raise click.exceptions.Exit(EXIT_FAILED)


def _rerun_command(paths: tuple[Path, ...], targets: tuple[str, ...]) -> str:
    words = [str(p) for p in paths] + [w for t in targets for w in ("--target", t)]
    return " ".join(["reconciler apply", *(shlex.quote(w) for w in words)])
