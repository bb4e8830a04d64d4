"""`reconciler sandbox`: run the local Datadog-compatible sandbox, or generate data for it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.sandbox import (
    Knobs,
    Store,
    bundled_configs,
    bundled_data,
    generate_org_document,
    serve_forever,
)
from reconciler.sandbox.data import write_json_atomically
from reconciler.sandbox.errors import SandboxError
from reconciler.sandbox.fit import fit_for

_FRACTION = click.FloatRange(0.0, 1.0)


@click.group()
def sandbox() -> None:
    """A local server that answers like the Datadog Error Tracking API."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8126,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Org data: a JSON data file or an SQLite org; the bundled demo org when omitted.",
)
@click.option(
    "--persist",
    is_flag=True,
    help="Keep every change: in FILE.sqlite beside a JSON --data FILE (seeded from it on "
    "first use), or in an SQLite --data file itself.",
)
@click.option("--latency-ms", default=0.0, type=click.FloatRange(min=0), help="Delay per request.")
@click.option("--rate-limit", type=click.IntRange(min=1), help="Requests allowed per period.")
@click.option("--rate-period", default=60.0, type=click.FloatRange(min=0.001), show_default=True)
@click.option("--fault-rate", default=0.0, type=_FRACTION, help="Fraction answered with a 5xx.")
@click.option("--drop-rate", default=0.0, type=_FRACTION, help="Fraction of dropped connections.")
@click.option("--seed", default=0, type=int, show_default=True, help="Seed of the fault draws.")
@click.option(
    "--no-auto-acknowledge",
    is_flag=True,
    help="Do not mark OPEN issues ACKNOWLEDGED when they are assigned.",
)
@click.option(
    "--api-key",
    envvar="RECONCILER_SANDBOX_API_KEY",
    help="Require this DD-API-KEY (any non-empty key otherwise).",
)
@click.option(
    "--app-key",
    envvar="RECONCILER_SANDBOX_APP_KEY",
    help="Require this DD-APPLICATION-KEY (any non-empty key otherwise).",
)
def serve(
    host: str,
    port: int,
    data: Path | None,
    persist: bool,
    latency_ms: float,
    rate_limit: int | None,
    rate_period: float,
    fault_rate: float,
    drop_rate: float,
    seed: int,
    no_auto_acknowledge: bool,
    api_key: str | None,
    app_key: str | None,
) -> None:
    """Serve the sandbox in the foreground until Ctrl-C."""
    if persist and data is None:
        raise click.UsageError("--persist needs --data FILE (the bundled data is read-only)")
    knobs = Knobs(
        latency_ms=latency_ms,
        rate_limit=rate_limit,
        rate_period=rate_period,
        fault_rate=fault_rate,
        drop_rate=drop_rate,
        seed=seed,
        auto_acknowledge=not no_auto_acknowledge,
        api_key=api_key or None,
        app_key=app_key or None,
    )
    try:
        store = Store.from_file(data or bundled_data(), persist=persist)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc

    def announce(url: str) -> None:
        counts = f"{store.issue_count()} issues, {len(store.users())} users"
        click.echo(f"Sandbox: {counts}, listening on {url} (Ctrl-C to stop)", err=True)
        if store.database is not None:
            click.echo(f"Changes are kept in {store.database}", err=True)
        click.echo(f"Point the reconciler at it: export DD_API_URL={url}", err=True)
        if api_key is None or app_key is None:
            click.echo("Any non-empty DD_API_KEY / DD_APP_KEY is accepted.", err=True)

    try:
        serve_forever(store, knobs, host, port, announce)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo("Sandbox stopped.", err=True)


@sandbox.command()
@click.option("--issues", default=1000, show_default=True, type=click.IntRange(min=0))
@click.option("--services", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--users", type=click.IntRange(min=1), help="Users in the org (default: services/2).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FILE",
    help="Write here (atomically); stdout when omitted or '-'.",
)
@click.option(
    "--config",
    "configs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A config (file or directory; repeatable) whose users, services, pins and rules the "
    "org should fit; the bundled examples when omitted.",
)
def generate(
    issues: int,
    services: int,
    users: int | None,
    seed: int,
    out: str | None,
    configs: tuple[Path, ...],
) -> None:
    """Generate a synthetic org data file; the same options always give the same file.

    The org holds the users the configs name, the services and error types their
    rules search for, their pinned issues, and for every rule an issue it would
    change, so that `reconciler plan` of those configs has something to do.
    """
    # Only this command reads YAML, so the config loader is imported here.
    from reconciler.config import load_config

    fit = fit_for(load_config(list(configs) or bundled_configs()))
    document = generate_org_document(issues, services, seed, users, fit=fit)
    if out is None or out == "-":
        click.echo(json.dumps(document, indent=2))
        return
    try:
        write_json_atomically(Path(out), document)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    service_count = len({issue["service"] for issue in document["issues"]})
    click.echo(
        f"Wrote {len(document['issues'])} issues over {service_count} services and "
        f"{len(document['users'])} users to {out}",
        err=True,
    )


if __name__ == "__main__":
    sandbox()
