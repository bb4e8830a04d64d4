"""The shipped GitHub workflows (examples/github/): every `reconciler` command line in them
parses with the CLI's own options, and their script steps work against the sandbox with a
fake `gh` that records its calls."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from reconciler.cli import cli
from reconciler.sandbox import RunningSandbox, Store, bundled_configs, bundled_data, serve_in_thread


def _load(text: str) -> Any:
    return YAML(typ="safe").load(text)


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "github"
SCRIPTS = EXAMPLES / "scripts"
WORKFLOWS = sorted(EXAMPLES.glob("*.yml"))
FAKE_GH = Path(__file__).with_name("fake_gh.py")
REPOSITORY = "acme/triage"
BOT = "github-actions[bot]"

# What the GitHub expressions in the workflows' step environments stand for in a test run.
EXPRESSIONS = {
    "secrets.DD_API_KEY": "test-api-key",
    "secrets.DD_APP_KEY": "test-app-key",
    "secrets.DD_APP_KEY_READ_ONLY": "test-app-key",
    "github.token": "test-github-token",
    "github.event.pull_request.number": "7",
    "github.event.pull_request.head.repo.full_name": REPOSITORY,
}


def test_there_are_plan_apply_and_drift_workflows() -> None:
    names = {path.name for path in WORKFLOWS}
    assert names == {"reconciler-plan.yml", "reconciler-apply.yml", "reconciler-drift.yml"}


# --- every reconciler command line uses only options the CLI has -------------------------


def _shell_lines(text: str) -> Iterator[str]:
    """Logical lines (continuations joined), comments left out."""
    for line in text.replace("\\\n", " ").splitlines():
        if not line.strip().startswith("#"):
            yield line


def _command_lines() -> list[tuple[str, str]]:
    found = []
    sources = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SCRIPTS.glob("*.sh"))]
    for workflow in WORKFLOWS:
        for job in _load(workflow.read_text(encoding="utf-8"))["jobs"].values():
            sources.extend((workflow.name, step["run"]) for step in job["steps"] if "run" in step)
    for name, text in sources:
        for line in _shell_lines(text):
            if re.match(r"\s*(reconciler|python3? -m reconciler)\s", line):
                found.append((name, line.strip()))
    return found


# Shell words the scripts expand, as a run would see them. The plan script passes --base
# only to a reconciler that lists it in `plan --help`.
def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, name
    return command


HAS_BASE = any("--base" in param.opts for param in _command("plan").params)
EXPANSIONS = {
    "${config_paths[@]}": ["triage"],
    "${base_args[@]}": ["--base", "base/triage"] if HAS_BASE else [],
}


def _arguments(line: str) -> list[str]:
    words = shlex.split(line)
    words = words[words.index("reconciler") + 1 :] if "reconciler" in words else words
    args: list[str] = []
    for word in words:
        if word in (">", "||", "&&", "|", ";") or word.startswith(">") or word.startswith("2>"):
            break
        args.extend(EXPANSIONS.get(word, [word]))
    return args


COMMAND_LINES = _command_lines()


def test_the_scripts_have_reconciler_command_lines() -> None:
    commands = {_arguments(line)[0] for _, line in COMMAND_LINES}
    assert commands == {"plan", "apply"}
    assert len(COMMAND_LINES) >= 4


@pytest.mark.parametrize(
    ("source", "line"), COMMAND_LINES, ids=[f"{s}:{line[:50]}" for s, line in COMMAND_LINES]
)
def test_command_line_parses_with_the_cli_options(source: str, line: str) -> None:
    args = _arguments(line)
    command = _command(args[0])
    known = {opt for param in command.params for opt in param.opts}
    for arg in args[1:]:
        if arg.startswith("--"):
            assert arg.split("=")[0] in known, f"{source}: {arg} is not an option of {args[0]}"
    # Click itself parses the line: option values, choices and ranges are checked too.
    with click.Context(cli) as parent:
        command.make_context(args[0], args[1:], parent=parent)


# --- the script steps against the sandbox, with a fake gh --------------------------------


# A shim's first line: append its arguments to the log file named first, as one JSON line.
RECORD = (
    f'"{sys.executable}" -c "import json, sys; '
    "open(sys.argv[1], 'a').write(json.dumps(sys.argv[2:]) + chr(10))\""
)
# A reconciler shim's last line: the CLI of this checkout.
REAL = f'exec "{sys.executable}" -m reconciler "$@"'


class Run:
    """One checkout of a repository with the triage config, the scripts where the workflows
    expect them, and `gh` and `reconciler` on PATH."""

    def __init__(self, tmp_path: Path, sandbox: RunningSandbox) -> None:
        self.repo = tmp_path / "repo"
        (self.repo / ".github" / "scripts").mkdir(parents=True)
        shutil.copytree(SCRIPTS, self.repo / ".github" / "scripts" / "reconciler")
        self.config = self.repo / "triage"
        self.config.mkdir()
        for path in bundled_configs():
            shutil.copy(path, self.config / path.name)
        shutil.copytree(self.config, self.repo / ".reconciler-base" / "triage")
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.shim("gh", f'exec "{sys.executable}" "{FAKE_GH}" "$@"')
        self.reconciler_log = tmp_path / "reconciler-calls.jsonl"
        self.shim("reconciler", f'{RECORD} "{self.reconciler_log}" "$@"\n{REAL}')
        self.state = tmp_path / "gh-state.json"
        self.state.write_text(json.dumps({"comments": [], "issues": []}), encoding="utf-8")
        self.log = tmp_path / "gh-calls.jsonl"
        self.log.touch()
        self.sandbox = sandbox

    def shim(self, name: str, line: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n{line}\n", encoding="utf-8")
        path.chmod(0o755)

    def gh_state(self) -> dict[str, Any]:
        return json.loads(self.state.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def reconciler_calls(self) -> list[list[str]]:
        lines = self.reconciler_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def gh_calls(self) -> list[list[str]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["argv"] for line in lines]

    def step(
        self, workflow: str, script: str, **expressions: str
    ) -> subprocess.CompletedProcess[str]:
        """Run the workflow's step that calls `script`, with its env as GitHub would set it."""
        document = _load((EXAMPLES / workflow).read_text(encoding="utf-8"))
        (job,) = document["jobs"].values()
        (step,) = [s for s in job["steps"] if script in s.get("run", "")]
        values = {**EXPRESSIONS, **expressions}
        env = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.repo),
            "PYTHONPATH": str(ROOT),
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "1234",
            "GITHUB_STEP_SUMMARY": str(self.repo.parent / "step-summary.md"),
            "FAKE_GH_STATE": str(self.state),
            "FAKE_GH_LOG": str(self.log),
            # Not in the workflows: where the sandbox stands in for Datadog.
            "DD_API_URL": self.sandbox.url,
        }
        for key, value in {**document.get("env", {}), **step.get("env", {})}.items():
            env[key] = _expand(str(value), values)
        return subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=self.repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


