"""`--target`: which rules and issues a plan is limited to."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from reconciler.errors import UnknownTargetError
from reconciler.model import Config, is_uuid


def check_targets(config: Config, targets: Collection[str]) -> None:
    """Check every `--target` names a rule of the config or is an issue UUID.

    Raises UnknownTargetError listing every target that is neither.
    """
    names = [rule.name for rule in config.rules]
    unknown = [t for t in targets if t not in names and not is_uuid(t)]
    if unknown:
        hints = {t: difflib.get_close_matches(t, names, n=1) for t in unknown}
        raise UnknownTargetError(
            tuple(unknown), tuple(names), {t: m[0] for t, m in hints.items() if m}
        )


@dataclass(frozen=True)
class Targets:
    """The issue ids and rule names a plan keeps; keeps everything when both are empty."""

    issue_ids: frozenset[str]
    rules: frozenset[str]

    @classmethod
    def of(cls, targets: Collection[str]) -> Targets:
        return cls(
            frozenset(t.lower() for t in targets if is_uuid(t)),
            frozenset(t for t in targets if not is_uuid(t)),
        )

    @property
    def keeps_all(self) -> bool:
        return not self.issue_ids and not self.rules

    def keeps(self, issue_id: str, *rules: str | None) -> bool:
        if self.keeps_all:
            return True
        return issue_id.lower() in self.issue_ids or any(r in self.rules for r in rules)


def unmatched_target_warnings(
    targets: Iterable[str], issue_ids: Collection[str], matched_rules: Collection[str]
) -> list[str]:
    """A warning for each target that keeps nothing, in the order given: an issue id that
    is not in `issue_ids` (those pins name or rules matched), or a rule that matched no
    issue. Without it, such a target reads as `No changes.`, as if it were up to date."""
    warnings = []
    for target in dict.fromkeys(targets):
        if is_uuid(target) and target.lower() not in issue_ids:
            warnings.append(
                f"--target {target!r} matches no pin and no issue a rule selected; "
                "nothing is targeted by it"
            )
        elif not is_uuid(target) and target not in matched_rules:
            warnings.append(
                f"--target {target!r} names a rule that matched no issue; nothing is targeted by it"
            )
    return warnings
