"""The README's recipes as written: every `reconciler` command line in its shell blocks
parses with the CLI's options, and the sandbox recipe (generate, serve, plan) runs.

The serve line is run with `--port 0` appended (a free port rather than 8126, which another
test run may hold), and the plan line gets the URL serve prints; nothing else is changed.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest

from reconciler.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SHELL_BLOCKS = re.findall(r"```(?:sh|bash)\n(.*?)```", README, flags=re.S)


def _commands(block: str) -> list[tuple[dict[str, str], list[str]]]:
    """Each `[VAR=value ...] reconciler ARGS` line of a block: its variables and ARGS."""
    found = []
    for line in block.replace("\\\n", " ").splitlines():
        for part in re.split(r"\s&&\s", line):
            words = shlex.split(part)
            env = {}
            while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
                key, _, value = words.pop(0).partition("=")
                env[key] = value
            if words and words[0] == "reconciler":
                found.append((env, words[1:]))
    return found


COMMANDS = [args for block in SHELL_BLOCKS for _, args in _commands(block)]


def _resolve(args: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """The click command an argument list names, the names, and the rest of the list."""
    command: click.Command = cli
    names = []
    while isinstance(command, click.Group) and args:
        sub = command.get_command(click.Context(command), args[0])
        if sub is None:
            break
        names.append(args[0])
        command, args = sub, args[1:]
    return command, names, args


def test_the_readme_has_the_recipes() -> None:
    names = {" ".join(_resolve(args)[1]) for args in COMMANDS}
    assert {"demo", "sandbox generate", "sandbox serve", "plan"} <= names


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a)[:60] for a in COMMANDS])
def test_every_command_line_parses(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a checkout, after the recipe's earlier lines: the files they read are there.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    for arg in args:
        if re.fullmatch(r"[\w.-]+\.(json|yaml)", arg):
            (tmp_path / arg).write_text("{}", encoding="utf-8")
    command, names, rest = _resolve(args)
    assert names and not isinstance(command, click.Group), f"unknown command in {args}"
    with click.Context(cli) as parent:
        command.make_context(" ".join(names), rest, parent=parent)


def _sandbox_recipe() -> list[tuple[dict[str, str], list[str]]]:
    (block,) = [b for b in SHELL_BLOCKS if "sandbox generate" in b]
    return _commands(block)


def test_the_sandbox_recipe_generates_serves_and_plans(tmp_path: Path) -> None:
    (generate_env, generate), (_, serve), (plan_env, plan) = _sandbox_recipe()
    assert generate[:2] == ["sandbox", "generate"] and serve[:2] == ["sandbox", "serve"]
    assert plan[0] == "plan"
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # the recipe runs in a checkout
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reconciler = [sys.executable, "-m", "reconciler"]

    done = subprocess.run(
        [*reconciler, *generate], cwd=tmp_path, env={**env, **generate_env}, timeout=600
    )
    assert done.returncode == 0

    server = subprocess.Popen(
        [*reconciler, *serve, "--port", "0"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        url = None
        for line in server.stderr:
            found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if found:
                url = found.group(1)
                break
        assert url is not None, "the sandbox did not print its URL"
        assert plan_env.get("DD_API_URL", "").startswith("http://127.0.0.1:")
        planned = subprocess.run(
            [*reconciler, *plan],
            cwd=tmp_path,
            env={**env, **plan_env, "DD_API_URL": url},
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert planned.returncode == 0, planned.stderr
    summary = re.search(r"^Plan: (\d+) changes", planned.stdout, flags=re.M)
    assert summary is not None and int(summary.group(1)) > 0
