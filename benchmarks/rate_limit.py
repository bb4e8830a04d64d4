"""Rate-limit pacing: N state writes against the in-process sandbox under a requests/s limit.

Prints the 429 answers the client received, the wall time against the floor
(writes / limit seconds) and their ratio, and how many TCP connections the
client opened (connection reuse: at most one per worker is the goal).

    python benchmarks/rate_limit.py                       # 500 writes, 25/s, parallelism 10
    python benchmarks/rate_limit.py --writes 200 --limit 50 --parallelism 20
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from reconciler import client
from reconciler.model import State
from reconciler.sandbox import Knobs, Store, generate_org, serve_in_thread
from reconciler.sandbox.data import now_ms


class StatusCounter(httpx.BaseTransport):
    """A transport that counts the status of every answer the client receives."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._lock = threading.Lock()
        self.counts: Counter[int] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        with self._lock:
            self.counts[response.status_code] += 1
        return response

    def close(self) -> None:
        self._inner.close()


class ConnectionCounter:
    """Counts the TCP connections opened to one port (httpcore opens them with
    socket.create_connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.opened = 0
        self._original = socket.create_connection

    def __enter__(self) -> ConnectionCounter:
        def counting(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
            if address[1] == self.port:
                self.opened += 1
            return self._original(address, *args, **kwargs)

        socket.create_connection = counting  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        socket.create_connection = self._original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--writes", type=int, default=500)
    parser.add_argument("--limit", type=int, default=25, help="requests per second (25)")
    parser.add_argument("--parallelism", type=int, default=10)
    args = parser.parse_args()

    org = generate_org(issues=args.writes, services=10, seed=3, now=now_ms())
    ids = [issue.id for issue in org.issues][: args.writes]
    knobs = Knobs(rate_limit=args.limit, rate_period=1.0)
    statuses = StatusCounter()
    with serve_in_thread(Store.from_org(org), knobs) as running:
        port = int(running.url.rsplit(":", 1)[1])
        credentials = client.Credentials("bench-api-key", "bench-app-key")
        with (
            ConnectionCounter(port) as connections,
            client.DatadogClient(running.url, credentials, transport=statuses) as api,
            ThreadPoolExecutor(args.parallelism) as pool,
        ):
            started = time.perf_counter()
            written = list(pool.map(lambda i: api.set_state(i, State.IGNORED), ids))
            wall = time.perf_counter() - started
    floor = len(ids) / args.limit
    print(f"writes           {len(written)} at parallelism {args.parallelism}")
    print(f"rate limit       {args.limit} requests/s")
    print(f"429 answers      {statuses.counts[429]} (target at most 5)")
    print(f"requests sent    {sum(statuses.counts.values())}")
    print(f"wall time        {wall:.2f} s")
    print(f"floor            {floor:.2f} s (writes / limit)")
    print(f"ratio            {wall / floor:.3f} (target at most 1.2)")
    print(f"TCP connections  {connections.opened} (parallelism {args.parallelism})")


if __name__ == "__main__":
    main()