def _expand(value: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        assert expression in values, f"no test value for ${{{{ {expression} }}}}"
        return values[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", one, value)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with serve_in_thread(Store.from_file(bundled_data())) as running:
        yield running


@pytest.fixture
def run(tmp_path: Path, sandbox: RunningSandbox) -> Run:
    return Run(tmp_path, sandbox)


MARKER = "<!-- reconciler plan: triage -->"


def _ours(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in state["comments"] if c["user"]["login"] == BOT]


def test_plan_step_creates_the_comment_then_updates_the_same_one(run: Run) -> None:
    # Someone else's comments that carry the marker are never touched.
    others = [
        {"id": 1, "issue": 7, "body": f"other tool\n{MARKER}", "user": {"login": "other[bot]"}},
        {"id": 2, "issue": 7, "body": f"> quoting\n> {MARKER}", "user": {"login": BOT}},
    ]
    run.state.write_text(json.dumps({"comments": others, "issues": []}), encoding="utf-8")

    first = run.step("reconciler-plan.yml", "plan-comment.sh")
    assert first.returncode == 0, first.stderr
    assert "posted the plan comment" in first.stdout
    (comment,) = _ours(run.gh_state())[1:]
    body = comment["body"]
    assert body.startswith("### Plan: ") and body.rstrip().endswith(MARKER)
    assert "https://app.datadoghq.com/error-tracking?issueId=" in body
    assert json.loads((run.repo / "plan.json").read_text(encoding="utf-8"))["changes"]
    assert [call[:3] for call in run.gh_calls()] == [
        ["api", "--paginate", f"repos/{REPOSITORY}/issues/7/comments"],
        ["api", "--method", "POST"],
    ]

    # The next push: a pin less, the same comment updated in place.
    triage = run.config / "triage.yaml"
    triage.write_text(triage.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (run.config / "ownership.yaml").unlink()
    second = run.step("reconciler-plan.yml", "plan-comment.sh")
    assert second.returncode == 0, second.stderr
    assert f"updated the plan comment {comment['id']}" in second.stdout
    state = run.gh_state()
    assert [c["id"] for c in state["comments"]] == [1, 2, comment["id"]]
    assert state["comments"][:2] == others
    updated = state["comments"][2]["body"]
    assert updated != body and updated.rstrip().endswith(MARKER)
    assert run.gh_calls()[-1][:4] == [
        "api",
        "--method",
        "PATCH",
        f"repos/{REPOSITORY}/issues/comments/{comment['id']}",
    ]


def _plan_calls(run: Run) -> list[list[str]]:
    """The `reconciler plan` command lines the step ran, `plan --help` left out."""
    return [
        args for args in run.reconciler_calls() if args[:1] == ["plan"] and "--help" not in args
    ]


def test_plan_step_passes_the_base_config_exactly_when_plan_has_base(run: Run) -> None:
    result = run.step("reconciler-plan.yml", "plan-comment.sh")
    assert result.returncode == 0, result.stderr
    assert "posted the plan comment" in result.stdout
    assert ["plan", "--help"] in run.reconciler_calls()
    (args,) = _plan_calls(run)
    if HAS_BASE:
        assert args[args.index("--base") + 1] == ".reconciler-base/triage/"
    else:
        assert "--base" not in args


def test_plan_step_leaves_base_out_when_plan_help_does_not_list_it(run: Run) -> None:
    # A pinned reconciler from before `plan --base`: its help has no such option.
    older = 'if [ "$1 $2" = "plan --help" ]; then'
    hide = f'{older} "{sys.executable}" -m reconciler plan --help | grep -v -- --base; exit 0; fi'
    run.shim("reconciler", f'{RECORD} "{run.reconciler_log}" "$@"\n{hide}\n{REAL}')
    result = run.step("reconciler-plan.yml", "plan-comment.sh")
    assert result.returncode == 0, result.stderr
    (args,) = _plan_calls(run)
    assert "--base" not in args
    (comment,) = _ours(run.gh_state())
    assert comment["body"].startswith("### Plan: ")


def test_plan_step_passes_base_when_plan_help_lists_it(run: Run) -> None:
    # The script's side alone, whatever this checkout's CLI has: a reconciler whose help
    # lists --base gets it, with the base branch's copy of each config path. The shim
    # drops `--base X` before the real CLI runs, which may not have the option yet.
    help_line = (
        'if [ "$1 $2" = "plan --help" ]; then '
        f'"{sys.executable}" -m reconciler plan --help; echo "  --base PATH"; exit 0; fi'
    )
    drop_base = (
        "n=$#; while [ $n -gt 0 ]; do a=$1; shift; n=$((n-1)); "
        'if [ "$a" = --base ]; then shift; n=$((n-1)); else set -- "$@" "$a"; fi; done'
    )
    shim = [f'{RECORD} "{run.reconciler_log}" "$@"', help_line, drop_base, REAL]
    run.shim("reconciler", "\n".join(shim))
    result = run.step("reconciler-plan.yml", "plan-comment.sh")
    assert result.returncode == 0, result.stderr
    (args,) = _plan_calls(run)
    assert args[:3] == ["plan", "triage/", "--base"]
    assert args[3] == ".reconciler-base/triage/"
    assert args.count("--base") == 1


def test_plan_step_leaves_base_out_when_the_base_branch_has_no_config(run: Run) -> None:
    # The pull request that adds the config: the base branch has none yet.
    shutil.rmtree(run.repo / ".reconciler-base" / "triage")
    result = run.step("reconciler-plan.yml", "plan-comment.sh")
    assert result.returncode == 0, result.stderr
    (args,) = _plan_calls(run)
    assert "--base" not in args
    assert "posted the plan comment" in result.stdout


def test_plan_step_skips_a_fork_without_secrets(run: Run) -> None:
    fork = {
        "github.event.pull_request.head.repo.full_name": "stranger/triage",
        "secrets.DD_API_KEY": "",
        "secrets.DD_APP_KEY_READ_ONLY": "",
    }
    result = run.step("reconciler-plan.yml", "plan-comment.sh", **fork)
    assert result.returncode == 0, result.stderr
    assert "::notice title=reconciler plan skipped::" in result.stdout
    assert run.gh_calls() == []
    assert not (run.repo / "plan.json").exists()


def test_plan_step_fails_the_check_on_a_config_error_and_says_so_in_the_comment(
    run: Run,
) -> None:
    assert run.step("reconciler-plan.yml", "plan-comment.sh").returncode == 0
    (run.config / "broken.yaml").write_text("version: 1\nrules: [{name: Bad}]\n", encoding="utf-8")
    result = run.step("reconciler-plan.yml", "plan-comment.sh")
    assert result.returncode == 1
    assert "broken.yaml:2:" in result.stderr
    (comment,) = _ours(run.gh_state())
    assert comment["body"].startswith("### Plan failed")
    assert comment["body"].rstrip().endswith(MARKER)
    assert "https://github.com/acme/triage/actions/runs/1234" in comment["body"]


def test_apply_step_applies_the_plan_it_saved_and_keeps_the_log(run: Run) -> None:
    result = run.step("reconciler-apply.yml", "apply.sh")
    assert result.returncode == 0, result.stderr
    plan = json.loads((run.repo / "plan.json").read_text(encoding="utf-8"))
    log = [json.loads(line) for line in (run.repo / "apply.log").read_text().splitlines()]
    assert len(log) == len(plan["changes"]) > 0
    assert {entry["status"] for entry in log} == {"applied"}
    again = run.step("reconciler-apply.yml", "apply.sh")
    assert again.returncode == 0, again.stderr
    assert "No changes." in again.stdout
    assert run.gh_calls() == []


def test_drift_step_opens_updates_then_closes_one_issue(run: Run) -> None:
    first = run.step("reconciler-drift.yml", "drift-issue.sh")
    assert first.returncode == 0, first.stderr
    assert "opened a drift issue" in first.stdout
    (issue,) = run.gh_state()["issues"]
    assert issue["state"] == "open" and issue["title"] == "Error Tracking drift: triage/"
    assert "### Plan: " in issue["body"] and issue["body"].rstrip().endswith(MARKER)

    second = run.step("reconciler-drift.yml", "drift-issue.sh")
    assert second.returncode == 0, second.stderr
    assert f"updated the drift issue #{issue['number']}" in second.stdout
    assert len(run.gh_state()["issues"]) == 1

    assert run.step("reconciler-apply.yml", "apply.sh").returncode == 0
    clean = run.step("reconciler-drift.yml", "drift-issue.sh")
    assert clean.returncode == 0, clean.stderr
    assert f"closed the drift issue #{issue['number']}" in clean.stdout
    (closed,) = run.gh_state()["issues"]
    assert closed["state"] == "closed"
    assert any("No drift any more" in c["body"] for c in run.gh_state()["comments"])

    quiet = run.step("reconciler-drift.yml", "drift-issue.sh")
    assert quiet.returncode == 0 and "no drift" in quiet.stdout


def test_workflows_install_the_readme_line_pinned_to_a_tag() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r'python -m pip install "([^"]+)"', readme)
    assert match is not None
    requirement = match.group(1)
    assert requirement.startswith("errortracking-reconciler @ git+https://github.com/")
    assert re.search(r"@v\d+\.\d+\.\d+$", requirement)
    for workflow in WORKFLOWS:
        document = _load(workflow.read_text(encoding="utf-8"))
        assert document["env"]["RECONCILER"] == requirement, workflow.name
        (job,) = document["jobs"].values()
        runs = [step.get("run", "") for step in job["steps"]]
        assert 'python -m pip install "$RECONCILER"' in runs, workflow.name


def test_workflows_ask_for_least_privilege() -> None:
    wanted = {
        "reconciler-plan.yml": {"contents": "read", "pull-requests": "write"},
        "reconciler-apply.yml": {"contents": "read"},
        "reconciler-drift.yml": {"contents": "read", "issues": "write"},
    }
    for workflow in WORKFLOWS:
        document = _load(workflow.read_text(encoding="utf-8"))
        assert document["permissions"] == wanted[workflow.name]
    apply = _load((EXAMPLES / "reconciler-apply.yml").read_text(encoding="utf-8"))
    assert apply["concurrency"] == {"group": "reconciler-apply", "cancel-in-progress": False}
