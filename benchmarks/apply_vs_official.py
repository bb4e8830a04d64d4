"""Benchmark `reconciler apply` against a sequential script using the official client.

    python benchmarks/apply_vs_official.py [--latency-ms 40] [--runs 1]
    python benchmarks/apply_vs_official.py --sizes 400:10:8 --sweep 4,10,20 --sweep-writes 400

An org where N OPEN issues of one service need `state: IGNORED` (beside a tenth as
many already IGNORED, which need nothing) is served by the sandbox in a child
process (so its CPU does not share the tool's interpreter), with `--latency-ms` per
request. Each row starts from a fresh copy of the org:

- the baseline: a child process running the script a user would write with the
  official `datadog-api-client`: search the window in equal time slices (twice
  the fewest that could hold N, each checked to return fewer than the 100-issue
  cap), keep the OPEN issues, then update each one's state, one request at a time;
- `reconciler apply --auto-approve --force --parallelism P` as a CLI child process
  (its plan and results go to a file), then the same command again, which must
  send no write;
- for scale, the same writes sent from P threads over one bare httpx client with
  nothing else done (no start-up, no plan): what the round trips alone cost.

Both wall times include the process start-up. The sandbox's own request counters
check that each side sent exactly the N writes needed, and the second apply none.
Then `--sweep` times an apply of `--sweep-writes` (2,000) at several
parallelism values, to choose the default. Progress goes to stderr, the
tables to stdout; exit 1 when a check fails (a missed target ratio is only shown).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from reconciler.model import SEARCH_CAP, State
from reconciler.sandbox import Knobs, SandboxIssue, Store, serve_in_thread

from child import add_serve_options, serving

WINDOW_MS = 30 * 86_400_000
SERVICE = "web-api"
SEARCH_ROUTE = "POST /api/v2/error-tracking/issues/search"
ENV = {"DD_API_KEY": "bench-api-key", "DD_APP_KEY": "bench-app-key"}
CONFIG = f"""\
version: 1
defaults:
  window: 30d
  track: trace
rules:
  - name: web-api-noise
    query: 'service:{SERVICE}'
    from_states: [OPEN]
    state: IGNORED
"""


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


class TimedStore(Store):
    """The sandbox's store, noting when the first and the last write arrived."""

    first_write = 0.0
    last_write = 0.0

    def record_request(self, method: str, route: str) -> None:
        super().record_request(method, route)
        if method == "PUT":
            now = time.time()
            self.first_write = self.first_write or now
            self.last_write = now


