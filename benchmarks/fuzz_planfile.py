"""Fuzz the saved-plan loader for as long as asked; not part of CI.

    python benchmarks/fuzz_planfile.py [--inputs 20000] [--seconds S] [--seed 1] [--keep DIR]

Every input is a plan file: a real plan document with random values put at random
places (half of them resealed with a recomputed checksum, so the loader's other
checks are reached), a document of random shape under the plan's keys, raw bytes,
or absurd JSON (deep nesting, huge numbers). Each is loaded with
`reconciler.planfile.load_plan`; the only good outcomes are a Plan and a
PlanFileError. Anything else is a traceback, and an input still loading after
`--timeout` seconds is a hang. Prints the counts and one traceback per distinct
place; with `--keep DIR`, writes each failing input there. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from reconciler.errors import PlanFileError
from reconciler.model import (
    Change,
    Field,
    IssueSummary,
    Plan,
    Source,
    State,
    plan_checksum,
)
from reconciler.planfile import load_plan, plan_to_document

ALICE = "11111111-aaaa-4aaa-8aaa-111111111111"
ISSUES = [f"0a1b2c3d-0000-4000-8000-{n:012d}" for n in range(1, 5)]
KEYS = [
    *("format_version", "generated_at", "api_url", "config_digest", "checksum", "summary"),
    *("changes", "held", "conflicts", "warnings", "max_changes", "users", "issue_id"),
    *("field", "before", "after", "rule", "source", "issue", "keep_state", "note", "wanted"),
    *("current", "reason", "winner", "losers", "service", "error_type", "error_message"),
]
SCALARS: list[Any] = [
    *(None, True, False, 0, 1, -1, 10**40, 10**5000 // 10**4990, 1.5, 1e308, "", " "),
    *("OPEN", "ACKNOWLEDGED", "RESOLVED", "IGNORED", "EXCLUDED", "state", "assignee"),
    *("grace", "regressed", "..", ".", "../state", "%2e%2e", "a:1:2", "a:\u00b2:1", ALICE),
    *("https://api.datadoghq.com", "http://127.0.0.1:9", "sha256:0", *ISSUES),
]
ABSURD = [
    b"[" * 200_000,
    b'{"a":' * 100_000,
    b'{"format_version": ' + b"9" * 6000 + b"}",
    b'{"format_version": 1e999}',
    b"\xff\xfe\x00",
    b"",
    b"null",
    b'"\\ud800"',
]


class Hang(Exception):
    """Raised by the alarm in an input that takes too long."""


def base_document() -> dict[str, Any]:
    changes = [
        Change(issue, Field.STATE, "OPEN", "RESOLVED", Source("t.yaml", 3 + i, 5), "r",
               IssueSummary(service="api"))
        for i, issue in enumerate(ISSUES[:3])
    ]  # fmt: skip
    changes.append(
        Change(ISSUES[3], Field.ASSIGNEE, None, ALICE, Source("t.yaml", 9, 5), None,
               keep_state=State.OPEN)
    )  # fmt: skip
    plan = Plan(changes=tuple(changes), api_url="https://api.datadoghq.com", users={ALICE: "a"})
    return plan_to_document(plan)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths(value, (*prefix, index))
    return found


def shape(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 5 or roll < 0.45:
        return rng.choice(SCALARS)
    if roll < 0.7:
        return [shape(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS): shape(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def reseal(doc: Any) -> Any:
    """Recompute the checksum over whatever the changes now say, when that is possible."""
    try:
        rows = [
            Change(c["issue_id"], Field(c["field"]), c["before"], c["after"], Source("x", 1, 1),
                   keep_state=State(c["keep_state"]) if c.get("keep_state") else None)
            for c in doc["changes"]
        ]  # fmt: skip
        doc["checksum"] = plan_checksum(rows, doc["api_url"], doc.get("max_changes", 100))
    except Exception:  # too broken to reseal; the loader must still refuse it cleanly
        pass
    return doc


def mutated(rng: random.Random, base: dict[str, Any]) -> bytes:
    doc: Any = copy.deepcopy(base)
    for _ in range(rng.randint(1, 4)):
        where = rng.choice(paths(doc))
        value = shape(rng)
        if not where:
            doc = value
            continue
        target = doc
        for key in where[:-1]:
            target = target[key]
        if isinstance(target, dict) and rng.random() < 0.2:
            target.pop(where[-1], None)
        else:
            target[where[-1]] = value
    if rng.random() < 0.5:
        doc = reseal(doc)
    return json.dumps(doc).encode()


def generators(rng: random.Random) -> list[Callable[[], bytes]]:
    base = base_document()
    return [
        lambda: mutated(rng, base),
        lambda: json.dumps({"format_version": 1, **{rng.choice(KEYS): shape(rng)}}).encode(),
        lambda: bytes(rng.randrange(256) for _ in range(rng.randint(0, 200))),
        lambda: rng.choice(ABSURD),
    ]


def on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


def run(path: Path, timeout: int, places: dict[str, str]) -> str:
    signal.alarm(timeout)
    try:
        load_plan(path)
        return "plan"
    except PlanFileError:
        return "refused"
    except Hang:
        places.setdefault("hang", path.read_bytes()[:2000].decode("utf-8", "replace"))
        return "hang"
    except Exception:
        frame = traceback.extract_tb(sys.exc_info()[2])[-1]
        places.setdefault(f"{frame.filename}:{frame.lineno}", traceback.format_exc())
        return "traceback"
    finally:
        signal.alarm(0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=10, help="seconds before a hang")
    parser.add_argument("--keep", type=Path, default=None, help="write failing inputs here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    make = generators(rng)
    signal.signal(signal.SIGALRM, on_alarm)
    counts = {"plan": 0, "refused": 0, "traceback": 0, "hang": 0}
    places: dict[str, str] = {}
    start = time.monotonic()
    tried = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        while tried < args.inputs:
            if args.seconds is not None and time.monotonic() - start > args.seconds:
                break
            content = make[tried % len(make)]()
            path.write_bytes(content)
            tried += 1
            outcome = run(path, args.timeout, places)
            counts[outcome] += 1
            if outcome in ("traceback", "hang") and args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{outcome}-{tried}.json").write_bytes(content)
    elapsed = time.monotonic() - start
    print(f"inputs tried: {tried} in {elapsed:.0f} s (seed {args.seed})")
    print(f"plans loaded: {counts['plan']}, refused: {counts['refused']}")
    print(f"tracebacks: {counts['traceback']}, hangs: {counts['hang']}")
    for place, text in places.items():
        print(f"\n--- {place}\n{text}")
    return 1 if counts["traceback"] or counts["hang"] else 0


if __name__ == "__main__":
    sys.exit(main())
