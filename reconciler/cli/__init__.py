"""The command line: parse, call, render, exit code. Nothing imports this package.

Commands load on first use: `COMMANDS` names the module of each, so `reconciler --help`
imports none of them and `validate` never loads the HTTP client, the planner or the
sandbox's server.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any, NamedTuple

import click

from reconciler import __version__
from reconciler.errors import ConfigError, PlanFailed, ReconcilerError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class LazyCommand(NamedTuple):
    """Where a command is (`module:attribute`) and its one-line help, shown without importing
    it (a test keeps the line equal to the command's own)."""

    target: str
    summary: str


COMMANDS = {
    "apply": LazyCommand(
        "reconciler.cli.apply:apply",
        "Plan, show, confirm, then send only the writes that are needed.",
    ),
    "demo": LazyCommand(
        "reconciler.cli.demo:demo",
        "Plan, apply and plan again the bundled example org, in a local sandbox.",
    ),
    "explain": LazyCommand(
        "reconciler.cli.explain:explain",
        "Why the configuration decides what it decides for one issue; nothing is written.",
    ),
    "import": LazyCommand(
        "reconciler.cli.importer:import_",
        "Write a complete config pinning the matching issues' current state and assignee.",
    ),
    "plan": LazyCommand(
        "reconciler.cli.plan:plan",
        "Fetch the live issues, diff them with the configuration, show what would change.",
    ),
    "sandbox": LazyCommand(
        "reconciler.cli.sandbox:sandbox",
        "A local server that answers like the Datadog Error Tracking API.",
    ),
    "schema": LazyCommand(
        "reconciler.cli.schema:schema",
        "Print the JSON Schema (draft 2020-12) of the config format, for editors and CI.",
    ),
    "show": LazyCommand("reconciler.cli.plan:show", "Render a saved plan."),
    "validate": LazyCommand(
        "reconciler.cli.validate:validate", "Check the configuration offline; no network."
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they run (or their help is asked for)."""

    def __init__(
        self, *args: Any, lazy: dict[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name].target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name].target} is not a click command")
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own version loads every command to read its help. A bare Command stands in
        # for one not loaded, so click shortens the registered summary exactly as it would.
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class ReconcilerGroup(LazyGroup):
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


@click.group(cls=ReconcilerGroup, lazy=COMMANDS)
@click.version_option(__version__, prog_name="reconciler")
@click.option("-v", "--verbose", count=True, help="Log progress (-v) or every request (-vv).")
def cli(verbose: int) -> None:
    """Keep Datadog Error Tracking issues in the state and with the assignee a
    reviewed YAML file declares."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


def main() -> None:
    cli(prog_name="reconciler")
