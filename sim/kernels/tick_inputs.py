"""What the whole-tick kernels take besides the batch: the population's, stores' and market's
arrays in kernel order, and a batch's draws made ready for a kernel (read-only, contiguous; the
natural occasions' rows and the scheduled visits' keyed draws joined in one compiled call). The
occasion streams' blocks drawn ahead come from `sim.rng.blocks_ahead` (`skip_all` moves them
past what a kernel used)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kernels.draws import joined
from sim.kernels.recruit import keyed_uniforms

if TYPE_CHECKING:  # pragma: no cover
    from sim.agents.customer import OccasionDraws
    from sim.model import RetailModel


def read_only(draws: OccasionDraws) -> OccasionDraws:
    """The draws as C-contiguous read-only arrays, as `DrawsAhead` hands them out: keyed and
    concatenated draws (fresh arrays made for this batch) are frozen in place, strided ones
    copied first. Otherwise each kind would be a kernel signature of its own, compiled and
    loaded again."""
    fields = vars(draws)
    if not draws.clock.flags.writeable and not draws.wom.flags.writeable:
        return draws  # straight from the buffers
    for name, a in fields.items():
        if not a.flags.c_contiguous:
            fields[name] = a = np.ascontiguousarray(a)
        a.flags.writeable = False
    return draws


def joined_draws(model: RetailModel, t: int, m: int, visits: np.ndarray) -> OccasionDraws:
    """`OccasionDraws.concat(OccasionDraws.draw(model, m), OccasionDraws.keyed(model, t,
    visits))`: the same numbers, the natural rows read straight from the blocks drawn ahead,
    the keyed uniforms compiled, both parts joined in one compiled call."""
    from sim.agents.customer import OccasionDraws

    visits = visits.astype(np.int64, copy=False)
    u = keyed_uniforms(visits, model.streams.key("visit", t), OccasionDraws.keyed_width(model))
    keyed = OccasionDraws.from_keyed(model, u)
    sources = [part for b in OccasionDraws.buffers(model) for part in b.hand_out(m)]
    return OccasionDraws(*joined(m, *sources, *vars(keyed).values()))


def _no_block(ndim: int) -> np.ndarray:
    a = np.zeros((0,) * ndim)
    a.flags.writeable = False
    return a


NO_BLOCKS = tuple(_no_block(ndim) for ndim in (1, 1, 2, 1, 1, 2, 2))
"""Empty blocks in `OccasionDraws`' order (one batch only: no draws for repeats)."""


def tick_arrays(model: RetailModel) -> tuple[np.ndarray, ...]:
    """The population's, the stores' and the market's arrays the whole-tick kernels take
    (`tick.after_choice`, `termed.termed_tick`), in their order."""
    pop, st = model.pop, model.store_arrays
    return (
        pop.state,
        pop.home,
        pop.work,
        pop.elite,
        pop.brand_asp,
        pop.tier_pref,
        pop.drift,
        pop.price_sens,
        pop.clock,
        pop.next_tick,
        pop.rate,
        pop.spend,
        pop.first_visit,
        pop.acquired_store,
        pop.referral_parent,
        pop.last_store,
        pop.last_visit,
        pop.loyalty,
        pop.last_purchase,
        pop.revenue,
        pop.year_spend,
        pop.satisfaction,
        pop.last_good,
        pop.last_bad,
        pop.left_store,
        pop.indptr,
        pop.indices,
        pop.dropout,
        pop.repeat,
        model.travel_hops,
        model.tier_gap,
        st.attractiveness,
        st.brand_sign,
        st.price_level,
        st.margin,
        st.service,
        st.resolution,
        model.clock_end,
    )
