"""One observation shared by several configs (`plan --base`) or a config and a scope
(`report`): pure, no network.

`joint(configs, extra)` builds the one config to observe: each distinct search once
(rules with the same query, track/persona, window and states share it, whichever
config they come from), each pinned issue once, every user any of them names. `view`
turns what that observed back into the `Observed` one of the configs would have got
alone, so deciding it is unchanged: the live API is read once, whatever the number of
configs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciler.model import Config, Observed, Pin, Rule, Source

# Rule names are `[a-z0-9][a-z0-9_.-]*`: names with a space or a parenthesis cannot
# collide with one.
_EXTRA_PREFIX = "(extra) "

_SearchKey = tuple[object, ...]


def search_key(rule: Rule) -> _SearchKey:
    """What makes two rules' searches the same search."""
    return (rule.query, rule.track, rule.persona, rule.window_s, rule.search_states)


@dataclass(frozen=True)
class Joint:
    """The config to observe once, and which of its searches stands for each rule.

    `names[i]` maps the rule names of `configs[i]` to the joint config's rule names;
    `extra` maps the name of each extra rule (a report's scope) likewise.
    """

    config: Config
    configs: tuple[Config, ...]
    names: tuple[Mapping[str, str], ...]
    extra: Mapping[str, str]
    references: Mapping[str, Source]  # every email or handle any of the configs names

    def view(self, observed: Observed, index: int) -> Observed:
        """What observing `configs[index]` alone would have given."""
        config = self.configs[index]
        selections = {
            name: observed.selections[joint_name]
            for name, joint_name in self.names[index].items()
            if joint_name in observed.selections
        }
        missing = {pin.issue_id.lower() for pin in observed.missing_pins}
        return dataclasses.replace(
            observed,
            selections=selections,
            missing_pins=tuple(pin for pin in config.pins if pin.issue_id.lower() in missing),
        )

    def selection(self, observed: Observed, extra_name: str) -> frozenset[str]:
        """The issue ids an extra rule's search returned."""
        return observed.selections.get(self.extra[extra_name], frozenset())


def joint(configs: Sequence[Config], extra: Sequence[Rule] = ()) -> Joint:
    """The joint observation of `configs` (in order: the first one's rules name the shared
    searches) and of the `extra` rules, which are searched but decided by none."""
    by_key: dict[_SearchKey, str] = {}
    rules: list[Rule] = []

    def add(rule: Rule, name: str) -> str:
        key = search_key(rule)
        if key not in by_key:
            by_key[key] = name
            rules.append(dataclasses.replace(rule, name=name))
        return by_key[key]

    names: list[dict[str, str]] = []
    for index, config in enumerate(configs):
        # The first config keeps its names, so errors name its rules as written; the
        # others' rules are told apart by the config they come from (and their source).
        suffix = "" if index == 0 else f" (config {index + 1})"
        names.append({rule.name: add(rule, rule.name + suffix) for rule in config.rules})
    extras = {rule.name: add(rule, f"{_EXTRA_PREFIX}{rule.name}") for rule in extra}
    pins: dict[str, Pin] = {}
    references: dict[str, Source] = {}
    for config in configs:
        for pin in config.pins:
            pins.setdefault(pin.issue_id.lower(), pin)
        for reference, source in config.user_references().items():
            references.setdefault(reference, source)
    first = configs[0]
    combined = dataclasses.replace(first, rules=tuple(rules), pins=tuple(pins.values()))
    return Joint(combined, tuple(configs), tuple(names), extras, references)
