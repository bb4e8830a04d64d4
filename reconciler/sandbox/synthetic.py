"""One synthetic user, service or issue at a time, drawn from a seeded random stream."""

from __future__ import annotations

import random
import uuid
from typing import Any

from reconciler.sandbox.vocabulary import DOMAINS, ERRORS, FIRST_NAMES, KINDS, LAST_NAMES, STATES

DAY_MIN = 24 * 60


def uid(rng: random.Random) -> str:
    """A version-4 UUID from the stream."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def user(rng: random.Random, n: int) -> dict[str, Any]:
    """The data-file entry of the n-th generated user (unique email for every n)."""
    # Mixed radix over first names, last names, then a number: unique for every n.
    first, last = (
        FIRST_NAMES[n % len(FIRST_NAMES)],
        LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)],
    )
    email = f"{first}.{last}{n // (len(FIRST_NAMES) * len(LAST_NAMES)) or ''}@example.com"
    disabled = n % 9 == 5
    status = "Disabled" if disabled else ("Pending" if n % 13 == 12 else "Active")
    return {
        "id": uid(rng),
        "email": email,
        "handle": email,
        "name": f"{first.title()} {last.title()}",
        "title": None,
        "disabled": disabled,
        "status": status,
    }


def service(rng: random.Random, n: int) -> dict[str, Any]:
    """The spec of the n-th generated service: name, domain, language, platform, track."""
    domain = DOMAINS[n % len(DOMAINS)]
    kind = KINDS[(n // len(DOMAINS)) % len(KINDS)]
    suffix = "" if n < len(DOMAINS) * len(KINDS) else f"-{n}"
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


def issue(
    rng: random.Random, spec: dict[str, Any], team_id: str, users: list[str]
) -> dict[str, Any]:
    error_type, message, file_path, function = rng.choice(errors_of(spec))
    # Most issues fire recently; a long tail has gone quiet for weeks.
    last_minutes = int(rng.expovariate(1 / (3 * DAY_MIN)))
    age_minutes = last_minutes + int(rng.expovariate(1 / (20 * DAY_MIN))) + 1
    state = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES])[0]
    assigned = rng.random() < (0.8 if state == "ACKNOWLEDGED" else 0.15)
    doc: dict[str, Any] = {
        "id": uid(rng),
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
        doc["impacted_sessions"] = max(1, doc["total_count"] // 2)
        doc["impacted_users"] = max(1, doc["total_count"] // 3)
    if state == "OPEN" and rng.random() < 0.1 and age_minutes > 2 * DAY_MIN:
        regressed = rng.randint(last_minutes, age_minutes - 1)
        doc["regression"] = {
            "resolved_at": f"-{regressed + rng.randint(60, DAY_MIN)}m",
            "regressed_at": f"-{regressed}m",
            "regressed_at_version": doc["last_seen_version"],
        }
    return doc


def errors_of(spec: dict[str, Any]) -> tuple[tuple[str, str, str, str], ...]:
    """The (type, message, file, function) errors a service reports."""
    return (*spec.get("errors", ERRORS[spec["language"]]), *spec.get("extra_errors", ()))
