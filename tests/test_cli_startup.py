"""What each command imports: the CLI loads a command's module only when it runs.

Each case runs the command in a fresh interpreter and reads `sys.modules` after it,
so the assertions name modules, never times (speed is `benchmarks/startup.py`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from reconciler.cli import COMMANDS, LazyGroup, cli

ROOT = Path(__file__).resolve().parent.parent
NETWORK_AND_PLANNER = ("httpx", "httpcore", "deepdiff")
SANDBOX_SERVER = ("starlette", "uvicorn")

# Runs the CLI as `python -m reconciler` does, then writes what was imported to argv[1].
RUN_AND_LIST_MODULES = """
import json, sys
from reconciler.cli import main
out, sys.argv = sys.argv[1], ["reconciler", *sys.argv[2:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
with open(out, "w") as file:
    json.dump({"code": code, "modules": sorted(sys.modules)}, file)
"""


def imported_by(tmp_path: Path, *args: str) -> set[str]:
    """The top-level and reconciler modules loaded by `reconciler ARGS...`, which must exit 0."""
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, str(out), *args],
        capture_output=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    ran = json.loads(out.read_text())
    assert ran["code"] in (0, None), ran["code"]
    modules: list[str] = ran["modules"]
    return {m for m in modules if m.startswith("reconciler.")} | {m.split(".")[0] for m in modules}


def test_validate_loads_neither_the_http_client_the_planner_nor_the_sandbox(
    tmp_path: Path,
) -> None:
    modules = imported_by(tmp_path, "validate", "examples/")
    assert "reconciler.config" in modules
    assert modules.isdisjoint(NETWORK_AND_PLANNER + SANDBOX_SERVER)
    assert "reconciler.engine" not in modules


@pytest.mark.parametrize("command", ["plan", "apply", "show"])
def test_plan_and_apply_never_load_the_sandbox(tmp_path: Path, command: str) -> None:
    modules = imported_by(tmp_path, command, "--help")
    assert "reconciler.engine" in modules
    assert modules.isdisjoint(SANDBOX_SERVER)
    assert "reconciler.sandbox" not in modules


def test_help_lists_every_command_and_loads_none(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--help")
    assert {m for m in modules if m.startswith("reconciler.cli.")} == set()
    assert modules.isdisjoint(NETWORK_AND_PLANNER + SANDBOX_SERVER + ("ruamel",))
    assert "reconciler.config" not in modules


def commands_section(group: click.Group) -> str:
    text = group.get_help(click.Context(group, info_name="reconciler"))
    return text[text.index("Commands:") :]


def test_help_lists_the_commands_as_click_would_with_every_one_loaded() -> None:
    lazy = LazyGroup("reconciler", lazy=COMMANDS)
    loaded = click.Group("reconciler")
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        loaded.add_command(command, name)
    assert commands_section(lazy) == commands_section(loaded)
    assert not lazy.commands
    last = "\n  validate  Check the configuration offline; no network."
    assert commands_section(lazy).endswith(last)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_registered_summary_is_its_commands_first_sentence(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.name == name
    assert command.get_short_help_str(limit=1000) == COMMANDS[name].summary