def build_org(count: int, now_ms: int) -> TimedStore:
    """`count` OPEN issues to ignore and count/10 already IGNORED, spread over the window."""
    rng = random.Random(5)
    issues = []
    for n in range(count + count // 10):
        first = now_ms - int(rng.random() * (WINDOW_MS - 3_600_000))
        last = min(now_ms - 1, first + int(rng.expovariate(1 / 300_000)))
        issues.append(
            SandboxIssue(
                id=uid(n),
                service=SERVICE,
                error_type="TimeoutError",
                error_message="upstream timed out",
                first_seen=first,
                last_seen=last,
                state=State.OPEN if n < count else State.IGNORED,
            )
        )
    return TimedStore([], [], issues)


# ------------------------------------------------------------------ the sandbox child


def serve(args: argparse.Namespace) -> None:
    """The child process: serve a fresh org; answer `counts` on stdin until it closes."""
    store = build_org(args.count, args.now_ms)
    with serve_in_thread(store, Knobs(latency_ms=args.latency_ms), port=args.port):
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() == "counts":
                counts = {
                    "writes": store.write_count(),
                    "requests": store.request_counts(),
                    "first_write": store.first_write,
                    "last_write": store.last_write,
                    "cpu_s": time.process_time(),
                }
                print(json.dumps(counts), flush=True)


@dataclass(frozen=True)
class Counts:
    """What the sandbox received so far: writes, searches, and when the first and the
    last write arrived (epoch s, 0 without a write)."""

    writes: int
    searches: int
    first_write: float
    last_write: float
    cpu_s: float  # the sandbox process's CPU time so far


@dataclass
class Sandbox:
    url: str
    child: subprocess.Popen[str]

    def counts(self) -> Counts:
        stdin, stdout = self.child.stdin, self.child.stdout
        assert stdin is not None and stdout is not None
        stdin.write("counts\n")
        stdin.flush()
        answer = json.loads(stdout.readline())
        searches = int(answer["requests"].get(SEARCH_ROUTE, 0))
        return Counts(
            answer["writes"], searches, answer["first_write"], answer["last_write"], answer["cpu_s"]
        )


@contextmanager
def sandbox(count: int, now_ms: int, latency_ms: float) -> Iterator[Sandbox]:
    options = ["--count", str(count), "--now-ms", str(now_ms), "--latency-ms", str(latency_ms)]
    with serving(__file__, options) as (url, child):
        yield Sandbox(url, child)


# ------------------------------------------------------------------ the baseline script


def official_script(url: str, count: int, now_ms: int) -> None:
    """What a user would write by hand with the official client: list, then update each.

    Imports inside, so the child's start-up includes them as the reconciler's does.
    """
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v2.api.error_tracking_api import ErrorTrackingApi
    from datadog_api_client.v2.model.issue_state import IssueState
    from datadog_api_client.v2.model.issue_update_state_request import IssueUpdateStateRequest
    from datadog_api_client.v2.model.issue_update_state_request_data import (
        IssueUpdateStateRequestData,
    )
    from datadog_api_client.v2.model.issue_update_state_request_data_attributes import (
        IssueUpdateStateRequestDataAttributes,
    )
    from datadog_api_client.v2.model.issue_update_state_request_data_type import (
        IssueUpdateStateRequestDataType,
    )
    from datadog_api_client.v2.model.issues_search_request import IssuesSearchRequest
    from datadog_api_client.v2.model.issues_search_request_data import IssuesSearchRequestData
    from datadog_api_client.v2.model.issues_search_request_data_attributes import (
        IssuesSearchRequestDataAttributes,
    )
    from datadog_api_client.v2.model.issues_search_request_data_attributes_track import (
        IssuesSearchRequestDataAttributesTrack,
    )
    from datadog_api_client.v2.model.issues_search_request_data_type import (
        IssuesSearchRequestDataType,
    )
    from datadog_api_client.v2.model.search_issues_include_query_parameter_item import (
        SearchIssuesIncludeQueryParameterItem,
    )

    configuration = Configuration(host=url)
    configuration.api_key["apiKeyAuth"] = ENV["DD_API_KEY"]
    configuration.api_key["appKeyAuth"] = ENV["DD_APP_KEY"]
    slices = 2 * math.ceil(count / SEARCH_CAP)
    start = now_ms - WINDOW_MS
    step = math.ceil(WINDOW_MS / slices)
    with ApiClient(configuration) as api_client:
        api = ErrorTrackingApi(api_client)
        to_ignore: set[str] = set()
        for part in range(slices):
            request = IssuesSearchRequest(
                data=IssuesSearchRequestData(
                    type=IssuesSearchRequestDataType.SEARCH_REQUEST,
                    attributes=IssuesSearchRequestDataAttributes(
                        query=f"service:{SERVICE}",
                        _from=start + part * step,
                        to=min(now_ms, start + (part + 1) * step),
                        track=IssuesSearchRequestDataAttributesTrack.TRACE,
                    ),
                )
            )
            include = [SearchIssuesIncludeQueryParameterItem.ISSUE]
            response = api.search_issues(body=request, include=include)
            if len(response.data) >= SEARCH_CAP:
                raise SystemExit(f"slice {part} returned {len(response.data)}: use more slices")
            for item in response.included:
                if str(item.type) == "issue" and str(item.attributes.state) == "OPEN":
                    to_ignore.add(item.id)
        for issue_id in sorted(to_ignore):
            body = IssueUpdateStateRequest(
                data=IssueUpdateStateRequestData(
                    id=issue_id,
                    type=IssueUpdateStateRequestDataType.ERROR_TRACKING_ISSUE,
                    attributes=IssueUpdateStateRequestDataAttributes(state=IssueState.IGNORED),
                )
            )
            api.update_issue_state(issue_id, body)
    print(len(to_ignore))


@dataclass(frozen=True)
class Timed:
    """One child process: its exit code, and when it started and ended (epoch s)."""

    code: int
    started: float
    ended: float

    @property
    def wall_s(self) -> float:
        return self.ended - self.started


def timed(command: list[str], sink: IO[bytes] | int = subprocess.DEVNULL) -> Timed:
    """Run one child process to its end."""
    started = time.time()
    code = subprocess.run(command, env={**os.environ, **ENV}, stdout=sink, check=False).returncode
    return Timed(code, started, time.time())


# ------------------------------------------------------------------ the runs


@dataclass
class Run:
    wall_s: float
    writes: int
    searches: int
    ok: bool
    note: str = ""
    before_first_s: float = 0.0  # start-up, config, searches and plan, to the first write
    writing_s: float = 0.0  # from the first write to the last one's answer


def run_official(count: int, now_ms: int, latency_ms: float) -> Run:
    with sandbox(count, now_ms, latency_ms) as box:
        command = [sys.executable, __file__, "--official", box.url, "--count", str(count),
                   "--now-ms", str(now_ms)]  # fmt: skip
        child = timed(command)
        seen = box.counts()
    return Run(child.wall_s, seen.writes, seen.searches, child.code == 0 and seen.writes == count)


def run_reconciler(
    count: int, now_ms: int, latency_ms: float, parallelism: int, config: Path, again: bool
) -> Run:
    command = [
        sys.executable, "-m", "reconciler", "apply", str(config), "--auto-approve", "--force",
        "--parallelism", str(parallelism),
    ]  # fmt: skip
    with sandbox(count, now_ms, latency_ms) as box, tempfile.TemporaryFile() as out:
        child = timed([*command, "--api-url", box.url], out)
        seen = box.counts()
        ok = child.code == 0 and seen.writes == count
        note = f"exit {child.code}" if child.code else ""
        if again:
            second = timed([*command, "--api-url", box.url])
            second_writes = box.counts().writes - seen.writes
            ok = ok and second.code == 0 and second_writes == 0
            note = f"second apply: {second_writes} writes, exit {second.code}"
    return Run(
        child.wall_s,
        seen.writes,
        seen.searches,
        ok,
        note,
        before_first_s=seen.first_write - child.started,
        # The last write's answer comes one latency after it arrived.
        writing_s=seen.last_write - seen.first_write + latency_ms / 1000,
    )


def floor_s(writes: int, parallelism: int, latency_ms: float) -> float:
    """The least time the writes alone can take: rounds of `parallelism` at the latency."""
    return math.ceil(writes / parallelism) * latency_ms / 1000


def run_bare(count: int, now_ms: int, latency_ms: float, parallelism: int) -> Run:
    """The same writes from `parallelism` threads over one bare httpx client, with nothing
    else done: what the round trips alone cost here (no start-up, no plan)."""
    import httpx

    headers = {
        "DD-API-KEY": ENV["DD_API_KEY"],
        "DD-APPLICATION-KEY": ENV["DD_APP_KEY"],
        "Content-Type": "application/json",
    }
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)

    def write(http: httpx.Client, issue_id: str) -> int:
        body = {"data": {"id": issue_id, "type": "error_tracking_issue",
                         "attributes": {"state": "IGNORED"}}}  # fmt: skip
        path = f"/api/v2/error-tracking/issues/{issue_id}/state"
        return http.put(path, content=json.dumps(body)).status_code

    with (
        sandbox(count, now_ms, latency_ms) as box,
        httpx.Client(base_url=box.url, headers=headers, limits=limits) as http,
        ThreadPoolExecutor(parallelism) as pool,
    ):
        started = time.perf_counter()
        statuses = list(pool.map(lambda n: write(http, uid(n)), range(count)))
        wall = time.perf_counter() - started
        seen = box.counts()
    return Run(wall, seen.writes, 0, statuses == [200] * count and seen.writes == count)


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time (the lower middle one of an even number)."""
    chosen = sorted(runs, key=lambda run: run.wall_s)[(len(runs) - 1) // 2]
    chosen.ok = all(run.ok for run in runs)
    return chosen


def compare(
    count: int,
    parallelism: int,
    target: list[int],
    config: Path,
    now_ms: int,
    args: argparse.Namespace,
) -> tuple[str, bool, float]:
    """One row of the main table, whether its checks passed, and the official script's
    wall time per request (ms)."""
    latency = args.latency_ms
    officials, reconcilers, bares = [], [], []
    for run in range(args.runs):
        # Interleaved, so a change in the machine's load falls on every side.
        print(f"{count:,} writes, run {run + 1}: official client...", file=sys.stderr)
        officials.append(run_official(count, now_ms, latency))
        print(f"{count:,} writes, run {run + 1}: reconciler apply...", file=sys.stderr)
        reconcilers.append(run_reconciler(count, now_ms, latency, parallelism, config, True))
        bares.append(run_bare(count, now_ms, latency, parallelism))
    official, ours, bare = median_run(officials), median_run(reconcilers), median_run(bares)
    ok = official.ok and ours.ok and bare.ok
    ratio = official.wall_s / ours.wall_s
    wanted = f"{target[0]}x {'met' if ratio >= target[0] else 'MISSED'}" if target else "-"
    checks = f"writes {official.writes} / {ours.writes} of {count:,}; {ours.note}"
    row = (
        f"| {count:,} | {parallelism} | {official.wall_s:.2f} | {ours.wall_s:.2f} "
        f"| {ratio:.1f}x | {wanted} | {floor_s(count, parallelism, latency):.2f} "
        f"| {ours.before_first_s:.2f} | {ours.writing_s:.2f} | {bare.wall_s:.2f} "
        f"| {official.searches} / {ours.searches} "
        f"| {checks}{'' if ok else ' CHECK FAILED'} |"
    )
    return row, ok, official.wall_s / (official.writes + official.searches) * 1000


def sweep_table(
    count: int, sweep: list[int], config: Path, now_ms: int, args: argparse.Namespace
) -> bool:
    """Print the apply of `count` writes at each parallelism; False when a check failed."""
    latency = args.latency_ms
    print(f"\n{count:,} writes by parallelism (floor: writes / parallelism x latency)\n")
    print("| parallelism | reconciler s | floor s | to 1st write s | writing s "
          "| writing / floor | writes |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    ok = True
    for parallelism in sweep:
        print(f"{count:,} writes at parallelism {parallelism}...", file=sys.stderr)
        runs = [
            run_reconciler(count, now_ms, latency, parallelism, config, again=False)
            for _ in range(args.runs)
        ]
        row = median_run(runs)
        floor = floor_s(count, parallelism, latency)
        ok &= row.ok
        print(
            f"| {parallelism} | {row.wall_s:.2f} | {floor:.2f} "
            f"| {row.before_first_s:.2f} | {row.writing_s:.2f} "
            f"| {row.writing_s / floor:.2f} "
            f"| {row.writes}{'' if row.ok else ' CHECK FAILED'} |"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="400:10:8,2000:20:15", help="N:PARALLELISM[:TARGET RATIO],..."
    )
    parser.add_argument("--sweep", default="4,8,10,12,16,20,24,32", help="parallelism values")
    parser.add_argument("--sweep-writes", type=int, default=2000, help="writes in the sweep")
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--runs", type=int, default=1, help="median of this many runs")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--official", metavar="URL", help=argparse.SUPPRESS)
    add_serve_options(parser)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return 0
    if args.official:
        official_script(args.official, args.count, args.now_ms)
        return 0
    sizes = [[int(x) for x in size.split(":")] for size in args.sizes.split(",")]
    sweep = [int(p) for p in args.sweep.split(",") if p]
    latency = args.latency_ms
    now_ms = int(time.time() * 1000)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "noise.yaml")
        config.write_text(CONFIG, encoding="utf-8")
        print(f"latency {latency:g} ms per request, median of {args.runs} run(s)\n")
        print(
            "| writes | parallelism | official s | reconciler s | ratio | target | floor s "
            "| to 1st write s | writing s | bare httpx s | searches (official / reconciler) "
            "| checks |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        rtts: list[str] = []
        for count, parallelism, *target in sizes:
            row, ok, rtt_ms = compare(count, parallelism, target, config, now_ms, args)
            print(row)
            failed |= not ok
            rtts.append(f"{count:,}: {rtt_ms:.1f} ms")
        print(
            f"\nofficial wall time per request, its start-up included: {', '.join(rtts)} "
            f"(the latency is {latency:g} ms)"
        )
        if sweep:
            failed |= not sweep_table(args.sweep_writes, sweep, config, now_ms, args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
