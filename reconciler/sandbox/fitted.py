"""Generating the parts of an org that a config needs (see `fit.fit_for`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from reconciler.model import Persona, SearchRequest, Track
from reconciler.sandbox.data import org_from_dict
from reconciler.sandbox.fit import IssueTemplate, OrgFit
from reconciler.sandbox.search import compile_query, keeps
from reconciler.sandbox.synthetic import DAY_MIN, errors_of, issue, service, uid
from reconciler.sandbox.vocabulary import ERRORS


def fit_users(rng: random.Random, fit: OrgFit) -> list[dict[str, Any]]:
    people = []
    for user in fit.users:
        local = user.email.split("@", 1)[0]
        people.append(
            {
                "id": user.id or uid(rng),
                "email": user.email,
                "handle": user.email,
                "name": " ".join(part.title() for part in local.replace("_", ".").split(".")),
                "title": None,
                "disabled": False,
                "status": "Active",
            }
        )
    return people


def fit_services(
    rng: random.Random, fit: OrgFit, generated: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rules' services first, then generated ones clear of every rule, up to the same
    total; each error type a rule asks for is added to a service where that rule looks."""
    named: dict[str, dict[str, Any]] = {}
    for template in fit.templates:
        if template.service is not None and template.service not in named:
            named[template.service] = _named_service(rng, template)
    specs = list(named.values())
    total = max(len(generated), len(named))
    # A rule like `service:*` claims every name: then give up keeping clear of it.
    for n in range(total * 10 + 100):
        if len(specs) >= total:
            break
        spec = generated[n] if n < len(generated) else service(rng, n)
        if spec["name"] in named or fit.claims("service", spec["name"]):
            continue
        errors = [e for e in ERRORS[spec["language"]] if not fit.claims("@error.type", e[0])]
        specs.append({**spec, "errors": tuple(errors or ERRORS[spec["language"]])})
    for template in fit.templates:
        if template.error_type is None:
            continue
        target = named.get(template.service or "") or next(
            (spec for spec in specs if _looks_at(template, spec)), None
        )
        if target is None:
            target = _named_service(rng, template, f"{template.rule.name}-app")
            specs.append(target)
        spec = target
        if all(error[0] != template.error_type for error in errors_of(spec)):
            _, message, file_path, function = rng.choice(ERRORS[spec["language"]])
            extra = (template.error_type, message, file_path, function)
            spec["extra_errors"] = (*spec.get("extra_errors", ()), extra)
    return specs


def _named_service(
    rng: random.Random, template: IssueTemplate, name: str | None = None
) -> dict[str, Any]:
    name = name or template.service or "service"
    platform = _PERSONA_PLATFORM.get(template.persona or Persona.ALL)
    if platform is None:
        platform = "BROWSER" if template.track is Track.RUM else "BACKEND"
    backend = platform == "BACKEND"
    language = rng.choice(("PYTHON", "GO", "JAVA", "RUBY")) if backend else "JAVASCRIPT"
    track = template.track.value if template.track else ("trace" if backend else "rum")
    domain = name.split("-", 1)[0] or name
    return {"domain": domain, "name": name, "language": language, "platform": platform,
            "track": track}  # fmt: skip


_PERSONA_PLATFORM = {Persona.BROWSER: "BROWSER", Persona.MOBILE: "REACT_NATIVE",
                     Persona.BACKEND: "BACKEND"}  # fmt: skip


def _looks_at(template: IssueTemplate, spec: dict[str, Any]) -> bool:
    """Whether the template's rule searches the track and persona of the service's issues."""
    if template.track is not None and spec["track"] != template.track.value:
        return False
    platform = _PERSONA_PLATFORM.get(template.persona or Persona.ALL)
    return platform is None or platform == spec["platform"]


def fit_issues(
    rng: random.Random,
    fit: OrgFit,
    specs: list[dict[str, Any]],
    team_of: Callable[[dict[str, Any]], str],
    users: list[str],
) -> list[dict[str, Any]]:
    """An issue per pin, then for each template one issue its rule selects and changes."""
    documents = []
    for issue_id in fit.pins:
        spec = rng.choice(specs)
        documents.append({**issue(rng, spec, team_of(spec), users), "id": issue_id})
    for template in fit.templates:
        looking = [spec for spec in specs if _looks_at(template, spec)]
        candidates = (
            [spec for spec in specs if spec["name"] == template.service]
            or [spec for spec in looking if _reports(spec, template.error_type)]
            or looking
        )
        for _ in range(_ATTEMPTS if candidates else 0):
            spec = rng.choice(candidates)
            document = _anchor_issue(rng, template, spec, team_of(spec), users)
            if _selects(template, document):
                documents.append(document)
                break
    return documents


_ATTEMPTS = 25


def _reports(spec: dict[str, Any], error_type: str | None) -> bool:
    return error_type is None or any(error[0] == error_type for error in errors_of(spec))


def _anchor_issue(
    rng: random.Random,
    template: IssueTemplate,
    spec: dict[str, Any],
    team_id: str,
    users: list[str],
) -> dict[str, Any]:
    document = issue(rng, spec, team_id, users)
    if template.error_type is not None:
        known = next((e for e in errors_of(spec) if e[0] == template.error_type), None)
        fields = ("error_type", "error_message", "file_path", "function_name")
        document.update(zip(fields, known, strict=True) if known else ())
        document["error_type"] = template.error_type
    # Seen inside the rule's window, but longer ago than its grace.
    window_min = template.rule.window_s // 60
    grace_min = template.rule.grace_s // 60
    last = min(grace_min + rng.randint(60, 3 * DAY_MIN), max(window_min - 60, 1))
    first = min(last + rng.randint(60, 10 * DAY_MIN), window_min * 3)
    document.update(
        first_seen=f"-{first}m",
        last_seen=f"-{last}m",
        state=template.state.value,
        assignee_id=None,
    )
    document.pop("regression", None)
    return document


def _selects(template: IssueTemplate, document: dict[str, Any]) -> bool:
    """Whether the template's rule, searched now, returns the issue `document` describes."""
    now = 10**13  # any moment: the document's times are relative to it
    (loaded,) = org_from_dict({"issues": [document]}, now, "<generated>").issues
    rule = template.rule
    criteria = SearchRequest(
        rule.query, now - rule.window_s * 1000, now + 1, rule.track, rule.persona, (loaded.state,)
    )
    return keeps(loaded, criteria) and compile_query(rule.query)(loaded)
