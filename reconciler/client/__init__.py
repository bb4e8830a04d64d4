"""The Datadog API over httpx: connection settings, retries, rate-limit pacing, errors.

This package is the library's one network seam (besides the sandbox).
`DatadogClient` implements `model.IssueApi`; pass `transport=` to talk to anything
else (respx in tests, the in-process sandbox). The JSON:API mapping is in
`reconciler.client.wire`.
"""

from __future__ import annotations

from reconciler.client.api import DatadogClient
from reconciler.client.pacing import RateLimiter, RetryPolicy
from reconciler.client.settings import (
    DEFAULT_SITE,
    SITES,
    Credentials,
    resolve_api_url,
    resolve_ui_host,
    site_label,
)

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
