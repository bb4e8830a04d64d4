from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from reconciler.collector import few_collections


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_young_threshold_is_raised_within_and_restored_after() -> None:
    gc.set_threshold(700, 10, 10)
    with few_collections():
        assert gc.get_threshold() == (100_000, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_is_kept_and_nested_blocks_restore_their_own() -> None:
    gc.set_threshold(200_000, 5, 5)
    with few_collections():
        with few_collections():
            assert gc.get_threshold() == (200_000, 5, 5)
        assert gc.get_threshold() == (200_000, 5, 5)
    assert gc.get_threshold() == (200_000, 5, 5)


def test_what_the_block_built_is_set_aside_from_later_collections() -> None:
    gc.unfreeze()
    with few_collections():
        built = [[n] for n in range(1000)]
    assert gc.get_freeze_count() >= len(built)
    # Frozen objects are not in the generations later collections scan.
    assert not any(obj is built for obj in gc.get_objects())


def test_the_threshold_is_restored_when_the_block_raises() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), few_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)
