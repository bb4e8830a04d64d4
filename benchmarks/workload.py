"""The benchmark's workload: a synthetic org (fixed seed) and a realistic config for it.

The config is what a team would write for such an org: one ownership rule per
service (a wildcard rule with `assign: always` for one domain), a noise rule
broad enough to pass the search's 100-issue cap, a retired service whose issues
are resolved, and a handful of pins.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.config import load_config
from reconciler.model import SEARCH_CAP, Config
from reconciler.sandbox import Store, generate_org_document, org_from_dict
from reconciler.sandbox.data import parse_time

# Python's transient errors: common enough in a big org that the rule selects more
# than one search call can return, spread over time so that window splitting works.
NOISE_RULE = "ignore-transient-python-errors"
NOISE_TYPES = ("psycopg2.OperationalError", "requests.exceptions.ReadTimeout")
# The noise rule's services are chosen so that it selects up to NOISE_TARGET issues
# while at most PEAK_LIMIT are active at any moment: a search slice can only be
# split down to one minute, so a bigger peak could never be listed completely.
NOISE_TARGET = 150
PEAK_LIMIT = SEARCH_CAP - 10
OWNED_STATES = ("OPEN", "ACKNOWLEDGED")  # the default from_states of assignee-only rules
WILDCARD_DOMAIN = "payments"
OWNER_COUNT = 8
# The generator's emails repeat past 39 users; 20 keeps every email unique at any size.
USER_COUNT = 20


@dataclass(frozen=True)
class Workload:
    """One org document and the config written for it, loaded from `config_dir`."""

    document: dict[str, Any]
    config_dir: Path
    config: Config

    def fresh_store(self) -> Store:
        """A new store of the org, its relative times counted from now."""
        return Store.from_org(org_from_dict(self.document, int(time.time() * 1000)))

    @property
    def issue_count(self) -> int:
        return len(self.document["issues"])

    @property
    def services(self) -> list[str]:
        return sorted({issue["service"] for issue in self.document["issues"]})


def build_workload(issues: int, services: int, seed: int, directory: Path) -> Workload:
    """Generate the org, write the config's YAML files into `directory` and load them.

    Raises WorkloadError when a service has too many issues for its rule's search to be
    listed completely, and ConfigError if the generated config is invalid (a bug here).
    """
    document = generate_org_document(issues=issues, services=services, seed=seed, users=USER_COUNT)
    owners = _owners(document)
    owned = _intervals(document, OWNED_STATES)
    _check_listable(owned)
    service_names = sorted({issue["service"] for issue in document["issues"]})
    retired = _retired_service(service_names)
    wildcard = [name for name in owned if name.startswith(f"{WILDCARD_DOMAIN}-")]
    merged = [interval for name in wildcard for interval in owned[name]]
    noise = _noise_query(*_noise_services(document))
    (directory / "10-noise.yaml").write_text(
        _noise_yaml(noise, retired, _pins(document, seed, owners)), encoding="utf-8"
    )
    (directory / "20-ownership.yaml").write_text(
        _ownership_yaml(service_names, owners, wildcard=_peak(merged) <= PEAK_LIMIT),
        encoding="utf-8",
    )
    return Workload(document=document, config_dir=directory, config=load_config([directory]))


def _owners(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(alias, email) of the first active users, who own services round-robin."""
    active = [u for u in document["users"] if not u["disabled"] and u["status"] == "Active"]
    return [(u["email"].split("@")[0].replace(".", "_"), u["email"]) for u in active][:OWNER_COUNT]


def _retired_service(service_names: Sequence[str]) -> str:
    """A worker service (the last one, for a stable choice) to retire."""
    workers = [name for name in service_names if "-worker" in name]
    return (workers or list(service_names))[-1]


class WorkloadError(Exception):
    """The requested org cannot be benchmarked as asked (e.g. too few services)."""


def _intervals(
    document: dict[str, Any], states: Sequence[str], error_types: Sequence[str] = ()
) -> dict[str, list[tuple[int, int]]]:
    """Per service, when each issue in `states` (of `error_types`, if given) was active."""
    found: dict[str, list[tuple[int, int]]] = {}
    for issue in document["issues"]:
        if issue["state"] in states and (not error_types or issue["error_type"] in error_types):
            found.setdefault(issue["service"], []).append(_active(issue))
    return found


def _check_listable(owned: dict[str, list[tuple[int, int]]]) -> None:
    """Raise WorkloadError when a service rule's search could never be listed completely."""
    for service, intervals in sorted(owned.items()):
        peak = _peak(intervals)
        if peak > PEAK_LIMIT:
            raise WorkloadError(
                f"service {service} has {peak} open issues active at one moment; a search "
                f"returns at most {SEARCH_CAP} even in a one-minute slice, so its rule could "
                "not be planned. Give more --services (about one per 50 issues)"
            )


