"""`explain`: why the configuration decides what it decides for one issue."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import config_paths, connection_options, parallelism_option
from reconciler.cli.progress import progress_display
from reconciler.cli.signals import sigterm_as_interrupt
from reconciler.config import load_config
from reconciler.engine import Connection, connect
from reconciler.errors import IssueNotFoundError
from reconciler.model import is_uuid
from reconciler.render.explain_json import render_explain_json
from reconciler.render.explain_text import render_explain_text


@click.command()
@click.argument("issue_id", metavar="ISSUE_ID")
@config_paths
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@parallelism_option
@connection_options
def explain(
    issue_id: str,
    paths: tuple[Path, ...],
    fmt: str,
    parallelism: int,
    site: str | None,
    api_url: str | None,
) -> None:
    """Why the configuration decides what it decides for one issue; nothing is written."""
    if not is_uuid(issue_id):
        raise IssueNotFoundError(issue_id, "is not an issue id (a UUID)")
    config = load_config(paths)
    with (
        sigterm_as_interrupt(),
        progress_display(fmt) as display,
        connect(Connection(site, api_url), parallelism=parallelism, progress=display) as engine,
    ):
        explanation = engine.explain(config, issue_id)
    render = render_explain_json if fmt == "json" else render_explain_text
    click.echo(render(explanation), nl=False)
