"""The sandbox's own errors: what they say, and how the commands turn them into `Error:`."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_process import run_reconciler
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.cli.sandbox import sandbox as sandbox_cli
from reconciler.errors import ReconcilerError
from reconciler.sandbox import Store, serve_in_thread
from reconciler.sandbox.errors import (
    SandboxBindError,
    SandboxDataError,
    SandboxError,
    SandboxStartError,
)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EADDRINUSE, "port 8126 is in use on 127.0.0.1; pass --port with a free port"),
        (
            errno.EACCES,
            "not permitted to listen on 127.0.0.1:8126 (Permission denied); pass --port",
        ),
        (errno.EADDRNOTAVAIL, "127.0.0.1 is not an address of this machine; pass --host"),
        (None, "cannot listen on 127.0.0.1:8126: Permission denied; check --host and --port"),
    ],
    ids=["in-use", "not-permitted", "not-an-address", "other"],
)
def test_bind_errors_say_what_to_do(code: int | None, expected: str) -> None:
    error = SandboxBindError("127.0.0.1", 8126, "Permission denied", code)
    assert expected in str(error)
    assert (error.host, error.port) == ("127.0.0.1", 8126)


def test_the_tree_is_the_sandboxs_own() -> None:
    for kind in (SandboxDataError, SandboxBindError, SandboxStartError):
        assert issubclass(kind, SandboxError)
        assert not issubclass(kind, ReconcilerError)


def test_serving_on_a_taken_port_raises_a_bind_error(taken_port: int) -> None:
    with pytest.raises(SandboxBindError) as caught, serve_in_thread(Store(), port=taken_port):
        pass  # pragma: no cover - the context never starts
    assert caught.value.code == errno.EADDRINUSE
    assert f"port {taken_port} is in use" in str(caught.value)


def test_cli_serve_on_a_taken_port_is_an_error_line(taken_port: int) -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--port", str(taken_port)])
    assert result.exit_code == 1
    assert f"Error: port {taken_port} is in use on 127.0.0.1; pass --port" in result.output
    assert "Traceback" not in result.output
    assert "got no answer" not in result.output


def test_cli_serve_with_an_unknown_host_is_an_error_line() -> None:
    result = CliRunner().invoke(sandbox_cli, ["serve", "--host", "no-such-host.invalid"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot listen on no-such-host.invalid:8126")


def test_cli_generate_into_a_missing_directory_is_an_error_line(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "org.json"
    result = CliRunner().invoke(sandbox_cli, ["generate", "--issues", "1", "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {out}: not a usable sandbox data file: cannot write")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("persist", [False, True], ids=["memory", "persist"])
def test_cli_serve_with_a_fifo_or_device_as_data_is_an_error_line(
    tmp_path: Path, persist: bool
) -> None:
    fifo = tmp_path / "org.json"
    os.mkfifo(fifo)
    for data in (str(fifo), "/dev/zero"):
        args = ["sandbox", "serve", "--port", "0", "--data", data]
        done = run_reconciler([*args, *(["--persist"] if persist else [])])
        assert done.returncode == 1
        assert done.stderr.startswith(f"Error: {data}: ")
        assert "not a regular file" in done.stderr
