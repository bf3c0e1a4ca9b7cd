"""Setting up the member block (``sim.members``): members as population rows, the baseline
share of the focal store, the dropout that is neutral at baseline, a weighted sample expanded.

Each function is one step of `MemberBlock.__init__`, kept apart so that the block's module
holds the rules that run every tick.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.agents.choice import store_utilities
from sim.population import ACTIVE, CHURNED, NEVER, NOT_YET, Population
from sim.twin import UNIT_DAYS, TwinSpec

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

__all__ = [
    "append_member_rows",
    "baseline_dropout",
    "baseline_share",
    "expanded",
    "forget_store",
]

SHARE_LIMITS = (0.02, 0.98)
"""pi0 is kept inside these bounds (a store with no share or all of it has no headroom)."""


def baseline_dropout(p: np.ndarray, bad: float, walk: float, multiplier: float) -> np.ndarray:
    """The per-purchase dropout p' whose baseline chance of leaving equals p.

    After a purchase a member leaves if it walks away (a dissatisfying visit, chance ``bad``,
    then a complaint not followed by staying, chance ``walk``) or on its dropout coin, whose
    chance is p' (x ``multiplier`` after a dissatisfying visit, at most 1):
    P(leave) = (1 - bad) p' + bad [walk + (1 - walk) min(1, multiplier p')], piecewise linear
    and increasing in p', inverted here. Members with p below ``bad x walk`` (the walking-away
    chance alone) get p' = 0; with a multiplier below 1 a p above the chance of leaving at
    p' = 1 cannot be reached and gets p' = 1.
    """
    p = np.asarray(p, dtype=np.float64)
    slope = (1.0 - bad) + bad * (1.0 - walk) * multiplier
    low = (p - bad * walk) / slope
    cap = 1.0 / multiplier if multiplier > 1 else np.inf
    high = (p - bad) / max(1.0 - bad, 1e-12)
    return np.clip(np.where(low <= cap, low, high), 0.0, 1.0)


def baseline_share(model: RetailModel, store: int) -> float:
    """pi0: the store's mean logit share of its own customers' category purchases in the
    market's choice model (SEEDS 000), before any policy; 0.5 if it has no customers."""
    pop = model.pop
    rows = np.flatnonzero((pop.last_store == store) & pop.in_category(np.arange(pop.n)))
    if rows.size == 0:
        return 0.5
    V = store_utilities(model, 0, rows)
    V -= V.max(axis=1, keepdims=True)
    P = np.exp(V)
    share = float((P[:, store] / P.sum(axis=1)).mean())
    return float(np.clip(share, *SHARE_LIMITS))


def expanded(spec: TwinSpec, rng: np.random.Generator) -> TwinSpec:
    """A weighted sample of members back at the store's size: each member is repeated
    floor(w) or ceil(w) times (on average w), every copy drawing its own posterior traits."""
    w = spec.members["weight"].to_numpy(np.float64)
    if np.all(w == 1.0):
        return spec
    copies = np.floor(w).astype(np.int64)
    copies += rng.random(w.size) < (w - copies)
    members = spec.members.loc[spec.members.index.repeat(copies)].reset_index(drop=True)
    members["weight"] = 1.0
    return dataclasses.replace(spec, members=members)


def append_member_rows(
    model: RetailModel,
    history: pd.DataFrame,
    alive: np.ndarray,
    n: int,
    spend: np.ndarray,
    start_day: int,
    rngs: tuple[np.random.Generator, np.random.Generator],
) -> int:
    """Add n member rows to the model's population; returns the first one's row.

    Attributes (class, price sensitivity, promotion affinity, status seeking, birth month, ...)
    are drawn as for residents of the focal store's place (`Population`); the first
    ``len(history)`` rows carry their export history (first and last purchase as ticks before
    the start, alive or not per the posterior draw); the rest (members still to arrive) are
    outside the category until they arrive. Members have no social ties (sim.members).
    """
    market, pop, s = model.market, model.pop, model.focal
    place = market.stores[s].place
    places = tuple(
        dataclasses.replace(p, population_share=1.0 if p.id == place else 0.0)
        for p in market.places
    )
    behaviour = dataclasses.replace(market.behaviour, prospect_share=0.0)
    local = dataclasses.replace(market, n_customers=n, places=places, behaviour=behaviour)
    mem = Population(local, model.geo, *rngs)
    n_old, tick_days = len(history), model.calendar.tick_days
    first_day = history["first_day"].to_numpy(np.int64)
    t_x = history["t_x"].to_numpy(np.float64)
    last_day = first_day + np.round(t_x * UNIT_DAYS).astype(np.int64)
    first_tick = np.floor_divide(first_day - start_day, tick_days)
    last_tick = np.floor_divide(last_day - start_day, tick_days)
    mem.spend = spend
    mem.state[:] = CHURNED
    mem.state[:n_old] = np.where(alive, ACTIVE, CHURNED)
    mem.repeat[:] = True
    mem.last_visit[:n_old, s] = last_tick
    mem.first_visit[:n_old, s] = first_tick
    mem.last_store[:n_old] = s
    mem.last_purchase[:n_old] = last_tick
    mem.joined[:n_old] = first_tick
    mem.indptr = np.zeros(n + 1, dtype=pop.indptr.dtype)
    mem.clock = np.full(n, np.inf)
    mem.next_tick = np.full(n, np.iinfo(pop.next_tick.dtype).max, dtype=pop.next_tick.dtype)
    first = pop.n
    for name, value in list(vars(pop).items()):
        if name in ("indptr", "indices") or not isinstance(value, np.ndarray):
            continue
        if value.shape[:1] == (first,):
            extra = getattr(mem, name, None)
            if extra is None:  # an array added to the population after it was built
                extra = np.zeros((n, *value.shape[1:]), dtype=value.dtype)
            setattr(pop, name, np.concatenate([value, extra.astype(value.dtype)]))
    pop.indptr = np.concatenate([pop.indptr, pop.indptr[-1] + mem.indptr[1:]])
    pop.n = first + n
    return first


def forget_store(model: RetailModel, store: int) -> None:
    """The residents' history with the store, wiped: its customers are the members now.

    Left in place, residents who bought there during the burn-in would be in its member file
    (``targeting.members``: gifts, campaigns and their costs would go to people who can no
    longer buy there) and would recruit for it. They keep buying at the rival stores.
    """
    pop = model.pop
    pop.last_visit[:, store] = NEVER
    pop.first_visit[:, store] = NOT_YET
    pop.loyalty[:, store] = 0.0
    pop.satisfaction[:, store] = 0.0
    pop.left_store[:, store] = False
    pop.revenue[:, store] = 0.0
    pop.year_spend[:, store] = 0.0
    pop.prev_year_spend[:, store] = 0.0
    pop.last_store[pop.last_store == store] = -1
    pop.acquired_store[pop.acquired_store == store] = -1
