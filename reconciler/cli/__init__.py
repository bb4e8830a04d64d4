"""The command line: parse, call, render, exit code. Nothing imports this package."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from reconciler import __version__

# Modules, not their commands: a command named like its module would shadow it.
from reconciler.cli import apply, demo, importer, plan, report, sandbox, schema
from reconciler.errors import ConfigError, PlanFailed, ReconcilerError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class ReconcilerGroup(click.Group):
    """Turns the library's errors into `Error: ...` on stderr and exit 1, Ctrl-C into 130."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Click exits 2 on usage errors; the contract keeps 2 for --detailed-exitcode.
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_ERROR)
        except click.exceptions.Abort:
            click.echo("Interrupted.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReconcilerError as exc:
            report_error(exc)
            raise click.exceptions.Exit(EXIT_ERROR) from exc
        except KeyboardInterrupt as exc:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from exc


def report_error(exc: ReconcilerError) -> None:
    if isinstance(exc, ConfigError):
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = len(exc.problems)
        noun = "problem" if count == 1 else "problems"
        click.echo(f"Error: configuration is invalid ({count} {noun}); nothing was sent.", err=True)
    elif isinstance(exc, PlanFailed):
        for error in exc.errors:
            click.echo(f"Error: {error}", err=True)
        click.echo(f"Error: {len(exc.errors)} error(s); no plan was produced.", err=True)
    else:
        click.echo(f"Error: {exc}", err=True)


@click.group(cls=ReconcilerGroup)
@click.version_option(__version__, prog_name="reconciler")
@click.option("-v", "--verbose", count=True, help="Log progress (-v) or every request (-vv).")
def cli(verbose: int) -> None:
    """Keep Datadog Error Tracking issues in the state and with the assignee a
    reviewed YAML file declares."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


for command in (
    plan.validate,
    plan.plan,
    apply.apply,
    plan.show,
    importer.import_,
    report.report,
    sandbox.sandbox,
    demo.demo,
    schema.schema,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="reconciler")
