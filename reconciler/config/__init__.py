"""Load and validate the YAML configuration (CONTRACT section 2) into a `model.Config`.

Every problem is collected with its FILE:LINE:COL before one ConfigError is
raised. Choices where the contract is silent:

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

from reconciler.config.document import DEFAULTS_KEYS, TOP_KEYS
from reconciler.config.durations import parse_duration
from reconciler.config.items import PIN_KEYS, RULE_KEYS
from reconciler.config.loader import load_config

__all__ = ["DEFAULTS_KEYS", "PIN_KEYS", "RULE_KEYS", "TOP_KEYS", "load_config", "parse_duration"]
