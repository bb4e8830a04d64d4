"""A local server that answers like the Datadog Error Tracking API, for demos and offline tests.

    store = Store.from_file(bundled_data())
    with serve_in_thread(store, Knobs(latency_ms=20)) as sandbox:
        ...  # point DD_API_URL (or the official client's host) at sandbox.url

Documented differences from the real API: rate-limit headers are sent only when a
limit is configured; assigning an unknown (well-formed) user id answers 404
`user not found`; search accepts `query: "*"` or `""` for everything.

- `store` holds the org; `index` answers its searches (`search.select`, a scan of
  every issue, is the reference); `data` reads and writes data files, and keeps a
  persisted org in SQLite (`data.database`).
- `app`, `jsonapi`, `knobs` and `server` are the HTTP side; `errors` the
  sandbox's own exceptions (`SandboxError` and below).
- `generate` makes synthetic orgs from `synthetic`'s parts and `vocabulary`'s
  words; `fit` reads what a config needs from an org, `fitted` makes it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reconciler.sandbox.app import create_app
from reconciler.sandbox.data import OrgData, load_data, org_from_dict, org_to_dict
from reconciler.sandbox.fit import OrgFit, fit_for
from reconciler.sandbox.generate import generate_org, generate_org_document
from reconciler.sandbox.knobs import Knobs
from reconciler.sandbox.records import SandboxCase, SandboxIssue, SandboxTeam, SandboxUser
from reconciler.sandbox.server import RunningSandbox, serve_forever, serve_in_thread
from reconciler.sandbox.store import Store

__all__ = [
    "Knobs",
    "OrgData",
    "OrgFit",
    "RunningSandbox",
    "SandboxCase",
    "SandboxIssue",
    "SandboxTeam",
    "SandboxUser",
    "Store",
    "bundled_configs",
    "bundled_data",
    "create_app",
    "fit_for",
    "generate_org",
    "generate_org_document",
    "load_data",
    "org_from_dict",
    "org_to_dict",
    "serve_forever",
    "serve_in_thread",
]

BUNDLED_DATA_NAME = "demo-org.json"


def _examples_dir() -> Path:
    # examples/ is reachable as the `reconciler.sandbox.examples` package (a symlink in a
    # checkout, real files once installed); a checkout without symlinks falls back to it.
    packaged = Path(str(resources.files("reconciler.sandbox"))) / "examples"
    if (packaged / BUNDLED_DATA_NAME).is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "examples"


def bundled_data() -> Path:
    """The demo org's data file shipped with the package."""
    return _examples_dir() / BUNDLED_DATA_NAME


def bundled_configs() -> list[Path]:
    """The example configs that match the demo org, in the order they are meant to load."""
    return sorted(_examples_dir().glob("*.yaml"))
