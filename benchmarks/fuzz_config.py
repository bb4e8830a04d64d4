"""Fuzz the config loader for as long as asked; not part of CI.

    python benchmarks/fuzz_config.py [--inputs 20000] [--seconds S] [--seed 1] [--keep DIR]

Every input is a config file: a seed (examples/ and tests/fixtures/config/) with
random mutations, random YAML-ish text, or well-formed YAML of random shape under
the config's keys. Each is loaded with `reconciler.config.load_config`, alternately
with libyaml's parser and ruamel's own; the only good outcomes are a Config and a
ConfigError. Anything else is a traceback, and an input still loading after
`--timeout` seconds is a hang. Prints the counts and one traceback per distinct
place; with `--keep DIR`, writes each failing input there. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import io
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

from reconciler.config import load_config, tree
from reconciler.errors import ConfigError
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
TOKENS = [
    *"abcxyz019 :-[]{},&*!|>'\"#\n\t?%@`~.\\",
    "<<: *a\n",
    "&a ",
    "*a",
    "!!int ",
    "!!binary ",
    "!foo ",
    "9" * 5000,
    "[" * 1000,
    "{" * 70,
    "- " * 400,
    "---\n",
    "...\n",
    "? ",
    "%YAML 1.1\n",
    "null",
    "true",
    "2024-13-01",
    "1e999",
    ".nan",
    "0x" + "f" * 40,
    "\u00e9\u2028\u0085",
    "\x00",
    "\ufeff",
    "\r\n",
    "version: 1\n",
    "state: OPEN",
    "state: EXCLUDED",
    "assignee: null",
    "assign: always",
    "from_states: []",
    "window: 999999999w",
    "grace: " + "9" * 5000 + "s",
    "query: '(a OR'",
    "query: 'service:\"x'",
    "c1726a66-1f64-11ee-b338-da7ad0900002",
    "tests:\n  - {name: t, issue: {}, expect: {}}\n",
    "issue: {id: c1726a66-1f64-11ee-b338-da7ad0900002, last_seen: 2d}",
    "expect: {assignee: nobody}",
]
KEYS = [
    *("version", "defaults", "users", "rules", "issues", "tests", "name", "query", "track"),
    *("persona", "window", "grace", "from_states", "state", "assignee", "assign", "note"),
    *("max_changes", "resolve_regressions", "allow_exclude", "issue", "expect", "service"),
    *("error_type", "first_seen", "last_seen", "id", "languages", "<<"),
]
SCALARS: list[Any] = [
    *(None, True, False, 0, 1, -1, 10**40, 1.5, float("inf"), "", " ", "*", "x y"),
    *("OPEN", "IGNORED", "EXCLUDED", "RESOLVED", "trace", "rum", "ALL", "always", "30d", "0s"),
    *("alice", "a@b.c", "1b0b4e1c-53c4-4d8a-9b8e-0c3a1f6d2e7a", "(a OR", "1h", "3654d"),
]


class Hang(Exception):
    """Raised by the alarm in an input that takes too long."""


def seeds() -> list[str]:
    paths = [*ROOT.glob("examples/*.yaml"), *ROOT.glob("tests/fixtures/config/**/*.yaml")]
    return [p.read_text(encoding="utf-8") for p in sorted(paths) if p.is_file()]


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 8)):
        at = rng.randint(0, len(text))
        action = rng.choice(("insert", "delete", "replace", "copy-line", "indent"))
        token = rng.choice(TOKENS)
        if action == "insert":
            text = text[:at] + token + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + rng.randint(1, 40) :]
        elif action == "replace":
            text = text[:at] + token + text[at + len(token) :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = rng.randrange(len(lines))
            if action == "indent":
                lines[index] = " " * rng.randint(1, 4) + lines[index]
            else:
                lines.insert(rng.randint(0, len(lines)), lines[index])
            text = "".join(lines)
    return text


def shape(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 5 or roll < 0.4:
        return rng.choice(SCALARS)
    if roll < 0.65:
        return [shape(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS): shape(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def shaped(rng: random.Random) -> str:
    document = shape(rng)
    top = document if isinstance(document, dict) else {"rules": [document]}
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump({"version": 1, **top}, stream)
    return stream.getvalue()


def generators(rng: random.Random) -> list[Callable[[], str]]:
    texts = seeds()
    return [
        lambda: mutate(rng, rng.choice(texts)),
        lambda: "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 80))),
        lambda: shaped(rng),
    ]


def on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=10, help="seconds before a hang")
    parser.add_argument("--keep", type=Path, default=None, help="write failing inputs here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    make = generators(rng)
    signal.signal(signal.SIGALRM, on_alarm)
    counts = {"config": 0, "config-error": 0, "traceback": 0, "hang": 0}
    places: dict[str, str] = {}
    libyaml = tree._FAST  # alternate parsers: libyaml when installed, and ruamel's own
    start = time.monotonic()
    tried = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        while tried < args.inputs:
            if args.seconds is not None and time.monotonic() - start > args.seconds:
                break
            text = make[tried % len(make)]()
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            tree._FAST = libyaml and tried % 2 == 0
            tried += 1
            outcome = run(path, args.timeout, places)
            counts[outcome] += 1
            if outcome in ("traceback", "hang") and args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{outcome}-{tried}.yaml").write_text(
                    text, encoding="utf-8", errors="surrogatepass"
                )
    elapsed = time.monotonic() - start
    print(f"inputs tried: {tried} in {elapsed:.0f} s (seed {args.seed})")
    print(f"valid configs: {counts['config']}, config errors: {counts['config-error']}")
    print(f"tracebacks: {counts['traceback']}, hangs: {counts['hang']}")
    for place, text in places.items():
        print(f"\n--- {place}\n{text}")
    return 1 if counts["traceback"] or counts["hang"] else 0


def run(path: Path, timeout: int, places: dict[str, str]) -> str:
    signal.alarm(timeout)
    try:
        load_config([path])
        return "config"
    except ConfigError:
        return "config-error"
    except Hang:
        places.setdefault("hang", path.read_text(encoding="utf-8", errors="replace")[:2000])
        return "hang"
    except Exception:
        frame = traceback.extract_tb(sys.exc_info()[2])[-1]
        places.setdefault(f"{frame.filename}:{frame.lineno}", traceback.format_exc())
        return "traceback"
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())
