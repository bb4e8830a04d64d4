"""`demo`: plan, apply and re-plan the bundled example against an in-process sandbox."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import click

from reconciler.cli.options import parallelism_option, use_color
from reconciler.cli.plan import emit
from reconciler.config import load_config
from reconciler.engine import Connection, connect
from reconciler.render import render_results_text
from reconciler.sandbox import Store, bundled_configs, bundled_data, serve_in_thread
from reconciler.sandbox.errors import SandboxError

# The sandbox accepts any non-empty keys; these never leave this machine.
DEMO_ENV = {"DD_API_KEY": "demo-api-key", "DD_APP_KEY": "demo-application-key"}


def _step(command: str) -> None:
    click.echo("")
    click.secho(f"$ {command}", bold=True, color=use_color() or None)


@click.command()
@parallelism_option
def demo(parallelism: int) -> None:
    """Plan, apply and plan again the bundled example org, in a local sandbox."""
    with tempfile.TemporaryDirectory(prefix="reconciler-demo-") as scratch:
        # Run from a scratch copy so positions read `examples/triage.yaml:27` and the
        # bundled data is never modified.
        examples = Path(scratch) / "examples"
        examples.mkdir()
        for path in (*bundled_configs(), bundled_data()):
            shutil.copyfile(path, examples / path.name)
        with contextlib.chdir(scratch):
            try:
                _run(
                    sorted(Path("examples").glob("*.yaml")),
                    examples / bundled_data().name,
                    parallelism,
                )
            except SandboxError as exc:
                raise click.ClickException(str(exc)) from exc


def _run(configs: list[Path], data: Path, parallelism: int) -> None:
    names = " ".join(str(path) for path in configs)
    config = load_config(configs)
    with serve_in_thread(Store.from_file(data)) as sandbox:
        click.echo(f"Sandbox of the Datadog API on {sandbox.url}, serving the example org.")
        connection = Connection(api_url=sandbox.url, env=DEMO_ENV)
        with connect(connection, parallelism=parallelism) as engine:
            _step(f"reconciler plan {names}")
            first = engine.plan(config)
            emit(first, "text")

            _step(f"reconciler apply --auto-approve {names}")
            outcome = engine.apply(first)
            click.echo(render_results_text(outcome.results, users=first.users).rstrip("\n"))
            click.echo(f"(the sandbox received {sandbox.store.write_count()} writes)")

            _step(f"reconciler plan {names}")
            second = engine.plan(config)
            emit(second, "text")
    if second.changes or not outcome.ok:
        failed = len(outcome.results) - outcome.counts()["applied"]
        click.echo(
            f"Error: the demo did not converge: {failed} change(s) not applied, "
            f"{len(second.changes)} still planned after apply",
            err=True,
        )
        raise click.exceptions.Exit(1)
