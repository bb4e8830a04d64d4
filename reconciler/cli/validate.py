"""`validate`: the configuration checked offline.

Its own module so that it loads only the config package: no HTTP client, no planner.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import config_paths
from reconciler.config import load_config


@click.command()
@config_paths
def validate(paths: tuple[Path, ...]) -> None:
    """Check the configuration offline; no network."""
    config = load_config(paths)
    click.echo(
        f"Configuration is valid: {len(config.rules)} rules and {len(config.pins)} pins "
        f"in {len(config.files)} file(s)."
    )
