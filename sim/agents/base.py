"""The common base of the lab's Mesa agents."""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import mesa


class _IdCounters:
    """Per-model `unique_id` counters that do not keep finished models alive.

    Mesa 3.3 keeps its counters in a class-level dict keyed by model (`Agent._ids`), so every
    model ever built stays in memory — ~20 MB a run for a sweep worker. Ours are keyed weakly.
    """

    def __init__(self) -> None:
        self._counters: weakref.WeakKeyDictionary[Any, itertools.count] = (
            weakref.WeakKeyDictionary()
        )

    def __getitem__(self, model: Any) -> itertools.count:
        counter = self._counters.get(model)
        if counter is None:
            counter = self._counters[model] = itertools.count(1)
        return counter


class RetailAgent(mesa.Agent):
    """A Mesa agent of the lab (customers and stores share one id sequence per model)."""

    _ids = _IdCounters()
