"""`schema`: print the JSON Schema of the config format."""

from __future__ import annotations

import click

from reconciler.config.schema import schema_text


@click.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the config format, for editors and CI."""
    click.echo(schema_text(), nl=False)
