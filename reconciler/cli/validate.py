"""`validate`: the configuration checked offline.

Its own module so that it loads only the config package and the rule tests' deciding:
no HTTP client, no diffing.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import config_paths
from reconciler.config import load_config
from reconciler.ruletests import check_tests


@click.command()
@config_paths
def validate(paths: tuple[Path, ...]) -> None:
    """Check the configuration offline; no network."""
    config = load_config(paths)
    check_tests(config)
    tests = f"; {len(config.tests)} test(s) pass" if config.tests else ""
    click.echo(
        f"Configuration is valid: {len(config.rules)} rules and {len(config.pins)} pins "
        f"in {len(config.files)} file(s){tests}."
    )
