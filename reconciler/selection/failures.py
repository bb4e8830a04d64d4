"""Errors gathered while observing, raised once in config order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from typing import TypeVar

from reconciler.errors import PlanFailed, ReconcilerError

_T = TypeVar("_T")

Failure = tuple[tuple[int, int], ReconcilerError]  # (order in the config, error)


def collect(futures: Sequence[Future[_T]], group: int, errors: list[Failure]) -> list[_T | None]:
    """Each future's result, or None after recording its error in `errors`."""
    results: list[_T | None] = []
    try:
        for position, future in enumerate(futures):
            try:
                results.append(future.result())
            except ReconcilerError as exc:
                errors.append(((group, position), exc))
                results.append(None)
    except BaseException:
        for future in futures:  # Ctrl-C: the calls not started are not made
            future.cancel()
        raise
    return results


def raise_all(errors: Iterable[Failure]) -> None:
    """Raise PlanFailed with every distinct error, in config order."""
    unique: dict[tuple[type[ReconcilerError], str], ReconcilerError] = {}
    # One bad key fails every rule's search the same way: report it once.
    for _, error in sorted(errors, key=_order_key):
        unique.setdefault((type(error), str(error)), error)
    if unique:
        raise PlanFailed(list(unique.values()))


def _order_key(entry: Failure) -> tuple[tuple[int, int], str]:
    return entry[0], str(entry[1])
