"""One observation for several configs: shared searches, pins and users, and the view
each config gets of it."""

from __future__ import annotations

from reconciler.joint import joint
from reconciler.model import (
    Assignee,
    Config,
    Observed,
    Persona,
    Pin,
    Rule,
    Source,
    State,
)

ISSUE = "0a1b2c3d-0000-4000-8000-000000000001"
GONE = "0a1b2c3d-0000-4000-8000-000000000009"


def rule(name: str, query: str, assignee: str, file: str = "head.yaml") -> Rule:
    return Rule(
        name=name,
        query=query,
        from_states=(State.OPEN, State.ACKNOWLEDGED),
        window_s=86400,
        grace_s=3600,
        source=Source(file, 3, 5),
        persona=Persona.ALL,
        assignee=Assignee(assignee),
    )


def config(*rules: Rule, pins: tuple[Pin, ...] = ()) -> Config:
    return Config(rules=rules, pins=pins, max_changes=100, digest="sha256:x")


def test_the_same_search_in_both_configs_is_made_once() -> None:
    head = config(rule("web", "service:web", "bob@example.com"))
    base = config(
        rule("web", "service:web", "alice@example.com", "base.yaml"),
        rule("api", "service:api", "carol@example.com", "base.yaml"),
    )
    shared = joint([head, base])
    assert [r.name for r in shared.config.rules] == ["web", "api (config 2)"]
    assert shared.names == ({"web": "web"}, {"web": "web", "api": "api (config 2)"})
    # Every user either config names is looked up, though one search stands for two rules.
    assert set(shared.references) == {"bob@example.com", "alice@example.com", "carol@example.com"}


def test_a_rule_named_alike_with_another_search_keeps_its_own() -> None:
    head = config(rule("web", "service:web", "bob@example.com"))
    base = config(rule("web", "service:web-*", "bob@example.com", "base.yaml"))
    shared = joint([head, base])
    assert [r.name for r in shared.config.rules] == ["web", "web (config 2)"]


def test_each_config_sees_its_own_selections_and_missing_pins() -> None:
    pin = Pin(GONE, Source("base.yaml", 9, 3), 3600, state=State.RESOLVED)
    head = config(rule("web", "service:web", "bob@example.com"))
    base = config(rule("all", "*", "bob@example.com", "base.yaml"), pins=(pin,))
    extra = Rule(
        name="scope",
        query="service:web",
        from_states=tuple(State),
        window_s=86400,
        grace_s=0,
        source=Source("--scope", 0, 0),
        persona=Persona.ALL,
    )
    shared = joint([head, base], [extra])
    assert shared.config.pins == (pin,)
    observed = Observed(
        issues={},
        selections={
            "web": frozenset({ISSUE}),
            "all (config 2)": frozenset(),
            "(extra) scope": frozenset({ISSUE}),
        },
        missing_pins=(pin,),
    )
    # The scope searches what `web` searches but in every state: a search of its own.
    assert len(shared.config.rules) == 3
    assert shared.view(observed, 0).selections == {"web": frozenset({ISSUE})}
    assert shared.view(observed, 0).missing_pins == ()
    assert shared.view(observed, 1).selections == {"all": frozenset()}
    assert shared.view(observed, 1).missing_pins == (pin,)
    assert shared.selection(observed, "scope") == frozenset({ISSUE})
