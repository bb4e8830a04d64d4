"""Serving the sandbox over real HTTP: in a background thread, or in the foreground for the CLI."""

from __future__ import annotations

import gc
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from reconciler.sandbox.app import create_app
from reconciler.sandbox.errors import SandboxBindError, SandboxStartError
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

    Raises SandboxBindError when the port cannot be bound, SandboxStartError when the
    server does not start.
    """
    app = create_app(store, knobs or Knobs())
    sock = _bind(host, port)
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
                raise SandboxStartError(host, bound_port)
            time.sleep(0.005)
        url = _url(host, bound_port)
        log.debug("sandbox listening on %s", url)
        yield RunningSandbox(url=url, store=store, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)
        sock.close()


def serve_forever(
    store: Store,
    knobs: Knobs,
    host: str,
    port: int,
    on_listening: Callable[[str], None] = lambda _url: None,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C), calling `on_listening(url)` once
    bound (port 0 picks a free port); raises SandboxBindError."""
    # Binding here rather than in uvicorn turns a taken port into an error that says
    # what to do, instead of uvicorn's log line and exit.
    sock = _bind(host, port)
    try:
        settle(store)
        bound_port = sock.getsockname()[1]
        on_listening(_url(host, bound_port))
        server = uvicorn.Server(_config(create_app(store, knobs), host, bound_port, "warning"))
        with _signals_end_quietly():
            server.run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def _signals_end_quietly() -> Iterator[None]:
    # uvicorn shuts down gracefully on SIGINT or SIGTERM, then raises the signal again
    # for the handler that was there before it. A no-op handler there makes that a
    # plain return, so the caller's cleanup (closing the database) still runs.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(_signal: int, _frame: FrameType | None) -> None:
    """A signal handler that does nothing."""


def settle(store: Store) -> None:
    """Get a freshly loaded org ready to serve in this process: its index built, and
    everything allocated so far left out of the garbage collector's full passes.

    A 100,000-issue org is millions of objects that live as long as the process; a
    full collection walks them all, and in a search-heavy run that cost more CPU per
    request than the search and the encoding together. Only for a process that is
    the server: `gc.freeze` applies to the whole process.
    """
    store.prepare()
    gc.collect()
    gc.freeze()


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        # An explicit IPPROTO_TCP lets asyncio turn Nagle off on accepted connections.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except OSError as exc:
        raise SandboxBindError(host, port, exc.strerror or str(exc), exc.errno) from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, OverflowError) as exc:
        sock.close()
        code = exc.errno if isinstance(exc, OSError) else None
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
        raise SandboxBindError(host, port, reason, code) from exc
    return sock
