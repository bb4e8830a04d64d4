"""The Datadog API over httpx: connection settings, retries, rate-limit pacing, errors.

This package is the library's one network seam (besides the sandbox).
`DatadogClient` implements `model.IssueApi`; pass `transport=` to talk to anything
else (respx in tests, the in-process sandbox). The JSON:API mapping is
`wire`, in this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pacing import RateLimiter, RetryPolicy
from .settings import (
    DEFAULT_SITE,
    SITES,
    Credentials,
    resolve_api_url,
    resolve_ui_host,
    site_label,
)

if TYPE_CHECKING:
    from .api import DatadogClient

__all__ = [
    "DEFAULT_SITE",
    "SITES",
    "Credentials",
    "DatadogClient",
    "RateLimiter",
    "RetryPolicy",
    "resolve_api_url",
    "resolve_ui_host",
    "site_label",
]


def __getattr__(name: str) -> object:
    # httpx (about 40 ms to import) loads with the client, not with the package: the
    # offline commands use the settings alone.
    if name == "DatadogClient":
        from .api import DatadogClient

        return DatadogClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