def _ownership_yaml(
    service_names: Sequence[str], owners: Sequence[tuple[str, str]], *, wildcard: bool
) -> str:
    """One rule per service; one wildcard rule for a domain when its search can be listed."""
    lines = [
        "# Service ownership: unowned issues go to the owning team's lead.",
        "version: 1",
        "defaults:",
        "  window: 30d",
        "  persona: ALL",
        "  max_changes: 5000  # the first run assigns the whole backlog",
        "users:",
        *(f"  {alias}: {email}" for alias, email in owners),
        "rules:",
    ]
    if wildcard:
        lines += [
            f"  - name: own-{WILDCARD_DOMAIN}",
            f"    query: 'service:{WILDCARD_DOMAIN}-*'",
            f"    assignee: {owners[0][0]}",
            "    assign: always  # the team takes over issues someone else picked up",
        ]
    domains = sorted({name.split("-")[0] for name in service_names})
    owner_of = {domain: owners[n % len(owners)][0] for n, domain in enumerate(domains)}
    for name in service_names:
        domain = name.split("-")[0]
        if domain == WILDCARD_DOMAIN and wildcard:
            continue
        lines += [
            f"  - name: own-{name}",
            f"    query: 'service:{name}'",
            f"    assignee: {owner_of[domain]}",
        ]
        if domain == WILDCARD_DOMAIN:
            lines.append("    assign: always")
    return "\n".join(lines) + "\n"


def _noise_services(document: dict[str, Any]) -> tuple[list[str], bool]:
    """Services, in name order, whose OPEN transient errors stay under PEAK_LIMIT at once,
    and whether they are all the services with such errors."""
    intervals = _intervals(document, ("OPEN",), NOISE_TYPES)
    chosen: list[str] = []
    kept: list[tuple[int, int]] = []
    for service in sorted(intervals):
        candidate = kept + intervals[service]
        if _peak(candidate) > PEAK_LIMIT:
            continue
        chosen.append(service)
        kept = candidate
        if len(kept) >= NOISE_TARGET:
            break
    if not chosen and intervals:
        # Every service alone is too busy: the quietest one shows the truncation error.
        chosen = [min(intervals, key=lambda service: _peak(intervals[service]))]
    return chosen, len(chosen) == len(intervals)


def _active(issue: dict[str, Any]) -> tuple[int, int]:
    """When an issue fired, as ms relative to the load (0 = now)."""
    where = f"issue {issue['id']}"
    return parse_time(issue["first_seen"], 0, where), parse_time(issue["last_seen"], 0, where)


def _peak(intervals: Sequence[tuple[int, int]]) -> int:
    """The most intervals active at one moment (sweeping starts and ends in time order)."""
    # An issue is active through its last_seen millisecond, so it ends just after it.
    events = sorted(
        [(start, 1) for start, _ in intervals] + [(end + 1, -1) for _, end in intervals]
    )
    active = peak = 0
    for _, delta in events:
        active += delta
        peak = max(peak, active)
    return peak


def _noise_query(services: Sequence[str], every: bool) -> str:
    """The noise rule's query: the transient errors, in `services` unless that is `every` one."""
    types = " OR ".join(f"@error.type:{name}" for name in NOISE_TYPES)
    if every:
        return types
    return f"({types}) AND ({' OR '.join(f'service:{name}' for name in services)})"


def _noise_yaml(query: str, retired: str, pins: Sequence[str]) -> str:
    lines = [
        "# Noise: transient errors are ignored, a retired service is resolved, pins record",
        "# decisions about single issues.",
        "version: 1",
        "defaults:",
        "  window: 30d",
        "  persona: ALL",
        "  grace: 1h",
        "  max_changes: 5000",
        "rules:",
        f"  - name: {NOISE_RULE}",
        f"    query: '{query}'",
        "    state: IGNORED",
        f"  - name: retire-{retired}",
        f"    query: 'service:{retired}'",
        "    state: RESOLVED",
        "issues:",
        *pins,
    ]
    return "\n".join(lines) + "\n"


def _pins(document: dict[str, Any], seed: int, owners: Sequence[tuple[str, str]]) -> list[str]:
    """Pins on issues drawn with the seed: resolved, ignored and unassigned, kept for review
    (an explicit OPEN that the ownership rules' assignment must not move), reassigned."""
    rng = random.Random(seed)
    issues = document["issues"]
    open_unassigned = [i for i in issues if i["state"] == "OPEN" and i["assignee_id"] is None]
    others = [i for i in issues if i not in open_unassigned]
    keep_open = rng.sample(open_unassigned, min(3, len(open_unassigned)))
    chosen = rng.sample(others, min(9, len(others)))
    lines: list[str] = []
    for issue in keep_open:
        lines += [f"  {issue['id']}:", "    state: OPEN", "    note: keep in the review queue"]
    for n, issue in enumerate(chosen):
        lines.append(f"  {issue['id']}:")
        if n % 3 == 0:
            lines += ["    state: RESOLVED", f"    note: fixed in release {n + 1}"]
        elif n % 3 == 1:
            lines += ["    state: IGNORED", "    assignee: null", "    note: expected noise"]
        else:
            lines += [f"    assignee: {owners[-1][0]}", "    note: escalated"]
    return lines
