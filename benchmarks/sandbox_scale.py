"""Benchmark the sandbox at the size of a big org, against the old way in the same run.

    python benchmarks/sandbox_scale.py [--sizes 10000,100000] [--writes 2000] [--quick]

1. Search CPU per request: the searches that list every rule's issues completely
   (each state apart, windows halved while an answer is full, as selection does),
   answered by the index and by the linear scan of every issue that the sandbox
   used before (`search.select`, kept as the reference). Both answer the same
   sample of requests and must agree; the index also answers the whole listing.
   Then the same over HTTP (`include=issue`), measured on the server thread's
   own CPU clock, where parsing the request and encoding the answer are the rest.
2. Persisted writes per second: one SQLite row per write (`--persist` now)
   against rewriting the whole JSON data file (`--persist` before).
3. Generating and loading a big org.

CPU is `time.process_time()` (or the server thread's clock over HTTP); the
ratios, not the absolute numbers, are what to compare between machines.
Progress goes to stderr, the tables to stdout; exit 1 when the index and the scan
disagree.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from reconciler.config import load_config
from reconciler.model import SEARCH_CAP, Persona, SearchRequest, State, Track
from reconciler.sandbox import (
    Store,
    bundled_configs,
    generate_org_document,
    org_from_dict,
    serve_in_thread,
)
from reconciler.sandbox.data import write_json_atomically
from reconciler.sandbox.data.write import org_to_dict
from reconciler.sandbox.fit import fit_for
from reconciler.sandbox.records import SandboxIssue
from reconciler.sandbox.search import select
from reconciler.sandbox.server import settle

DAY_MS = 86_400_000
MINUTE_MS = 60_000
KEYS = {"DD-API-KEY": "benchmark", "DD-APPLICATION-KEY": "benchmark"}
SEARCH_PATH = "/api/v2/error-tracking/issues/search?include=issue"
LISTED_STATES = (State.OPEN, State.ACKNOWLEDGED)  # the default from_states of a rule
MAX_SEARCHES = 2000  # per rule, as selection's guard


@dataclass(frozen=True)
class Rule:
    query: str
    track: Track | None = None
    persona: Persona | None = Persona.ALL


class Disagreement(Exception):
    """The index and the scan answered one search differently."""


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _rules(services: Sequence[str]) -> list[Rule]:
    """Rules like a config's: ownership by service, wildcards, an error type, a negation."""
    owned = [Rule(f"service:{name}") for name in services[:: max(1, len(services) // 12)]]
    return [
        *owned,
        Rule("service:payments-*"),
        Rule("service:search-api OR service:catalog-api"),
        Rule("@error.type:ChunkLoadError", track=Track.RUM, persona=None),
        Rule('@error.type:"builtins.KeyError" -env:staging'),
        Rule("service:checkout-* -@language:go", track=Track.TRACE, persona=None),
        Rule('"connection refused"'),
    ]


def _listing(
    search: Callable[[SearchRequest], list[SandboxIssue]], rule: Rule, now: int
) -> list[SearchRequest]:
    """The searches listing the rule's last 30 days makes, each state apart and windows
    halved while an answer is full; like selection, it gives up on a rule whose one-minute
    slice is still full or after MAX_SEARCHES."""
    made: list[SearchRequest] = []
    for state in LISTED_STATES:
        pending = [(now - 30 * DAY_MS, now + 1)]
        while pending and len(made) < MAX_SEARCHES:
            since, until = pending.pop()
            request = SearchRequest(rule.query, since, until, rule.track, rule.persona, (state,))
            made.append(request)
            if len(search(request)) >= SEARCH_CAP:
                if until - since <= MINUTE_MS:
                    return made
                middle = (since + until) // 2
                pending += [(since, middle), (middle, until)]
    return made


def _cpu(action: Callable[[], object], repeat: int = 1) -> float:
    start = time.process_time()
    for _ in range(repeat):
        action()
    return time.process_time() - start


def _sample(requests: Sequence[SearchRequest], size: int) -> list[SearchRequest]:
    step = max(1, len(requests) // size)
    return list(requests[::step])[:size]


def _body(request: SearchRequest) -> dict[str, object]:
    attributes: dict[str, object] = {
        "query": request.query,
        "from": request.from_ms,
        "to": request.to_ms,
        "states": [state.value for state in request.states],
    }
    if request.track is not None:
        attributes["track"] = request.track.value
    if request.persona is not None:
        attributes["persona"] = request.persona.value
    return {"data": {"type": "search_request", "attributes": attributes}}


class ScanStore(Store):
    """The store as it answered before the index: a scan of every issue per search."""

    def search(self, criteria: SearchRequest) -> list[SandboxIssue]:
        return select(self.issues(), criteria)


def _server_cpu(store: Store, requests: Sequence[SearchRequest]) -> tuple[float, float]:
    """CPU seconds the sandbox's server thread spends answering `requests` over HTTP, the
    first time and again, settled as `reconciler sandbox serve` settles its org."""
    settle(store)
    with (
        serve_in_thread(store) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS, timeout=120) as client,
    ):
        client.get("/api/v2/users").raise_for_status()  # warm the server up, not the searches
        server = next(t for t in threading.enumerate() if t.name == "reconciler-sandbox")
        assert server.ident is not None
        clock = time.pthread_getcpuclockid(server.ident)
        spent = []
        for _ in range(2):
            start = time.clock_gettime(clock)
            for request in requests:
                client.post(SEARCH_PATH, json=_body(request)).raise_for_status()
            spent.append(time.clock_gettime(clock) - start)
        return spent[0], spent[1]


def bench_search(size: int, sample_size: int, seed: int) -> list[str]:
    """Rows of the search table for one org size; raises Disagreement."""
    now = int(time.time() * 1000)
    _progress(f"{size:,} issues: generating")
    document = generate_org_document(issues=size, services=60, seed=seed)
    org = org_from_dict(document, now)
    services = sorted({issue.service for issue in org.issues})
    store = Store.from_org(org)
    build_s = _cpu(store.prepare)
    _progress(f"{size:,} issues: listing {len(_rules(services))} rules with the index")
    requests = [r for rule in _rules(services) for r in _listing(store.search, rule, now)]
    index_all_s = _cpu(lambda: [store.search(r) for r in requests])
    sample = _sample(requests, sample_size)
    _progress(f"{size:,} issues: {len(sample)} of {len(requests)} searches with the scan")
    for request in sample:
        if [i.id for i in store.search(request)] != [i.id for i in select(org.issues, request)]:
            raise Disagreement(f"index and scan differ on {request}")
    index_s = _cpu(lambda: [store.search(r) for r in sample], repeat=3) / 3
    issues = list(org.issues)
    scan_s = _cpu(lambda: [select(issues, r) for r in sample])
    _progress(f"{size:,} issues: the same sample over HTTP, index then scan")
    http_index_s, http_index_again_s = _server_cpu(Store.from_org(org), sample)
    http_scan_s, http_scan_again_s = _server_cpu(ScanStore.from_org(org), sample)
    per = len(sample)
    return [
        f"| {size:,} | index build, before serving | {build_s * 1000:,.0f} ms | | |",
        f"| {size:,} | search, all {len(requests):,} of the listing | "
        f"{index_all_s / len(requests) * 1e6:,.0f} µs | | |",
        f"| {size:,} | search, sample of {per} | {index_s / per * 1e6:,.0f} µs | "
        f"{scan_s / per * 1e6:,.0f} µs | {scan_s / index_s:,.0f}x |",
        f"| {size:,} | HTTP search, include=issue, sample, first time (server CPU) | "
        f"{http_index_s / per * 1e3:,.1f} ms | {http_scan_s / per * 1e3:,.1f} ms | "
        f"{http_scan_s / http_index_s:,.1f}x |",
        f"| {size:,} | HTTP search, include=issue, sample, again (server CPU) | "
        f"{http_index_again_s / per * 1e3:,.1f} ms | {http_scan_again_s / per * 1e3:,.1f} ms | "
        f"{http_scan_again_s / http_index_again_s:,.1f}x |",
    ]


def bench_writes(size: int, writes: int, seed: int) -> list[str]:
    """Rows of the persisted-writes table: SQLite rows against rewriting the JSON file."""
    document = generate_org_document(issues=size, services=60, seed=seed)
    states = (State.RESOLVED, State.IGNORED, State.ACKNOWLEDGED)
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as scratch:
        path = Path(scratch) / "org.json"
        write_json_atomically(path, document)
        _progress(f"{size:,} issues: {writes} persisted writes to SQLite")
        store = Store.from_file(path, persist=True)
        ids = [issue.id for issue in store.issues()]
        start = time.perf_counter()
        for n in range(writes):
            store.set_state(ids[n % len(ids)], states[n % len(states)])
        sqlite_s = (time.perf_counter() - start) / writes
        store.close()
        # The old --persist: the whole org written back (atomically) after every write.
        old_writes = max(3, min(50, 250_000 // size))
        _progress(f"{size:,} issues: {old_writes} writes rewriting the JSON file")
        memory = Store.from_org(org_from_dict(document, int(time.time() * 1000)))
        start = time.perf_counter()
        for n in range(old_writes):
            memory.set_state(ids[n], states[n % len(states)])
            write_json_atomically(path, org_to_dict(memory.snapshot()))
        json_s = (time.perf_counter() - start) / old_writes
    return [
        f"| {size:,} | {1 / sqlite_s:,.0f} writes/s ({writes}) | "
        f"{1 / json_s:,.1f} writes/s ({old_writes}) | {json_s / sqlite_s:,.0f}x | "
        f"{2619 * sqlite_s:,.1f} s vs {2619 * json_s:,.0f} s |"
    ]


def bench_generate(size: int, seed: int) -> list[str]:
    """Rows of the generation table: building the document (fitted to the bundled examples,
    as `reconciler sandbox generate` does by default), writing it, loading it."""
    _progress(f"{size:,} issues: generating, writing and loading")
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as scratch:
        path = Path(scratch) / "org.json"
        start = time.perf_counter()
        fit = fit_for(load_config(bundled_configs()))
        document = generate_org_document(issues=size, services=60, seed=seed, fit=fit)
        generate_s = time.perf_counter() - start
        start = time.perf_counter()
        write_json_atomically(path, document)
        write_s = time.perf_counter() - start
        megabytes = path.stat().st_size / 1e6
        start = time.perf_counter()
        Store.from_file(path)
        load_s = time.perf_counter() - start
    return [
        f"| {size:,} | {generate_s:.2f} s | {write_s:.2f} s ({megabytes:.0f} MB) | {load_s:.2f} s |"
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/sandbox_scale.py")
    parser.add_argument("--sizes", default="10000,100000", help="org sizes (10000,100000)")
    parser.add_argument("--sample", type=int, default=40, help="searches the scan answers (40)")
    parser.add_argument("--writes", type=int, default=2000, help="persisted writes (2000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic orgs (7)")
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 issues only")
    args = parser.parse_args(argv)
    sizes = [2000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    out = sys.stdout
    try:
        search_rows = [row for size in sizes for row in bench_search(size, args.sample, args.seed)]
    except Disagreement as exc:
        _progress(f"FAILED: {exc}")
        return 1
    write_rows = [bench_writes(size, args.writes, args.seed)[0] for size in sorted({5000, *sizes})]
    generate_rows = [bench_generate(size, args.seed)[0] for size in sizes]
    out.write("\nSearch CPU per request (index vs the scan of every issue)\n\n")
    out.write("| issues | what | index | scan | scan/index |\n|---|---|---|---|---|\n")
    out.write("\n".join(search_rows) + "\n")
    out.write("\nPersisted writes (SQLite row vs rewriting the JSON data file)\n\n")
    out.write("| issues | SQLite | JSON rewrite | ratio | 2,619 writes at that rate |\n")
    out.write("|---|---|---|---|---|\n")
    out.write("\n".join(write_rows) + "\n")
    out.write("\nGenerating an org (60 services, fitted to the bundled examples)\n\n")
    out.write("| issues | generate | write JSON | load |\n|---|---|---|---|\n")
    out.write("\n".join(generate_rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
