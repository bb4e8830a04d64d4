"""Performs a Plan against the API with bounded concurrency, one result per change.

Issues are independent, so they run concurrently; the changes of one issue run
in order, assignee first, because assigning can move an OPEN issue to
ACKNOWLEDGED and the state write is decided from what the assignee write left
(CONTRACT 4.6). Nothing is written that the plan does not ask for, and a write
counts as applied only when the API's answer shows the written value.

- `run`: `apply_plan`, the worker pool, interrupts, `ApplyOutcome`.
- `writer`: the writes of one issue and how each result is judged.
"""

from __future__ import annotations

from reconciler.applier.cancel import Cancellation
from reconciler.applier.run import ApplyOutcome, ResultCallback, apply_plan

__all__ = ["ApplyOutcome", "Cancellation", "ResultCallback", "apply_plan"]
