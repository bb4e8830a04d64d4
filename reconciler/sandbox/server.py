"""Serving the sandbox over real HTTP: in a background thread, or in the foreground for the CLI."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import uvicorn
from starlette.applications import Starlette

from reconciler.errors import NetworkError
from reconciler.sandbox.app import create_app
from reconciler.sandbox.knobs import Knobs, SandboxMiddleware
from reconciler.sandbox.store import Store

log = logging.getLogger(__name__)
_START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox answering on `url`; its store and knobs can be inspected while it runs."""

    url: str
    store: Store
    app: Starlette

    @property
    def knobs(self) -> Knobs:
        return self._middleware.knobs

    @property
    def _middleware(self) -> SandboxMiddleware:
        middleware: SandboxMiddleware = self.app.state.sandbox
        return middleware

    def reconfigure(self, **changes: Any) -> Knobs:
        """Replace some knobs (e.g. `fault_rate=0.2`) while running; returns the new knobs."""
        knobs = replace(self.knobs, **changes)
        self._middleware.configure(knobs)
        return knobs


def _config(app: Starlette, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        loop="asyncio",
        lifespan="off",
        log_level=log_level,
        access_log=False,
    )


@contextmanager
def serve_in_thread(
    store: Store,
    knobs: Knobs | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[RunningSandbox]:
    """Serve `store` on a free port (port=0) in a daemon thread until the block ends.

    Raises NetworkError when the port cannot be bound or the server does not start.
    """
    app = create_app(store, knobs or Knobs())
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP lets asyncio turn Nagle off on accepted connections.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise NetworkError("BIND", f"{host}:{port}", str(exc)) from exc
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, host, bound_port, "warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="reconciler-sandbox", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise NetworkError("START", f"{host}:{bound_port}", "the sandbox did not start")
            time.sleep(0.005)
        url_host = f"[{host}]" if ":" in host else host
        log.debug("sandbox listening on %s:%s", url_host, bound_port)
        yield RunningSandbox(url=f"http://{url_host}:{bound_port}", store=store, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)
        sock.close()


def serve_forever(store: Store, knobs: Knobs, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (Ctrl-C)."""
    uvicorn.Server(_config(create_app(store, knobs), host, port, "info")).run()
