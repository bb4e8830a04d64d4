"""A fake `gh` for the workflow scripts' tests: `gh api` over an in-file store of issue
comments and issues, every call recorded.

    FAKE_GH_STATE  JSON file: {"comments": [...], "issues": [...], "next_id": N}
    FAKE_GH_LOG    one JSON line per call: {"argv": [...]}
    FAKE_GH_LOGIN  the login new comments and issues are posted as

Only what GitHub's REST API does for these paths is imitated; anything else exits 1, so a
script that calls something unexpected fails its test. `--jq` runs the real `jq`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"argv": argv}) + "\n")
    if not argv or argv[0] != "api":
        print(f"fake gh: unsupported command {argv[:1]}", file=sys.stderr)
        return 1
    method, path, fields, jq, silent = _parse(argv[1:])
    state_file = Path(os.environ["FAKE_GH_STATE"])
    state = json.loads(state_file.read_text(encoding="utf-8"))
    try:
        answer = _serve(state, method, path, fields)
    except LookupError as exc:
        print(f"fake gh: {exc}", file=sys.stderr)
        return 1
    state_file.write_text(json.dumps(state, indent=1), encoding="utf-8")
    if silent:
        return 0
    text = json.dumps(answer)
    if jq is not None:
        done = subprocess.run(["jq", "-r", jq], input=text, text=True, capture_output=True)
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        return done.returncode
    print(text)
    return 0


def _parse(args: list[str]) -> tuple[str, str, dict[str, str], str | None, bool]:
    method, path, jq, silent = "", "", None, False
    fields: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--method", "-X"):
            method, i = args[i + 1], i + 1
        elif arg in ("--jq", "-q"):
            jq, i = args[i + 1], i + 1
        elif arg in ("-F", "--field", "-f", "--raw-field"):
            key, _, value = args[i + 1].partition("=")
            if arg in ("-F", "--field") and value.startswith("@"):
                value = Path(value[1:]).read_text(encoding="utf-8")
            fields[key], i = value, i + 1
        elif arg == "--silent":
            silent = True
        elif arg == "--paginate":
            pass
        elif arg.startswith("-"):
            raise SystemExit(f"fake gh: unsupported option {arg}")
        else:
            path = arg
        i += 1
    return method or ("POST" if fields else "GET"), path, fields, jq, silent


def _serve(state: dict[str, Any], method: str, path: str, fields: dict[str, str]) -> Any:
    parts = urlsplit(path)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    login = os.environ.get("FAKE_GH_LOGIN", "github-actions[bot]")
    route = parts.path
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", route):
        number = int(m.group(1))
        if method == "GET":
            return [c for c in state["comments"] if c["issue"] == number]
        if method == "POST":
            comment = {"id": _next(state), "issue": number, "body": fields["body"]}
            state["comments"].append({**comment, "user": {"login": login}})
            return comment
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", route):
        comment = _find(state["comments"], "id", int(m.group(1)))
        if method == "PATCH":
            comment["body"] = fields["body"]
            return comment
    if re.fullmatch(r"repos/[^/]+/[^/]+/issues", route):
        if method == "GET":
            wanted = query.get("state", "open")
            return [i for i in state["issues"] if wanted in ("all", i["state"])]
        if method == "POST":
            issue = {"number": _next(state), "title": fields["title"], "body": fields["body"]}
            state["issues"].append({**issue, "state": "open", "user": {"login": login}})
            return issue
    if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)", route):
        issue = _find(state["issues"], "number", int(m.group(1)))
        if method == "PATCH":
            issue.update(fields)
            return issue
    raise LookupError(f"no route for {method} {path}")


def _next(state: dict[str, Any]) -> int:
    state["next_id"] = state.get("next_id", 100) + 1
    return int(state["next_id"])


def _find(items: list[dict[str, Any]], key: str, value: int) -> dict[str, Any]:
    for item in items:
        if item[key] == value:
            return item
    raise LookupError(f"no item with {key} {value}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
