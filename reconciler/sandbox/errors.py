"""The sandbox's own exception tree, kept apart from the reconciler's.

The sandbox is a stand-in for Datadog, not a client of it, so a port that is
taken or a data file that does not load are its own failures, each with a
message that says what to do. The CLI prints them as ``Error: ...``.

    SandboxError
    ├── SandboxDataError   a data file cannot be read, written or is malformed
    ├── SandboxBindError   the host and port cannot be listened on
    └── SandboxStartError  the server was bound but did not start

`ApiAnswer` is not part of the tree: it is how an endpoint answers an HTTP
error (status and `detail` as the real API words them), turned into a JSON:API
error document before it leaves the server.
"""

from __future__ import annotations

import errno


class SandboxError(Exception):
    """Base class of every error the sandbox raises on purpose."""


class SandboxDataError(SandboxError):
    """A sandbox data file cannot be read, or an entry in it is malformed."""

    def __init__(self, path: str, reason: str, fix: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.fix = fix or "Fix the entry, or regenerate the file with `reconciler sandbox generate`"
        super().__init__(f"{path}: not a usable sandbox data file: {reason}. {self.fix}")


class SandboxBindError(SandboxError):
    """The sandbox cannot listen on `host:port` (taken, not permitted, or no such address)."""

    def __init__(self, host: str, port: int, reason: str, code: int | None = None) -> None:
        self.host = host
        self.port = port
        self.reason = reason
        self.code = code
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.host}:{self.port}"
        if self.code == errno.EADDRINUSE:
            return f"port {self.port} is in use on {self.host}; pass --port with a free port"
        if self.code == errno.EACCES:
            return (
                f"not permitted to listen on {where} ({self.reason}); pass --port with a "
                "port above 1023"
            )
        if self.code == errno.EADDRNOTAVAIL:
            return (
                f"cannot listen on {where}: {self.host} is not an address of this machine; "
                "pass --host 127.0.0.1"
            )
        return f"cannot listen on {where}: {self.reason}; check --host and --port"


class SandboxStartError(SandboxError):
    """The server was bound to `host:port` but did not start serving in time."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        super().__init__(
            f"the sandbox on {host}:{port} did not start; run it in the foreground with "
            "`reconciler sandbox serve` to see why"
        )


class ApiAnswer(Exception):
    """An HTTP error answer of an endpoint: `status` and the API's own `detail` text."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(f"HTTP {status}: {detail}")
