"""Synthetic orgs for load tests and benchmarks: many services and issues, all from one seed."""

from __future__ import annotations

import random
import uuid
from typing import Any

from reconciler.sandbox.data import OrgData, org_from_dict

_DOMAINS = (
    "payments", "checkout", "orders", "inventory", "search", "email", "auth", "billing",
    "shipping", "catalog", "cart", "notifications", "recommendations", "reviews", "profile",
    "ledger", "fraud", "media", "pricing", "invoices", "accounts", "gateway", "reports", "chat",
)  # fmt: skip
_KINDS = ("api", "worker", "web", "consumer", "scheduler", "grpc")
_FIRST = ("ada", "ben", "chloe", "dev", "emma", "farid", "gina", "hugo", "ines", "jon", "kim")
_LAST = ("lovelace", "okafor", "martin", "patel", "schmidt", "nguyen", "rossi", "silva", "tan")
_ERRORS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "PYTHON": (
        ("builtins.TypeError", "object of type 'NoneType' has no len()", "app/utils.py", "clean"),
        ("builtins.KeyError", "'customer_id'", "app/handlers/orders.py", "handle_order"),
        (
            "psycopg2.OperationalError",
            "server closed the connection unexpectedly",
            "app/db.py",
            "query",
        ),
        (
            "requests.exceptions.ReadTimeout",
            "Read timed out. (read timeout=5)",
            "app/clients/http.py",
            "fetch",
        ),
    ),
    "GO": (
        ("*errors.errorString", "context deadline exceeded", "internal/rpc/client.go", "Call"),
        (
            "runtime.Error",
            "invalid memory address or nil pointer dereference",
            "cmd/server/main.go",
            "handle",
        ),
        (
            "*net.OpError",
            "dial tcp 10.0.3.7:5432: connect: connection refused",
            "internal/db/pool.go",
            "Acquire",
        ),
    ),
    "JAVA": (
        (
            "java.lang.NullPointerException",
            'Cannot invoke "String.length()" because "s" is null',
            "src/main/java/Service.java",
            "process",
        ),
        (
            "java.util.concurrent.TimeoutException",
            "Timeout waiting for task.",
            "src/main/java/Worker.java",
            "await",
        ),
    ),
    "JAVASCRIPT": (
        (
            "TypeError",
            "Cannot read properties of undefined (reading 'id')",
            "src/components/Cart.tsx",
            "renderItem",
        ),
        ("Error", "HTTP error", "src/api/client.ts", "request"),
        ("ChunkLoadError", "Loading chunk 42 failed.", "webpack/runtime.js", "loadChunk"),
    ),
    "RUBY": (
        (
            "NoMethodError",
            "undefined method `name' for nil:NilClass",
            "app/models/user.rb",
            "display_name",
        ),
        (
            "ActiveRecord::RecordNotFound",
            "Couldn't find Order with 'id'=0",
            "app/controllers/orders_controller.rb",
            "show",
        ),
    ),
}
_STATES = (("OPEN", 55), ("ACKNOWLEDGED", 15), ("RESOLVED", 15), ("IGNORED", 12), ("EXCLUDED", 3))
_DAY_MIN = 24 * 60


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_org_document(
    issues: int = 1000, services: int = 20, seed: int = 0, users: int | None = None
) -> dict[str, Any]:
    """A sandbox data document (times relative to load) for a synthetic org."""
    rng = random.Random(seed)
    user_count = users if users is not None else max(6, services // 2)
    people = [_user(rng, n) for n in range(user_count)]
    active = [p["id"] for p in people if not p["disabled"]]
    service_specs = [_service(rng, n) for n in range(max(1, services))]
    teams: dict[str, dict[str, Any]] = {}
    for spec in service_specs:
        domain = spec["domain"]
        teams.setdefault(
            domain, {"id": _uid(rng), "handle": f"team-{domain}", "name": domain.title()}
        )
    documents = []
    for _ in range(issues):
        spec = rng.choice(service_specs)
        documents.append(_issue(rng, spec, teams[spec["domain"]]["id"], active))
    return {"users": people, "teams": list(teams.values()), "issues": documents}


def generate_org(issues: int = 1000, services: int = 20, seed: int = 0, now: int = 0) -> OrgData:
    """A synthetic org, loaded with `now` (epoch ms) as the moment relative times count from."""
    return org_from_dict(generate_org_document(issues, services, seed), now, "<generated>")


def _user(rng: random.Random, n: int) -> dict[str, Any]:
    # Mixed radix over first names, last names, then a number: unique for every n.
    first, last = _FIRST[n % len(_FIRST)], _LAST[(n // len(_FIRST)) % len(_LAST)]
    email = f"{first}.{last}{n // (len(_FIRST) * len(_LAST)) or ''}@example.com"
    disabled = n % 9 == 5
    status = "Disabled" if disabled else ("Pending" if n % 13 == 12 else "Active")
    return {
        "id": _uid(rng),
        "email": email,
        "handle": email,
        "name": f"{first.title()} {last.title()}",
        "title": None,
        "disabled": disabled,
        "status": status,
    }


def _service(rng: random.Random, n: int) -> dict[str, Any]:
    domain = _DOMAINS[n % len(_DOMAINS)]
    kind = _KINDS[(n // len(_DOMAINS)) % len(_KINDS)]
    suffix = "" if n < len(_DOMAINS) * len(_KINDS) else f"-{n}"
    browser = kind == "web"
    language = "JAVASCRIPT" if browser else rng.choice(("PYTHON", "GO", "JAVA", "RUBY"))
    track = "rum" if browser else rng.choice(("trace", "trace", "logs"))
    return {
        "domain": domain,
        "name": f"{domain}-{kind}{suffix}",
        "language": language,
        "platform": "BROWSER" if browser else "BACKEND",
        "track": track,
    }


def _issue(
    rng: random.Random, spec: dict[str, Any], team_id: str, users: list[str]
) -> dict[str, Any]:
    error_type, message, file_path, function = rng.choice(_ERRORS[spec["language"]])
    # Most issues fire recently; a long tail has gone quiet for weeks.
    last_minutes = int(rng.expovariate(1 / (3 * _DAY_MIN)))
    age_minutes = last_minutes + int(rng.expovariate(1 / (20 * _DAY_MIN))) + 1
    state = rng.choices([s for s, _ in _STATES], weights=[w for _, w in _STATES])[0]
    assigned = rng.random() < (0.8 if state == "ACKNOWLEDGED" else 0.15)
    issue: dict[str, Any] = {
        "id": _uid(rng),
        "service": spec["name"],
        "env": rng.choice(("prod", "prod", "prod", "staging")),
        "error_type": error_type,
        "error_message": message,
        "file_path": file_path,
        "function_name": function,
        "languages": [spec["language"]],
        "platform": spec["platform"],
        "track": spec["track"],
        "first_seen": f"-{age_minutes}m",
        "last_seen": f"-{last_minutes}m",
        "first_seen_version": f"v1.{rng.randint(0, 40)}.0",
        "last_seen_version": f"v1.{rng.randint(40, 80)}.0",
        "state": state,
        "assignee_id": rng.choice(users) if assigned and users else None,
        "team_owners": [team_id] if rng.random() < 0.7 else [],
        "total_count": max(1, int(rng.paretovariate(1.2) * 3)),
    }
    if spec["platform"] == "BROWSER":
        issue["impacted_sessions"] = max(1, issue["total_count"] // 2)
        issue["impacted_users"] = max(1, issue["total_count"] // 3)
    if state == "OPEN" and rng.random() < 0.1 and age_minutes > 2 * _DAY_MIN:
        regressed = rng.randint(last_minutes, age_minutes - 1)
        issue["regression"] = {
            "resolved_at": f"-{regressed + rng.randint(60, _DAY_MIN)}m",
            "regressed_at": f"-{regressed}m",
            "regressed_at_version": issue["last_seen_version"],
        }
    return issue
