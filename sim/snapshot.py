"""The burn-in before a run's measured period, and snapshots of it computed once and reused.

Under common random numbers the burn-in (`burn_in`) is the same for every policy
compared on one (market, seed): no policy is bound while it runs, so it depends only on the
market without its stores' policies and on the seed. `BurnIn.compute` runs it once; a model
started with ``RetailModel(..., burn_in=snapshot)`` restores what the burn-in left (the
population and its network, every random stream's state and the blocks drawn ahead, the
scheduled visits, the entry schedule, the member twin) instead of computing it, and runs on
exactly as a fresh model would, bit for bit. Restoring copies every array, so a snapshot is
never changed by the runs started from it and serves any number of them.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import weakref
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import kernels
from sim.calendar import Calendar
from sim.config import MarketConfig
from sim.errors import ConfigError
from sim.ledger import Ledger
from sim.population import NEVER, NOT_YET, Population
from sim.transactions import DiscardedLog

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel


def burn_in(model: RetailModel, burn_in_years: int) -> None:
    """Initial state, then a burn-in of `burn_in_years` before the measured period.

    The initial state (`_initial_relationships`) is a guess: every member bought once in
    the past year, at one store. Left alone, year 1 would be a start-up transient (the
    focal store's active customers fell by a quarter). The burn-in runs the market's own
    rules from that guess, with no policy bound yet — the market's history under the
    status quo, identical for every policy compared (common random numbers) — and records
    nothing (a throwaway ledger and transaction log). It always runs in weekly ticks (the
    rules are the same, a daily market's burn-in costs a seventh), at ticks -B..-1 of the
    market's clock: trends (drift, brand aspiration) and keyed draws see negative times.
    Then every tick stamp moves to the run's own ticks, and the ledger, KPIs, transaction
    log and series start at tick 0. Members keep what they learnt (stores, loyalty,
    satisfaction, recency, last year's spend); run totals (`pop.revenue`) start at zero.
    """
    if burn_in_years <= 0:
        model._initial_relationships()
        model._start_clocks()
        return
    cal, week = model.calendar, 7
    ticks = burn_in_years * (365 // week)
    main = (cal, model.clock_end, model.ledger, model.transactions, model.activation)
    start = cal.start - dt.timedelta(days=ticks * week)
    model.calendar = Calendar(start, week, ticks, cal.festival_amplitude)
    model.clock_end = model.calendar.clock_end()
    model.ledger = Ledger(ticks, model.store_ids)
    model.transactions = DiscardedLog()
    model.activation = "batch"  # the agents do not exist yet; the same rules either way
    model._n_ticks = ticks
    model._horizon = ticks + model.market.n_ticks * cal.tick_days // week + 1
    model._burning, model.t_origin, model.streams.tick_offset = True, ticks, -ticks
    model._initial_relationships()
    model._start_clocks()
    for _ in range(ticks):
        model.step()
    burn_clock = model.clock_end[-1]
    model.calendar, model.clock_end, model.ledger, model.transactions, model.activation = main
    model._n_ticks = model._horizon = model.market.n_ticks
    model._burning, model.t_origin, model.streams.tick_offset = False, 0, 0

    def to_run_ticks(burn_ticks: np.ndarray) -> np.ndarray:
        return (burn_ticks - ticks) * week // cal.tick_days

    pop = model.pop
    if kernels.compiled():
        from sim.kernels import setup  # the same results in one pass each (in place)
    for stamp, never in (
        (pop.last_visit, NEVER),
        (pop.first_visit, NOT_YET),
        (pop.last_purchase, NEVER),
        (pop.joined, NEVER),
    ):
        if kernels.compiled() and stamp.dtype == np.int32 and stamp.flags.c_contiguous:
            setup.shift_stamps(stamp, int(never), int(ticks), int(week), int(cal.tick_days))
            continue
        keep = stamp != never
        stamp[keep] = to_run_ticks(stamp[keep])
    pop.clock -= burn_clock
    if kernels.compiled() and pop.clock.dtype == model.clock_end.dtype == np.float64:
        pop.next_tick = setup.next_ticks(model.clock_end, pop.clock)
    else:
        pop.next_tick = np.searchsorted(model.clock_end, pop.clock, side="left").astype(np.int32)
    pending = defaultdict(list)
    for k, batches in model._pending.items():
        if k >= ticks:
            pending[int(to_run_ticks(np.int64(k)))].extend(batches)
    model._pending = pending
    model.entry_ticks_sorted = to_run_ticks(model.entry_ticks_sorted)
    model._last_housekeeping = -1  # the burn-in's last housekeeping closed at tick 0
    pop.revenue[:] = 0.0
    pop.year_spend[:] = 0.0
    pop.prev_year_spend[:] = 0.0
    model.t = 0
    model.steps = 0
    model.running = True


def policy_free(market: MarketConfig) -> MarketConfig:
    """`market` with no store policies and no member twin: what the burn-in depends on (with
    the seed). The residents' burn-in runs before a twin's members are attached, and the
    member block draws from its own seeds (`sim.members`), so a twin market shares it too."""
    if market.members:
        market = market.replace(members=None)
    if not any(s.policies for s in market.stores):
        return market
    return market.replace(stores=tuple(replace(s, policies=()) for s in market.stores))


def burn_in_content(market: MarketConfig, seed: int) -> dict[str, Any]:
    """The inputs of a burn-in as plain data: the policy-free market and the seed."""
    data = policy_free(market).to_dict()
    return {"market": data, "seed": int(seed)}


def burn_in_key(market: MarketConfig, seed: int) -> str:
    """A content key of the burn-in of (`market` without policies, `seed`).

    Remembered per market object (markets are frozen; every run of a study shares one): the
    key's JSON of the whole market would otherwise cost a run from a snapshot ~0.3 ms.
    """
    memo = (id(market), int(seed))
    known = _KEYS.get(memo)
    if known is not None and known[0]() is market:
        return known[1]
    text = json.dumps(burn_in_content(market, seed), sort_keys=True, default=repr)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if len(_KEYS) >= 256:
        _KEYS.clear()
    _KEYS[memo] = (weakref.ref(market), key)
    return key


_KEYS: dict[tuple[int, int], tuple[weakref.ref, str]] = {}
"""Keys of the markets seen, by object (a weak reference: an id is not reused while alive)."""


def _copy_population(pop: Population) -> Population:
    """A deep copy of the population's arrays (C-contiguous, same dtypes)."""
    out = copy.copy(pop)
    for name, value in vars(pop).items():
        if isinstance(value, np.ndarray):
            setattr(out, name, value.copy())
    return out


@dataclass(frozen=True)
class BurnIn:
    """What the burn-in of one (market, seed) leaves, ready to start any number of runs."""

    key: str
    seed: int
    population: Population
    streams: dict[str, Any]
    pending: dict[int, tuple[np.ndarray, ...]]
    entry_order: np.ndarray
    entry_ticks_sorted: np.ndarray

    @classmethod
    def compute(cls, market: MarketConfig, seed: int) -> BurnIn:
        """Run the burn-in of (`market` without its policies, `seed`) and keep its end state."""
        from sim.model import RetailModel

        return cls.capture(RetailModel(market=policy_free(market), seed=seed))

    @classmethod
    def capture(cls, model: RetailModel) -> BurnIn:
        """The state of `model` just after its burn-in (before any step, no policy bound)."""
        if model.t != 0 or model.steps != 0 or model.policy_hooks:
            raise ValueError("a burn-in snapshot is taken from a fresh model without policies")
        return cls(
            key=burn_in_key(model.market, model.seed),
            seed=model.seed,
            population=_copy_population(model.pop),
            streams=model.streams.state(),
            pending={k: tuple(b.copy() for b in v) for k, v in model._pending.items()},
            entry_order=model.entry_order.copy(),
            entry_ticks_sorted=model.entry_ticks_sorted.copy(),
        )

    def matches(self, market: MarketConfig, seed: int) -> bool:
        return self.seed == int(seed) and self.key == burn_in_key(market, seed)

    def restore(self, model: RetailModel) -> None:
        """Give `model` (set up to the point of its burn-in) the state the burn-in leaves."""
        if not self.matches(model.market, model.seed):
            raise ConfigError(
                "burn_in",
                "the snapshot was taken for another market or seed; burn-in snapshots are "
                "shared only by runs of the same market (policies aside) and seed",
            )
        model.pop = _copy_population(self.population)
        model.streams.restore(self.streams)
        model._pending = defaultdict(
            list, {k: [b.copy() for b in v] for k, v in self.pending.items()}
        )
        model.entry_order = self.entry_order.copy()
        model.entry_ticks_sorted = self.entry_ticks_sorted.copy()
        model._last_housekeeping = -1

    @property
    def nbytes(self) -> int:
        """Memory held by the snapshot's arrays."""
        arrays = [v for v in vars(self.population).values() if isinstance(v, np.ndarray)]
        arrays += [self.entry_order, self.entry_ticks_sorted]
        return sum(a.nbytes for a in arrays)


__all__ = ["BurnIn", "burn_in", "burn_in_key", "policy_free"]
