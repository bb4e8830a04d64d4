"""Benchmark the CPU and memory of `reconciler plan` at 100,000 in-scope issues.

    python benchmarks/plan_cpu.py [--issues 100000] [--baseline 10000] [--services 20]

An org of `--issues` OPEN issues over `--services` services (starting uniformly over
30 days, each active a few minutes) is served by the sandbox in a child process,
without latency. Each service has an owner; 90% of its issues are already
assigned to them, so a config of one ownership rule per service (`if_unassigned`)
selects every issue and plans a change for the other 10%. `reconciler plan
--format json` runs as another child process, and its own user CPU and peak RSS are
read with `os.wait4` (the rusage of that child alone, not of the sandbox). The
same is measured at `--baseline` issues in the same run, and the ratios printed:
linear work gives a CPU ratio near the ratio of sizes. The package's bytecode is
compiled first (`compileall`), as an install leaves it, so the CLI's CPU is not a
first run's (compiling the package costs ~0.3 s of it).

User CPU depends on the machine: the same code has taken 3.3 s on one 2-core machine
of this kind and 9.7 s on another. So the run also measures a fixed pure-Python
reference (a loop summing 20 million integers, in its own child process) and
prints the plan's CPU as a multiple of it, a figure that carries from one machine
to another.

Progress goes to stderr, the table to stdout; exit 1 when the plan does not have
the expected number of changes.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import reconciler
from reconciler.sandbox import Knobs, SandboxIssue, SandboxUser, Store, serve_in_thread

from child import add_serve_options, reap, serving

WINDOW_MS = 30 * 86_400_000
ASSIGNED_SHARE = 0.9


def uid(n: int, kind: int = 4) -> str:
    return f"00000000-0000-{kind}000-8000-{n:012d}"


def owner(service: int) -> SandboxUser:
    email = f"owner{service}@example.com"
    return SandboxUser(uid(service, 5), email, email, f"Owner {service}")


def build_org(issues: int, services: int, now_ms: int) -> Store:
    rng = random.Random(11)
    users = [owner(s) for s in range(services)]
    records = []
    for n in range(issues):
        service = n % services
        first = now_ms - int(rng.random() * WINDOW_MS)
        last = min(now_ms - 1, first + int(rng.expovariate(1 / 120_000)))
        assigned = rng.random() < ASSIGNED_SHARE
        records.append(
            SandboxIssue(
                id=uid(n),
                service=f"svc-{service:02d}",
                error_type="TimeoutError",
                error_message="upstream timed out",
                first_seen=first,
                last_seen=last,
                assignee_id=users[service].id if assigned else None,
                total_count=max(1, int(rng.paretovariate(1.2) * 3)),
            )
        )
    return Store(users, [], records)


def config_text(services: int) -> str:
    lines = ["version: 1", "defaults:", "  window: 30d", "  track: trace", "rules:"]
    for service in range(services):
        lines += [
            f"  - name: svc-{service:02d}-owner",
            f"    query: 'service:svc-{service:02d}'",
            f"    assignee: {owner(service).email}",
        ]
    return "\n".join(lines) + "\n"


def serve(args: argparse.Namespace) -> None:
    """The child process: build the org and serve it until killed."""
    store = build_org(args.count, args.services, args.now_ms)
    with serve_in_thread(store, Knobs(), port=args.port):
        print("ready", flush=True)
        while True:
            time.sleep(3600)


@contextmanager
def sandbox(count: int, services: int, now_ms: int) -> Iterator[str]:
    options = ["--count", str(count), "--services", str(services), "--now-ms", str(now_ms)]
    with serving(__file__, options) as (url, _):
        yield url


def run_plan(url: str, config: Path, out: Path, parallelism: int) -> tuple[float, float, float]:
    """(user CPU s, peak RSS MB, wall s) of one `reconciler plan` child process, its JSON
    plan written to `out` (its only output)."""
    env = {**os.environ, "DD_API_KEY": "bench-api-key", "DD_APP_KEY": "bench-app-key"}
    command = [
        sys.executable, "-m", "reconciler", "plan", str(config), "--api-url", url,
        "--format", "json", "--parallelism", str(parallelism),
    ]  # fmt: skip
    started = time.perf_counter()
    with out.open("wb") as sink:
        child = subprocess.Popen(command, env=env, stdout=sink)
        usage = reap(child)
    wall = time.perf_counter() - started
    if child.returncode not in (0, 2):
        raise SystemExit(f"reconciler plan exited {child.returncode}")
    # ru_maxrss is in kilobytes on Linux.
    return usage.ru_utime, usage.ru_maxrss / 1024, wall


REFERENCE_STEPS = 20_000_000


def reference_cpu() -> float:
    """User CPU of the fixed reference loop in a child process: this machine's speed."""
    loop = f"total = 0\nfor n in range({REFERENCE_STEPS}):\n    total += n\n"
    child = subprocess.Popen([sys.executable, "-c", loop])
    usage = reap(child)
    if child.returncode != 0:
        raise SystemExit("the reference loop failed")
    return usage.ru_utime


def measure(count: int, services: int, parallelism: int) -> dict[str, float]:
    now_ms = int(time.time() * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "owners.yaml")
        config.write_text(config_text(services), encoding="utf-8")
        out = Path(tmp, "plan.json")
        print(f"{count:,} issues: starting the sandbox...", file=sys.stderr)
        with sandbox(count, services, now_ms) as url:
            print(f"{count:,} issues: reconciler plan...", file=sys.stderr)
            cpu, rss, wall = run_plan(url, config, out, parallelism)
        plan = json.loads(out.read_text(encoding="utf-8"))
    return {
        "issues": count,
        "changes": len(plan["changes"]),
        "cpu": cpu,
        "rss": rss,
        "wall": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    add_serve_options(parser)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return 0
    compileall.compile_dir(Path(reconciler.__file__).parent, quiet=1)
    base = measure(args.baseline, args.services, args.parallelism)
    big = measure(args.issues, args.services, args.parallelism)
    reference = reference_cpu()
    print("| issues | changes | user CPU s | peak RSS MB | wall s |")
    print("|---|---|---|---|---|")
    for row in (base, big):
        print(
            f"| {row['issues']:,} | {row['changes']:,} | {row['cpu']:.2f} | {row['rss']:.0f} "
            f"| {row['wall']:.2f} |"
        )
    size = big["issues"] / base["issues"]
    print(
        f"\nratio {big['issues']:,} / {base['issues']:,}: size {size:.1f}x, "
        f"user CPU {big['cpu'] / base['cpu']:.1f}x, peak RSS {big['rss'] / base['rss']:.1f}x"
    )
    print(
        f"machine reference (a {REFERENCE_STEPS:,}-step Python loop): "
        f"{reference:.2f} s of user CPU; "
        f"the {big['issues']:,}-issue plan took {big['cpu'] / reference:.2f}x that"
    )
    failed = False
    for row in (base, big):
        expected = round(row["issues"] * (1 - ASSIGNED_SHARE))
        if abs(row["changes"] - expected) > 0.05 * expected:
            print(f"CHECK FAILED: {row['changes']} changes, expected ~{expected}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
