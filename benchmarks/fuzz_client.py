"""Fuzz the client's answer handling: random and mutated answers (status, headers, body)
to every call; counts values, library errors, tracebacks, hangs and leaked keys.

Not part of the test suite (tests/test_client_properties.py is its bounded version).

    python benchmarks/fuzz_client.py                  # 20,000 inputs, seed 1
    python benchmarks/fuzz_client.py --inputs 100000 --seed 7
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from reconciler import client
from reconciler.errors import ReconcilerError
from reconciler.model import SearchRequest, State, Track

ISSUE = "5f8ebd5c-6dd9-11f0-8a28-da7ad0900002"
USER = "87cb11a0-278c-440a-99fe-701223c80296"
API_KEY = "fuzzapikey0123456789"
APP_KEY = "fuzzappkey9876543210"
HANG_SECONDS = 10.0

ISSUE_DOC: dict[str, Any] = {
    "data": {
        "id": ISSUE,
        "type": "issue",
        "attributes": {
            "state": "OPEN",
            "service": "web",
            "first_seen": 1700000000000,
            "last_seen": 1700000360000,
            "regression": {"resolved_at": "2024-01-01T00:00:00Z", "regressed_at": "2024-01-02"},
            "languages": ["PYTHON"],
        },
        "relationships": {"assignee": {"data": {"id": USER, "type": "user"}}},
    }
}
SEARCH_DOC: dict[str, Any] = {
    "data": [
        {
            "id": ISSUE,
            "type": "error_tracking_search_result",
            "relationships": {"issue": {"data": {"id": ISSUE, "type": "issue"}}},
        }
    ],
    "included": [ISSUE_DOC["data"], {"id": USER, "type": "user", "attributes": {"email": "a@x"}}],
}
USERS_DOC: dict[str, Any] = {
    "data": [{"id": USER, "type": "users", "attributes": {"email": "a@example.com"}}],
    "meta": {"page": {"total_filtered_count": 1}},
}
ERROR_DOC: dict[str, Any] = {"errors": [{"status": "400", "detail": f"bad {API_KEY}"}]}
SEEDS = [ISSUE_DOC, SEARCH_DOC, USERS_DOC, ERROR_DOC]
STATUSES = [200, 201, 204, 301, 302, 400, 401, 403, 404, 409, 429, 500, 502, 503]
HEADER_VALUES = ["1e9", "inf", "-inf", "nan", "-1", "0", "1", "0.2", "1e-320", "60", ""]
HEADER_VALUES += ["soon", "9" * 400]
CONTENT_TYPES = ["application/json", "application/vnd.api+json", "text/html", "", "x/" + APP_KEY]

CALLS: list[tuple[str, Callable[[client.DatadogClient], object]]] = [
    ("search", lambda c: c.search(SearchRequest("*", 1, 2, track=Track.RUM))),
    ("get_issue", lambda c: c.get_issue(ISSUE)),
    ("set_state", lambda c: c.set_state(ISSUE, State.RESOLVED)),
    ("set_assignee", lambda c: c.set_assignee(ISSUE, USER)),
    ("remove_assignee", lambda c: c.remove_assignee(ISSUE)),
    ("find_user", lambda c: c.find_user("a@example.com")),
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10 if depth < 4 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1700000000000, 2**70, rng.randrange(-(10**6), 10**6)])
    if kind == 3:
        return rng.choice([1.5, 1.7e12, float("inf"), -0.0, 1e308])
    if kind in (4, 5, 6):
        return rng.choice(["", "OPEN", "yes", ISSUE, USER, API_KEY, "x" * rng.randrange(50)])
    if kind in (7, 8):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["id", "type", "data", "attributes", "state", "last_seen", "regression", "errors"]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def mutate(rng: random.Random, document: Any) -> Any:
    """`document` with one random node replaced by a random value."""
    if not isinstance(document, dict | list) or not document or rng.random() < 0.25:
        return random_value(rng)
    key = rng.choice(list(document.keys()) if isinstance(document, dict) else range(len(document)))
    document[key] = mutate(rng, document[key])
    return document


def random_body(rng: random.Random) -> bytes:
    choice = rng.randrange(8)
    if choice == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
    if choice == 1:
        depth = rng.choice([10, 1000, 50_000])
        return b'{"data":' * depth + b"1" + b"}" * depth
    if choice == 2:
        return json.dumps(random_value(rng), allow_nan=True).encode()
    text = json.dumps(mutate(rng, copy.deepcopy(rng.choice(SEEDS))), allow_nan=True).encode()
    if choice == 3:
        return text[: rng.randrange(len(text) + 1)]
    return text


def random_answer(rng: random.Random) -> httpx.Response:
    roll = rng.random()
    status = 200 if roll < 0.5 else rng.choice(STATUSES) if roll < 0.9 else rng.randrange(100, 600)
    headers = {"content-type": rng.choice(CONTENT_TYPES)}
    names = ("x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-period")
    for name in (*names, "retry-after", "location"):
        if rng.random() < 0.3:
            headers[name] = rng.choice(HEADER_VALUES)
    return httpx.Response(status, headers=headers, content=random_body(rng))


def run_one(rng: random.Random) -> tuple[str, str]:
    """One call against scripted answers; (outcome, detail)."""
    answers = [random_answer(rng) for _ in range(rng.randrange(1, 4))]
    name, call = rng.choice(CALLS)
    sent = [0]

    def handler(request: httpx.Request) -> httpx.Response:
        sent[0] += 1
        return answers[min(sent[0], len(answers)) - 1]

    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    api = client.DatadogClient(
        "https://api.datadoghq.com",
        client.Credentials(API_KEY, APP_KEY),
        transport=httpx.MockTransport(handler),
        retry=client.RetryPolicy(max_attempts=3),
        sleep=sleep,
        clock=lambda: now[0],
    )
    try:
        call(api)
    except ReconcilerError as exc:
        text = f"{exc} {exc!r}"
        if API_KEY in text or APP_KEY in text:
            return "leak", f"{name}: {text[:200]}"
        return type(exc).__name__, ""
    except BaseException:  # the fuzzer's whole point: anything else is a finding
        return "traceback", f"{name}: {traceback.format_exc()}"
    finally:
        api.close()
    return "value", ""


def _record(result: list[tuple[str, str]], case: random.Random) -> None:
    result.append(run_one(case))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    findings: list[str] = []
    started = time.perf_counter()
    for _ in range(args.inputs):
        result: list[tuple[str, str]] = []
        case = random.Random(rng.random())
        worker = threading.Thread(target=_record, args=(result, case), daemon=True)
        worker.start()
        worker.join(HANG_SECONDS)
        outcome, detail = result[0] if result else ("hang", "no outcome in 10 s")
        outcomes[outcome] += 1
        if outcome in ("traceback", "hang", "leak") and len(findings) < 5:
            findings.append(detail)
    wall = time.perf_counter() - started
    print(f"inputs tried   {args.inputs} (seed {args.seed}) in {wall:.1f} s")
    print(f"tracebacks     {outcomes['traceback']}")
    print(f"hangs          {outcomes['hang']}")
    print(f"leaked keys    {outcomes['leak']}")
    print(f"values         {outcomes['value']}")
    errors = {k: v for k, v in outcomes.items() if k not in ("traceback", "hang", "leak", "value")}
    print("library errors " + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())))
    for finding in findings:
        print("---\n" + finding)


if __name__ == "__main__":
    main()
