"""Shared burn-ins: the runs of one (market, seed) start from one burn-in (`sim.snapshot`).

Under common random numbers every policy of a replication starts from the same burned-in
market, so a study computes each burn-in once: the executors batch the runs of one burn-in
together (`grouped_batches`), and a worker keeps the burn-in of the runs in hand in memory
(`BurnIns`). A group too large for one batch is split over several; its burn-in then goes to
the run store (``<store>/burn_in/``): the first batch to need it computes and writes it under
a claim, the others wait for it and read it (a few milliseconds instead of a burn-in).
Those entries are a study's scratch: `run_study` removes the ones it wrote when it ends.
Results never depend on any of this: a run from a snapshot is the fresh run, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from experiments.engine.specs import RunSpec, code_version
from sim.snapshot import BurnIn, burn_in_content

BURN_IN_DIR = "burn_in"


def burn_in_keys(specs: Sequence[RunSpec]) -> list[str]:
    """The burn-in key of each spec: its market without policies, its seed, the code version
    (one hash per distinct market object and seed)."""
    memo: dict[tuple[int, int], str] = {}
    out = []
    for spec in specs:
        k = (id(spec.market), spec.seed)
        if k not in memo:
            content = {**burn_in_content(spec.market, spec.seed), "code": code_version()}
            text = json.dumps(content, sort_keys=True, default=repr)
            memo[k] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        out.append(memo[k])
    return out


def grouped_batches(
    items: Sequence[tuple[int, Any]], keys: Sequence[str], workers: int, max_size: int = 8
) -> tuple[list[list[tuple[int, Any]]], set[str]]:
    """Batches that keep the runs of one burn-in together, and the keys split over batches.

    A group stays whole up to ``runs / (2 x workers)`` runs, rounded up (two batches per
    worker, for balance); larger groups are split evenly. Groups smaller than the usual batch
    size (`size`, as in `executors.batches`) are packed together up to that size.
    """
    if not items:
        return [], set()
    workers = max(1, workers)
    size = max(1, min(max_size, math.ceil(len(items) / (4 * workers))))
    cap = math.ceil(len(items) / (2 * workers))  # >= size
    groups: dict[str, list[tuple[int, Any]]] = {}
    for item, key in zip(items, keys, strict=True):
        groups.setdefault(key, []).append(item)
    out: list[list[tuple[int, Any]]] = []
    split: set[str] = set()
    pack: list[tuple[int, Any]] = []
    for key, group in groups.items():
        n = math.ceil(len(group) / cap)
        if n > 1:
            split.add(key)
        bounds = [round(j * len(group) / n) for j in range(n + 1)]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            chunk = group[lo:hi]
            if len(chunk) >= size:
                out.append(chunk)
                continue
            if len(pack) + len(chunk) > size:
                out.append(pack)
                pack = []
            pack += chunk
    if pack:
        out.append(pack)
    return out, split


class BurnIns:
    """A worker's burn-ins: the one in hand (memory) and, for split groups, the run store."""

    def __init__(self, batch: Sequence[tuple[int, RunSpec]], share: Share | None) -> None:
        self.keys = burn_in_keys([spec for _, spec in batch])
        self.counts: dict[str, int] = {}
        for key in self.keys:
            self.counts[key] = self.counts.get(key, 0) + 1
        self.share = share
        self._held: tuple[str, BurnIn] | None = None

    def get(self, position: int, spec: RunSpec) -> tuple[BurnIn | None, float]:
        """The burn-in for the batch's `position`-th run (None: run it fresh) and the seconds
        spent obtaining it."""
        key = self.keys[position]
        shared = self.share is not None and key in self.share.split
        if self.counts[key] < 2 and not shared:
            return None, 0.0  # the only run of its burn-in here: a snapshot would be a copy more
        if self._held is not None and self._held[0] == key:
            return self._held[1], 0.0
        self._held = None  # free the last one before making the next
        start = time.perf_counter()
        if shared:
            snap = self.share.fetch(key, spec)
        else:
            snap = BurnIn.compute(spec.market, spec.seed)
        self._held = (key, snap)
        return snap, time.perf_counter() - start


class Share:
    """The run store's burn-in entries of the groups split over several batches."""

    def __init__(self, root: Path | str, split: set[str]) -> None:
        self.root = Path(root)
        self.split = frozenset(split)

    def store(self) -> Any:
        from experiments.engine.store import RunStore

        return RunStore(self.root / BURN_IN_DIR)

    def fetch(self, key: str, spec: RunSpec) -> BurnIn:
        """Read the burn-in, or compute and write it (under a claim: one worker computes it)."""
        store = self.store()
        snap = store.get(key)
        if isinstance(snap, BurnIn):
            return snap
        store.claim(key, wait=True)
        try:
            snap = store.get(key)  # written by the worker that held the claim
            if not isinstance(snap, BurnIn):
                snap = BurnIn.compute(spec.market, spec.seed)
                store.put(key, snap)
        finally:
            store.release(key)
        return snap

    def clean(self) -> None:
        """Remove this study's burn-in entries (and their claim files)."""
        store = self.store()
        for key in self.split:
            for path in (store._path(key), store._lock_path(key)):
                path.unlink(missing_ok=True)
            try:
                store._path(key).parent.rmdir()
            except OSError:  # not empty (another study's entries) or gone
                pass
