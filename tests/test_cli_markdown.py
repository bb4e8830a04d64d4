"""`plan` and `show` for pull requests: the Markdown budget, the step summary, links."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sandbox_fixtures import make_store

from reconciler.cli import cli
from reconciler.sandbox import Knobs, RunningSandbox, serve_in_thread

API_KEY = "sk-test-0123456789abcdef-API"
APP_KEY = "sk-test-fedcba9876543210-APP"

CONFIG = """
version: 1
rules:
  - name: everything-acknowledged
    query: '*'
    state: ACKNOWLEDGED
"""


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with serve_in_thread(make_store(), Knobs(api_key=API_KEY, app_key=APP_KEY)) as running:
        yield running


@pytest.fixture
def env(sandbox: RunningSandbox) -> dict[str, str]:
    return {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_API_URL": sandbox.url}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "triage.yaml"
    path.write_text(textwrap.dedent(CONFIG).lstrip(), encoding="utf-8")
    return path


def run(args: list[str], env: dict[str, str]) -> Result:
    base = {"DD_API_KEY": "", "DD_APP_KEY": "", "DD_API_URL": "", "DD_SITE": ""}
    base |= {"GITHUB_STEP_SUMMARY": "", "GITHUB_RUN_ID": ""}
    return CliRunner().invoke(cli, args, env={**base, **env})


def test_markdown_plan_names_its_config_in_the_marker(config: Path, env: dict[str, str]) -> None:
    result = run(["plan", "--format", "markdown", str(config)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("### Plan: ")
    assert result.stdout.rstrip().splitlines()[-1] == f"<!-- reconciler plan: {config} -->"


def test_max_chars_bounds_the_comment_and_the_footer_points_at_the_run(
    config: Path, env: dict[str, str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    github = {
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/triage",
        "GITHUB_RUN_ID": "42",
    }
    out = str(tmp_path / "plan.json")
    args = ["plan", "--format", "markdown", "--max-chars", "1000", "--out", out]
    result = run([*args, str(config)], {**env, **github})
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout) <= 1001  # click adds the final newline back
    assert "**Not shown: " in result.stdout
    assert "(https://github.com/acme/triage/actions/runs/42)" in result.stdout
    assert "plan.json" in result.stdout
    full = summary.read_text(encoding="utf-8")
    assert full.startswith("earlier step\n### Plan: ")
    assert "**Not shown" not in full
    assert full.count("<details>") >= 1


def test_step_summary_is_appended_whatever_the_format(
    config: Path, env: dict[str, str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    result = run(
        ["plan", "--format", "json", str(config)], {**env, "GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["format_version"] == 1
    assert summary.read_text(encoding="utf-8").startswith("### Plan: ")


def test_max_chars_below_the_minimum_is_a_usage_error(config: Path, env: dict[str, str]) -> None:
    result = run(["plan", "--format", "markdown", "--max-chars", "10", str(config)], env)
    assert result.exit_code == 1
    assert "--max-chars" in result.stderr


def test_show_takes_the_same_markdown_options(
    config: Path, env: dict[str, str], tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    assert run(["plan", "--out", str(plan_file), str(config)], env).exit_code == 0
    result = run(["show", "--format", "markdown", "--max-chars", "1000", str(plan_file)], env)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout) <= 1001
    text = run(["show", "--links", str(plan_file)], env)
    assert text.exit_code == 0 and "~ issue" in text.stdout


def test_links_point_at_the_ui_of_dd_site_even_through_dd_api_url(
    config: Path, env: dict[str, str], tmp_path: Path
) -> None:
    eu = {**env, "DD_SITE": "datadoghq.eu"}
    url = "https://app.datadoghq.eu/error-tracking?issueId="
    text = run(["plan", "--links", str(config)], eu)
    assert text.exit_code == 0, text.stderr
    assert f"    {url}" in text.stdout
    assert url not in run(["plan", str(config)], eu).stdout
    markdown = run(["plan", "--format", "markdown", str(config)], eu)
    assert f"]({url}" in markdown.stdout
    plan_file = tmp_path / "plan.json"
    assert run(["plan", "--out", str(plan_file), str(config)], eu).exit_code == 0
    changes = json.loads(plan_file.read_text(encoding="utf-8"))["changes"]
    assert changes and all(c["url"] == url + c["issue_id"] for c in changes)
    assert url in run(["show", "--links", str(plan_file)], env).stdout
    unlinked = run(["plan", "--format", "json", str(config)], env)
    assert all(c["url"] is None for c in json.loads(unlinked.stdout)["changes"])
