"""Synthetic orgs for load tests and benchmarks: many services and issues, all from one seed."""

from __future__ import annotations

import random
from typing import Any

from reconciler.sandbox.data import OrgData, org_from_dict
from reconciler.sandbox.fit import OrgFit
from reconciler.sandbox.fitted import fit_issues, fit_services, fit_users
from reconciler.sandbox.synthetic import issue, service, uid, user


def generate_org_document(
    issues: int = 1000,
    services: int = 20,
    seed: int = 0,
    users: int | None = None,
    *,
    fit: OrgFit | None = None,
) -> dict[str, Any]:
    """A sandbox data document (times relative to load) for a synthetic org.

    With `fit` (see `fit_for`), the org also has the users a config names, the
    services its rules ask for, an issue per pin and at least one issue each rule
    selects and would change, all within the `issues` count.
    """
    rng = random.Random(seed)
    user_count = users if users is not None else max(6, services // 2)
    people = [user(rng, n) for n in range(user_count)]
    service_specs = [service(rng, n) for n in range(max(1, services))]
    if fit is not None:
        named = fit_users(rng, fit)
        emails = {person["email"].lower() for person in named}
        people = [*named, *(p for p in people if p["email"].lower() not in emails)]
        service_specs = fit_services(rng, fit, service_specs)
    active = [p["id"] for p in people if not p["disabled"]]
    teams: dict[str, dict[str, Any]] = {}
    for spec in service_specs:
        domain = spec["domain"]
        teams.setdefault(
            domain, {"id": uid(rng), "handle": f"team-{domain}", "name": domain.title()}
        )

    def team_of(spec: dict[str, Any]) -> str:
        return str(teams[spec["domain"]]["id"])

    documents = []
    if fit is not None:
        documents = fit_issues(rng, fit, service_specs, team_of, active)[:issues]
    for _ in range(issues - len(documents)):
        spec = rng.choice(service_specs)
        documents.append(issue(rng, spec, team_of(spec), active))
    return {"users": people, "teams": list(teams.values()), "issues": documents}


def generate_org(
    issues: int = 1000,
    services: int = 20,
    seed: int = 0,
    now: int = 0,
    *,
    fit: OrgFit | None = None,
) -> OrgData:
    """A synthetic org, loaded with `now` (epoch ms) as the moment relative times count from."""
    document = generate_org_document(issues, services, seed, fit=fit)
    return org_from_dict(document, now, "<generated>")
