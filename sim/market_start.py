"""How a market starts: the members' first stores and relationships, and everyone's clocks.

Run once per market and seed, before the burn-in (`sim.snapshot`); compiled kernels
(`sim.kernels.setup`) do the same work as the NumPy rules, bit for bit, without the
(members x stores) temporaries that dominate a 1M-customer set-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import kernels
from sim.agents.choice import store_utilities
from sim.agents.customer import advance_clocks
from sim.population import ACTIVE, Population, settle_members

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

_CHOICE_BLOCK = 1 << 16
"""Members whose first store is chosen at a time (compiled engine)."""
_RELATIONSHIP_DTYPES = {
    "loyalty": np.float32,
    "satisfaction": np.float32,
    "last_visit": np.int32,
    "first_visit": np.int32,
    "last_store": np.int16,
    "last_purchase": np.int32,
    "joined": np.int32,
}


def _setup_kernels_fit(pop: Population) -> bool:
    """True when the relationship arrays have the dtypes `setup.first_relationships` writes."""
    for name, dtype in _RELATIONSHIP_DTYPES.items():
        a = getattr(pop, name)
        if a.dtype != dtype or not a.flags.c_contiguous:
            return False
    return True


def initial_relationships(model: RetailModel) -> None:
    """Members start with a store they use: drawn from the choice model at t = 0.

    They get some loyalty and satisfaction and a last visit within the past year, so the
    market opens mid-life rather than empty; members are the survivors of their history
    (`settle_members`).
    """
    pop, rng = model.pop, model.streams["population"]
    settle_members(pop, model.market, rng, model.market.member_history_years)
    rows = np.flatnonzero(pop.state == ACTIVE)
    if rows.size == 0:
        return
    tpy = model.calendar.ticks_per_year
    if kernels.compiled() and _setup_kernels_fit(pop):
        # The same draws and choices, a block of rows at a time: no (members x stores)
        # temporaries (utilities, Gumbel draws, their sum), ~90 MB of fresh pages at 1M.
        # Nothing is written before every block is chosen (the friends' term reads it).
        from sim.kernels import setup
        from sim.kernels.draws import gumbel_block

        stores = np.empty(rows.size, dtype=np.int64)
        for a in range(0, rows.size, _CHOICE_BLOCK):
            part = rows[a : a + _CHOICE_BLOCK]
            V = store_utilities(model, 0, part)
            k = V.shape[1] - 1  # rng.gumbel(size=(part.size, k))'s numbers, compiled
            gumbel = gumbel_block(rng, part.size * k).reshape(part.size, k)
            setup.first_stores(V, gumbel, stores[a : a + part.size])
        del V, gumbel
        last = -1 - rng.integers(0, tpy, rows.size)
        setup.first_relationships(
            rows,
            stores,
            rng.uniform(0.2, 0.7, rows.size),
            rng.normal(0.2, 0.3, rows.size),
            last,
            pop.loyalty,
            pop.satisfaction,
            pop.last_visit,
            pop.first_visit,
            pop.last_store,
            pop.last_purchase,
            pop.joined,
        )
        return
    V = store_utilities(model, 0, rows)
    gumbel = rng.gumbel(size=(rows.size, V.shape[1] - 1))
    last = -1 - rng.integers(0, tpy, rows.size)
    loyalty, satisfaction = rng.uniform(0.2, 0.7, rows.size), rng.normal(0.2, 0.3, rows.size)
    stores = np.argmax(V[:, :-1] + gumbel, axis=1)
    pop.loyalty[rows, stores] = loyalty
    pop.satisfaction[rows, stores] = satisfaction
    pop.last_visit[rows, stores] = last
    pop.first_visit[rows, stores] = -1
    pop.last_store[rows] = stores
    pop.last_purchase[rows] = last
    pop.joined[rows] = -1


def start_clocks(model: RetailModel) -> None:
    """Every customer's first occasion, and the prospects' entry schedule (pre-drawn, so
    policy-independent)."""
    pop, rng = model.pop, model.streams["occasions"]
    model._last_housekeeping = -1
    pop.clock = np.zeros(pop.n)
    pop.next_tick = np.zeros(pop.n, dtype=np.int32)  # tick numbers: int32 is plenty
    advance_clocks(model, np.arange(pop.n), rng.exponential(size=pop.n))
    # Prospects' own time to enter the category (pre-drawn: policy-independent).
    b = model.behaviour
    rate = max(b.natural_entry_per_year, 1e-12)
    entry = model.streams["population"].exponential(1 / rate, pop.n) / model.calendar.dt_years
    entry_ticks = np.floor(entry).astype(np.int64)
    top = int(entry_ticks.max()) if pop.n else 0
    small = pop.n == 0 or (entry_ticks.min() >= 0 and top <= 4 * pop.n + 4096)
    if kernels.compiled() and small:  # the same order, by counting
        from sim.kernels import setup

        model.entry_order, model.entry_ticks_sorted = setup.counting_order(entry_ticks, top)
        return
    model.entry_order = np.argsort(entry_ticks, kind="stable").astype(np.int32)
    model.entry_ticks_sorted = entry_ticks[model.entry_order]
