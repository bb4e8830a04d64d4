"""Realism knobs (latency, rate limit, faults, auth) and the ASGI middleware that applies them.

Every request goes, in order, through: counting, latency, the fault draw
(a dropped connection or a 5xx), the key check (403), the rate limit (429),
then the endpoint. Faults come from one `random.Random(seed)`, drawn once per
request in arrival order, so a sequential run is reproducible.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, Match

from reconciler.sandbox.jsonapi import error_document
from reconciler.sandbox.store import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSONAPI = "application/vnd.api+json"
_FAULT_STATUSES = (500, 502, 503, 504)


async def _asyncio_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Knobs:
    """How realistic (and how hostile) the sandbox is; the defaults make it fast and friendly."""

    latency_ms: float = 0.0
    rate_limit: int | None = None  # requests per `rate_period`; None: no limit, no headers
    rate_period: float = 60.0
    rate_limit_name: str = "error_tracking_issues"
    fault_rate: float = 0.0  # fraction of requests answered with a 5xx
    drop_rate: float = 0.0  # fraction of requests whose connection is closed unanswered
    seed: int = 0
    auto_acknowledge: bool = True
    api_key: str | None = None  # None: any non-empty DD-API-KEY is accepted
    app_key: str | None = None  # None: any non-empty DD-APPLICATION-KEY is accepted
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    sleep: Callable[[float], Awaitable[None]] = field(
        default=_asyncio_sleep, repr=False, compare=False
    )

    def __repr__(self) -> str:
        # Configured keys are secrets even in a sandbox: show only whether they are set.
        return (
            f"Knobs(latency_ms={self.latency_ms}, rate_limit={self.rate_limit}, "
            f"rate_period={self.rate_period}, fault_rate={self.fault_rate}, "
            f"drop_rate={self.drop_rate}, seed={self.seed}, "
            f"auto_acknowledge={self.auto_acknowledge}, "
            f"api_key={'set' if self.api_key else None}, "
            f"app_key={'set' if self.app_key else None})"
        )


class _RateWindow:
    """A calendar-aligned fixed window: `limit` requests per `period` seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window_start = -math.inf
        self._used = 0

    def take(self, limit: int, knobs: Knobs) -> tuple[bool, dict[str, str]]:
        now = knobs.clock()
        period = knobs.rate_period
        start = math.floor(now / period) * period
        with self._lock:
            if start != self._window_start:
                self._window_start = start
                self._used = 0
            allowed = self._used < limit
            if allowed:
                self._used += 1
            remaining = max(limit - self._used, 0)
        reset = max(math.ceil(start + period - now), 1)
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-period": str(int(period) if float(period).is_integer() else period),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-name": knobs.rate_limit_name,
        }
        return allowed, headers


class SandboxMiddleware:
    """Applies the knobs around the endpoints and counts every request in the store."""

    def __init__(self, app: ASGIApp, store: Store, knobs: Knobs, routes: list[BaseRoute]) -> None:
        self.app = app
        self.store = store
        self.routes = routes
        self._lock = threading.Lock()
        self.configure(knobs)

    def configure(self, knobs: Knobs) -> None:
        """Switch to new knobs, restarting the fault sequence and the rate window."""
        with self._lock:
            self.knobs = knobs
            self._rng = random.Random(knobs.seed)
            self._window = _RateWindow()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        knobs = self.knobs
        self.store.record_request(scope["method"], self._route_of(scope))
        if knobs.latency_ms > 0:
            await knobs.sleep(knobs.latency_ms / 1000)
        drop, fault_status = self._draw(knobs)
        if drop and await _drop_connection(send):
            return
        rate_headers: dict[str, str] = {}
        allowed = True
        if knobs.rate_limit is not None:
            allowed, rate_headers = self._window.take(knobs.rate_limit, knobs)
        if drop or fault_status:
            status = fault_status or 503
            await _send_error(send, scope, status, "sandbox injected fault", rate_headers)
        elif not _authorized(scope, knobs):
            await _send_error(send, scope, 403, "Forbidden", rate_headers)
        elif not allowed:
            await _send_error(send, scope, 429, "Too many requests", rate_headers)
        else:
            await self.app(scope, receive, _with_headers(send, rate_headers))

    def _draw(self, knobs: Knobs) -> tuple[bool, int | None]:
        if knobs.fault_rate <= 0 and knobs.drop_rate <= 0:
            return False, None
        with self._lock:
            roll = self._rng.random()
            if roll < knobs.drop_rate:
                return True, None
            if roll < knobs.drop_rate + knobs.fault_rate:
                return False, self._rng.choice(_FAULT_STATUSES)
        return False, None

    def _route_of(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(getattr(route, "path", scope["path"]))
        return str(scope["path"])


def _authorized(scope: Scope, knobs: Knobs) -> bool:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    api_key = headers.get("dd-api-key", "")
    app_key = headers.get("dd-application-key", "")
    if not api_key or not app_key:
        return False
    if knobs.api_key is not None and api_key != knobs.api_key:
        return False
    return knobs.app_key is None or app_key == knobs.app_key


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    if not extra:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.extend((k.encode(), v.encode()) for k, v in extra.items())
            message["headers"] = headers
        await send(message)

    return wrapped


async def _send_error(
    send: Send, scope: Scope, status: int, detail: str, extra: dict[str, str]
) -> None:
    # The Users API declares plain string errors; the error-tracking API sends JSON:API objects.
    if scope["path"].startswith("/api/v2/users"):
        body, content_type = {"errors": [detail]}, "application/json"
    else:
        body, content_type = error_document(status, detail), JSONAPI
    payload = json.dumps(body, separators=(",", ":")).encode()
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(payload)).encode()),
        *((k.encode(), v.encode()) for k, v in extra.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _drop_connection(send: Send) -> bool:
    """Close the client's connection without answering; False when the server gives no way.

    uvicorn hands the ASGI app a bound method of its request cycle, whose
    transport is the connection; closing it is what a dying proxy looks like.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "close"):
        return False
    transport.close()
    # Let uvicorn notice the disconnect, so it does not try to answer on a closed socket.
    for _ in range(50):
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)
    return True
