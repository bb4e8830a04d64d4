"""Load and validate the YAML configuration (CONTRACT section 2) into a `model.Config`.

Every problem is collected with its FILE:LINE:COL before one ConfigError is
raised. Every key is declared once, in `fields.FIELDS` (the rules between keys in
`crosschecks.CHECKS`); the validator and
`schema.build_schema` (the JSON Schema of `reconciler schema`) both read it.
Choices where the contract is silent:

- `defaults:` applies to the rules and pins of its own file only; `users:`
  aliases are shared by every file.
- `defaults:` accepts window, track, persona, grace and max_changes; a rule may
  override window, grace, track and persona. `Config.max_changes` is the
  smallest max_changes any file sets.
- Enum values are case-sensitive, as the API spells them (`OPEN`, `trace`,
  `ALL`, `if_unassigned`); user UUIDs and pin issue ids are lower-cased.
- A directory's hidden files are skipped, as a shell glob would.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reconciler.config.durations import parse_duration
from reconciler.config.fields import fields_of
from reconciler.config.kinds import Place

if TYPE_CHECKING:
    from reconciler.model import Config

TOP_KEYS = tuple(fields_of(Place.TOP))
DEFAULTS_KEYS = tuple(fields_of(Place.DEFAULTS))
RULE_KEYS = tuple(fields_of(Place.RULE))
PIN_KEYS = tuple(fields_of(Place.PIN))


def load_config(paths: Sequence[str | os.PathLike[str]]) -> Config:
    """Load and validate the config at `paths`; raises ConfigError listing every problem."""
    # Imported here so that the field table and the schema load without a YAML parser.
    from reconciler.config.loader import load_config as load

    return load(paths)


__all__ = ["DEFAULTS_KEYS", "PIN_KEYS", "RULE_KEYS", "TOP_KEYS", "load_config", "parse_duration"]
