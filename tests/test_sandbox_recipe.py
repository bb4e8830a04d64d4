"""The README's big-org recipe, as written: generate, serve with --persist, plan, apply, plan.

The sandbox runs as its own process (`python -m reconciler sandbox serve`), so
the org outlives each command and a restart keeps what was written; the other
commands run through the CLI in this process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GENERATE = "sandbox generate --issues 5000 --services 60 --seed 7 --out org.json"
HOSTILE = ("--latency-ms", "30", "--rate-limit", "100", "--rate-period", "10")


@contextmanager
def _serving(data: Path, *knobs: str) -> Iterator[str]:
    """`reconciler sandbox serve --data DATA --persist KNOBS` on a free port; yields its URL."""
    command = [sys.executable, "-m", "reconciler", "sandbox", "serve", "--data", str(data)]
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parent)}
    process = subprocess.Popen(
        [*command, "--persist", *knobs, "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=data.parent,
    )
    try:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:
            lines.append(line)
            found = re.search(r"export DD_API_URL=(\S+)", line)
            if found:
                yield found.group(1)
                break
        else:
            pytest.fail("the sandbox did not start:\n" + "".join(lines))
    finally:
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=30)[1]
    assert process.returncode == 0, rest
    assert "Sandbox stopped." in rest


def _run(args: str, url: str | None = None) -> Result:
    env = {"DD_API_URL": url, "DD_API_KEY": "x", "DD_APP_KEY": "y"} if url else {}
    return CliRunner().invoke(cli, args.split(), env=env)


def test_the_big_org_recipe_plans_applies_and_persists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    generated = _run(GENERATE)
    assert generated.exit_code == 0, generated.output
    assert "Wrote 5000 issues over 60 services" in generated.output
    examples = str(EXAMPLES)

    # As written: latency and a rate limit of 10 requests per second.
    with _serving(tmp_path / "org.json", *HOSTILE) as url:
        first = _run(f"plan --detailed-exitcode {examples}", url)
    assert first.exit_code == 2, first.output  # 2: the plan has changes
    summary = re.search(r"Plan: (\d+) changes", first.output)
    assert summary is not None and int(summary.group(1)) > 100
    for rule in ("payments-owner", "ignore-chunk-load-errors", "retire-legacy-reports"):
        assert f"rule {rule} at" in first.output

    # Applied without the rate limit, which would make 300-odd writes take half a minute.
    with _serving(tmp_path / "org.json") as url:
        applied = _run(f"apply --auto-approve --force {examples}", url)
        assert applied.exit_code == 0, applied.output
        assert f"Apply: {summary.group(1)} applied, 0 failed" in applied.output
        again = _run(f"plan --detailed-exitcode {examples}", url)
        assert again.exit_code == 0, again.output

    # What was written is kept in org.json.sqlite and served after a restart.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.json", "org.json.sqlite"]
    with _serving(tmp_path / "org.json") as url:
        restarted = _run(f"plan --detailed-exitcode {examples}", url)
        assert restarted.exit_code == 0, restarted.output


def test_import_of_everything_on_the_big_org_lists_every_issue_in_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its issues live for weeks, thousands active at once: no time cut separates them,
    # so the query is split (this used to fail at the search guard).
    monkeypatch.chdir(tmp_path)
    assert _run(GENERATE).exit_code == 0
    with _serving(tmp_path / "org.json") as url:
        imported = _run("import --query * --persona ALL --out all.yaml", url)
    assert imported.exit_code == 0, imported.output
    document = json.loads((tmp_path / "org.json").read_text())
    window_start = -30 * 24 * 60
    in_window = {
        issue["id"]
        for issue in document["issues"]
        if int(issue["last_seen"].rstrip("m")) >= window_start
    }
    pinned = set(re.findall(r"^  ([0-9a-f-]{36}):", (tmp_path / "all.yaml").read_text(), re.M))
    assert pinned == in_window
    assert f"Wrote {len(in_window)} pins" in imported.output
