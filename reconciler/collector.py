"""How often the cyclic garbage collector runs while a plan is made.

A plan of a big org builds an object graph as big as the org (100,000 issues: ~0.2
million tracked objects observed, ~0.5 million more decided and diffed) that lives
for the whole plan and holds no cycle; the collector's default thresholds re-scan
it with every full collection as it grows, ~20% of such a plan's CPU. Reference
counting frees these objects as usual either way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["few_collections"]

# Allocations between two young collections while in `few_collections` (default 700).
_YOUNG_THRESHOLD = 100_000


@contextmanager
def few_collections() -> Iterator[None]:
    """Run the collector rarely within the block, then set aside what it built.

    On exit the thresholds are restored and every object alive is moved out of the
    collector's generations (`gc.freeze`), so later collections, rendering's and the
    one at interpreter exit included, skip them. Blocks may nest.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], _YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.freeze()
