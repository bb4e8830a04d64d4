"""The live side: complete rule selections, pinned issues and referenced users.

Talks to Datadog only through the `IssueApi` protocol:

- `rules`: one rule's searches, split until every slice is short, all rules on one
  pool of threads;
- `users`: the users the config names;
- `observe`: the two above and the pins no search returned, into `Observed`;
- `failures`: every error found, raised once in config order.
"""

from reconciler.selection.observe import observe
from reconciler.selection.rules import (
    MIN_SEARCHES,
    SEARCH_ORDER,
    SEARCHES_PER_DAY,
    parsing_once,
    search_guard,
    select_rule,
    select_rules,
)
from reconciler.selection.users import resolve_users

__all__ = [
    "MIN_SEARCHES",
    "SEARCHES_PER_DAY",
    "SEARCH_ORDER",
    "observe",
    "parsing_once",
    "resolve_users",
    "search_guard",
    "select_rule",
    "select_rules",
]
