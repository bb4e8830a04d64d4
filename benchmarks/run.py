"""Benchmark plan and apply against the in-process sandbox with injected latency.

    python benchmarks/run.py [--issues N] [--latency-ms L] [--quick]

Every scenario runs on a fresh copy of one synthetic org and prints its wall
time and request count next to the parallelism-1 run of the same invocation.
Exits 1 when a correctness check fails (e.g. the plan after apply is not empty).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reconciler.errors import ReconcilerError
from reconciler.model import SEARCH_CAP
from reconciler.sandbox import Knobs

# Sibling modules are imported by name: this file runs as a script, not as a package.
from measure import (
    CheckFailed,
    Row,
    SelectionRow,
    check,
    measure_apply,
    measure_plan,
    measure_rate_limit,
    measure_selection,
)
from table import selection_table, timing_table
from workload import NOISE_RULE, Workload, WorkloadError, build_workload

PARALLELISMS = (1, 4, 8)


@dataclass(frozen=True)
class Settings:
    """What to run: the org's size, the sandbox's latency and rate limit."""

    issues: int
    services: int
    latency_ms: float
    seed: int
    rate_limit: int
    rate_limited_rules: int


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Plan and apply against the in-process sandbox; prints a table of "
        "wall times and requests against the parallelism-1 baseline.",
    )
    parser.add_argument("--issues", type=int, help="issues in the org (2000; 600 with --quick)")
    parser.add_argument(
        "--services", type=int, help="services in the org (default: one per 50 issues)"
    )
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per request (20)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic org (7)")
    parser.add_argument(
        "--rate-limit", type=int, default=50, help="requests per second in the rate-limit run (50)"
    )
    parser.add_argument("--quick", action="store_true", help="a smaller org, under 30 seconds")
    args = parser.parse_args(argv)
    for name in ("issues", "services", "rate_limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.latency_ms < 0:
        parser.error("--latency-ms must not be negative")
    quick = bool(args.quick)
    issues = args.issues or (600 if quick else 2000)
    return Settings(
        issues=issues,
        services=args.services or max(4, issues // 50),
        latency_ms=args.latency_ms,
        seed=args.seed,
        rate_limit=args.rate_limit,
        rate_limited_rules=2 if quick else 4,
    )


@dataclass
class Report:
    """The rows measured so far, printed even when a later check fails."""

    timings: list[Row] = field(default_factory=list)
    selections: list[SelectionRow] = field(default_factory=list)

    def add(self, row: Row) -> None:
        baseline = next(
            (r.wall_s for r in self.timings if r.scenario == row.scenario and r.parallelism == 1),
            row.wall_s if row.parallelism == 1 else None,
        )
        self.timings.append(dataclasses.replace(row, baseline_s=baseline))

    def write(self, out: TextIO, settings: Settings, workload: Workload | None) -> None:
        if workload is not None:
            out.write(
                f"\nOrg: {workload.issue_count} issues, {len(workload.services)} services, "
                f"seed {settings.seed}; config: {len(workload.config.rules)} rules, "
                f"{len(workload.config.pins)} pins; sandbox latency {settings.latency_ms:g} ms\n\n"
            )
        if self.timings:
            out.write(timing_table(self.timings) + "\n")
        big = [row for row in self.selections if row.calls > 1 or row.unique >= SEARCH_CAP]
        if self.selections:
            out.write(
                f"\nSelection past the {SEARCH_CAP}-issue cap "
                f"({len(big)} of {len(self.selections)} rules needed more than one call):\n\n"
            )
            shown = big or sorted(self.selections, key=lambda r: -r.unique)[:1]
            out.write(selection_table(shown) + "\n")


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def run(settings: Settings, workload: Workload, report: Report) -> None:
    """Every scenario in turn; raises CheckFailed on the first wrong result."""
    knobs = Knobs(latency_ms=settings.latency_ms)
    for parallelism in PARALLELISMS:
        _progress(f"plan, parallelism {parallelism}")
        row, _ = measure_plan(workload, parallelism, knobs)
        report.add(row)
    again: list[Row] = []
    for parallelism in PARALLELISMS:
        _progress(f"apply, parallelism {parallelism} (then plan and apply again)")
        applied = measure_apply(workload, parallelism, knobs)
        report.add(applied.apply)
        again.append(applied.replan)
    for row in again:
        report.add(row)
    _progress("selection of every rule, alone")
    report.selections = measure_selection(workload, knobs)
    check(
        all(row.calls >= 1 for row in report.selections),
        "a rule's selection made no search call",
    )
    _progress(f"rate limit {settings.rate_limit}/s, parallelism {PARALLELISMS[-1]}")
    limited = dataclasses.replace(knobs, rate_limit=settings.rate_limit, rate_period=1.0)
    targets = _rate_limited_targets(workload, settings.rate_limited_rules)
    rate = measure_rate_limit(workload, targets, PARALLELISMS[-1], limited)
    report.add(rate.plan)
    report.add(rate.apply)


def _rate_limited_targets(workload: Workload, count: int) -> tuple[str, ...]:
    """The noise rule and the first ownership rules: a plan of a few hundred writes."""
    owners = [r.name for r in workload.config.rules if r.name.startswith("own-")]
    return (NOISE_RULE, *owners[: max(0, count - 1)])


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    started = time.perf_counter()
    report = Report()
    workload: Workload | None = None
    status = 0
    with tempfile.TemporaryDirectory(prefix="reconciler-bench-") as scratch:
        try:
            workload = build_workload(
                settings.issues, settings.services, settings.seed, Path(scratch)
            )
            run(settings, workload, report)
        except CheckFailed as exc:
            status = 1
            _progress(f"FAILED: {exc}")
        except WorkloadError as exc:
            status = 1
            _progress(f"FAILED: {exc}")
        except ReconcilerError as exc:
            # A plan error (e.g. a selection still truncated in a huge --issues org).
            status = 1
            _progress(f"FAILED: the reconciler raised {type(exc).__name__}: {exc}")
        report.write(sys.stdout, settings, workload)
    verdict = "all checks passed" if status == 0 else "a check FAILED"
    sys.stdout.write(f"\nTotal {time.perf_counter() - started:.1f} s; {verdict}.\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
