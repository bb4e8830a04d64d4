"""What a configuration needs from a generated org for its plan to do something.

`fit_for(config)` reads a loaded config and lists the users it names, the pinned
issue ids, and for each rule one or more issue templates: the service and error
type its query asks for (wildcards made concrete), with its track, persona,
window, grace and `from_states`. The generator then makes those users, those
services, an issue per pin and at least one issue per template, checking each
such issue against the rule's own query with `reconciler.query`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from reconciler.errors import QuerySyntaxError
from reconciler.model import Config, Persona, Pin, Rule, State, Track, is_uuid
from reconciler.query import And, Node, Or, Term, matches, parse

# The facets a template makes concrete; every other term is left to chance and to
# the check against the query.
_TEMPLATE_KEYS = ("service", "@error.type")
_MAX_ALTERNATIVES = 8
# Tried in turn for a wildcard's `*`: the usual suffixes of a service name.
_FILLERS = ("api", "web", "worker", "app", "x")


@dataclass(frozen=True)
class FitUser:
    """A user the config names: by email or handle, or by UUID (`id`)."""

    email: str
    id: str | None = None


@dataclass(frozen=True)
class IssueTemplate:
    """An issue one rule must select: what its query asks for, and where it looks."""

    rule: Rule
    service: str | None = None
    error_type: str | None = None

    @property
    def track(self) -> Track | None:
        return self.rule.track

    @property
    def persona(self) -> Persona | None:
        return self.rule.persona

    @property
    def state(self) -> State:
        """A state the rule selects, preferring one it would change."""
        states = self.rule.from_states or (State.OPEN,)
        return next((s for s in states if s is not self.rule.state), states[0])


@dataclass(frozen=True)
class OrgFit:
    """Everything a config needs from an org.

    `terms` are the `service:` and `@error.type:` terms the rules' queries require
    (outside negations): the generator keeps its other services and errors clear of
    them, so that each rule selects about one service's worth of issues, as an
    ownership rule does, rather than every service whose name happens to match.
    """

    users: tuple[FitUser, ...] = ()
    templates: tuple[IssueTemplate, ...] = ()
    pins: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()

    def claims(self, key: str, value: str) -> bool:
        """Whether a rule's query requires this value of `service` or `@error.type`."""
        lookup = _only(value)
        return any(term.key == key and matches(term, lookup) for term in self.terms)


def fit_for(config: Config) -> OrgFit:
    """What `config` needs from an org (its users, pins and an issue template per rule)."""
    references = [*config.users.values(), *config.user_references()]
    items: tuple[Rule | Pin, ...] = (*config.rules, *config.pins)
    for item in items:
        if item.assignee is not None and item.assignee.user is not None:
            references.append(item.assignee.user)
    users: dict[str, FitUser] = {}
    for reference in references:
        key = reference.lower()
        if key not in users:
            users[key] = (
                FitUser(f"user-{key[:8]}@example.com", id=key)
                if is_uuid(reference)
                else FitUser(reference)
            )
    templates: list[IssueTemplate] = []
    terms: list[Term] = []
    for rule in config.rules:
        node = _parsed(rule.query)
        templates += _templates(rule, node)
        terms += _required_terms(node) if node is not None else []
    pins = tuple(dict.fromkeys(pin.issue_id for pin in config.pins))
    return OrgFit(tuple(users.values()), tuple(templates), pins, tuple(dict.fromkeys(terms)))


def _parsed(query: str) -> Node | None:
    if query.strip() in ("", "*"):
        return None
    try:
        return parse(query)
    except QuerySyntaxError:
        return None  # a loaded config's queries parse; nothing to fit otherwise


def _required_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node] if node.key in _TEMPLATE_KEYS else []
    if isinstance(node, And | Or):
        return [term for item in node.items for term in _required_terms(item)]
    return []


def _templates(rule: Rule, node: Node | None) -> list[IssueTemplate]:
    alternatives = _alternatives(node) if node is not None else [{}]
    found = []
    for wanted in alternatives[:_MAX_ALTERNATIVES]:
        values = {key: _concrete(term) for key, term in wanted.items()}
        if all(value is not None for value in values.values()):
            found.append(IssueTemplate(rule, values.get("service"), values.get("@error.type")))
    return found or [IssueTemplate(rule)]


def _alternatives(node: Node) -> list[Mapping[str, Term]]:
    """The ways `node` can hold, each as the template facets' terms it then requires."""
    if isinstance(node, Term):
        return [{node.key: node}] if node.key in _TEMPLATE_KEYS else [{}]
    if isinstance(node, Or):
        return [way for item in node.items for way in _alternatives(item)]
    if isinstance(node, And):
        combined: list[Mapping[str, Term]] = []
        for ways in itertools.product(*(_alternatives(item) for item in node.items)):
            merged: dict[str, Term] = {}
            for way in ways:
                merged.update({k: v for k, v in way.items() if k not in merged})
            combined.append(merged)
            if len(combined) >= _MAX_ALTERNATIVES:
                break
        return combined
    # A negation, a range or free text requires no facet value of its own.
    return [{}]


def _concrete(term: Term) -> str | None:
    """A value the term matches: itself, or its wildcard pattern filled in."""
    if not term.wildcard:
        return term.value
    for filler in _FILLERS:
        value = _fill(term.value, filler)
        if value and matches(term, _only(value)):
            return value
    return None


def _only(value: str) -> Callable[[str | None], Sequence[str]]:
    return lambda _key: (value,)


def _fill(pattern: str, filler: str) -> str:
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(next(chars, ""))
        elif char == "*":
            out.append(filler)
        elif char == "?":
            out.append(filler[0])
        else:
            out.append(char)
    return "".join(out).strip("-_.") or filler
