"""The compiled occasion pipeline: the rules' order, the policies' hooks called between the
kernels exactly where the NumPy rules call them, the ledger booked per batch as `Ledger.add`.

Each entry point returns None (or False) when it cannot reproduce the NumPy path exactly — a
population array of another dtype than the kernels were written for, or a negative age — and
the caller then runs the NumPy rule; nothing has been changed by then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kernels import choice as KC
from sim.kernels import tick as KT
from sim.kernels.layout import C32_YEARS, C_ASP
from sim.kernels.tick_inputs import (
    NO_BLOCKS,
    joined_draws,
    read_only,
    tick_arrays,
)
from sim.rng import blocks_ahead, skip_all

if TYPE_CHECKING:  # pragma: no cover
    from sim.agents.customer import OccasionDraws
    from sim.model import RetailModel

FLOWS = (
    "revenue",
    "cogs",
    "purchases",
    "new_customers",
    "referred_customers",
    "defected",
    "satisfied",
    "dissatisfied",
    "complaints",
    "complaints_resolved",
    "complainers_stayed",
    "resolved_stayed",
    "churned",
)
"""Ledger flows the kernels book, in the order of `layout.F_*`."""
PIPELINE_HOOKS = ("discount", "service", "resolution", "on_purchases", "on_complaints")
DTYPES = {
    "state": np.int8,
    "home": np.int16,
    "work": np.int16,
    "elite": np.bool_,
    "brand_asp": np.float32,
    "tier_pref": np.float32,
    "drift": np.float32,
    "price_sens": np.float32,
    "last_visit": np.int32,
    "first_visit": np.int32,
    "loyalty": np.float32,
    "satisfaction": np.float32,
    "left_store": np.bool_,
    "last_store": np.int16,
    "last_purchase": np.int32,
    "revenue": np.float64,
    "year_spend": np.float32,
    "spend": np.float64,
    "rate": np.float64,
    "dropout": np.float64,
    "clock": np.float64,
    "next_tick": np.int32,
    "repeat": np.bool_,
    "last_good": np.bool_,
    "last_bad": np.bool_,
    "acquired_store": np.int16,
    "referral_parent": np.int32,
    "indptr": np.int64,
    "indices": np.int32,
    "joined": np.int32,
    "acquired_via": np.int8,
}
"""The dtypes the kernels reproduce NumPy's arithmetic for; any other: the NumPy rules."""
_EMPTY_MASK = np.zeros(0, dtype=np.bool_)
_TABLES: dict[tuple[float, float], tuple[np.ndarray, int]] = {}
_CONSTANTS: dict[tuple[int, float], tuple[object, tuple[np.ndarray, np.ndarray]]] = {}
_BASE: dict[int, tuple[object, tuple[np.ndarray, np.ndarray]]] = {}


_NAMES = tuple(DTYPES)
_WANTED = [np.dtype(dt) for dt in DTYPES.values()]
_PLAIN: dict[type, bool] = {}


def _plain(cls: type) -> bool:
    """True when instances of `cls` keep the kernels' arrays in their `__dict__` only (no class
    attribute or property of those names): then the dict is read instead of `getattr`."""
    got = _PLAIN.get(cls)
    if got is None:
        got = _PLAIN[cls] = not any(hasattr(cls, name) for name in _NAMES)
    return got


def usable(model: RetailModel) -> bool:
    """True when every population array the kernels touch has the dtype they were written for.
    Checked afresh at each call (any array may have been replaced): with all of them present,
    one list comparison (NumPy's native dtypes are singletons: identity settles each)."""
    pop = model.pop
    fields = getattr(pop, "__dict__", None) if _plain(type(pop)) else None
    if fields is not None:
        try:
            if [fields[name].dtype for name in _NAMES] == _WANTED:
                return True
        except KeyError:  # `clock` and `next_tick` come after the first choices
            pass
    for name, dt in zip(_NAMES, _WANTED, strict=True):
        a = getattr(pop, name, None)
        if a is not None and a.dtype != dt:
            return False
    return True


def _age_arg(k: np.ndarray, dt: float, hl: float) -> np.ndarray:
    return -(k.astype(np.float64) * dt) / hl  # as in the rules: -age_years / half-life


def decay_table(dt: float, hl: float, need: int = 0) -> tuple[np.ndarray, int]:
    """NumPy's exp2(-age / half-life) for integer ages 0..n-1 (grown to cover `need`), and the
    age from which it is exactly 0 (2**-1075 rounds to 0)."""
    table, cutoff = _TABLES.get((dt, hl), (None, None))
    if cutoff is None:
        cutoff = max(int(np.ceil(1075.0 * hl / dt)) - 2, 1)
        while _age_arg(np.array([cutoff]), dt, hl)[0] > -1075.0:
            cutoff += 1
        if np.exp2(_age_arg(np.array([cutoff, cutoff + 1, 2**40]), dt, hl)).any():
            raise RuntimeError("exp2 does not underflow to 0 at 2**-1075")  # pragma: no cover
    if table is None or table.size <= need:
        size = min(max(need + 1, 2 * (0 if table is None else table.size), 4096), cutoff)
        table = np.exp2(_age_arg(np.arange(size), dt, hl))
    _TABLES[(dt, hl)] = (table, cutoff)
    return table, cutoff


def constants(model: RetailModel, t: int) -> tuple[np.ndarray, np.ndarray]:
    """The rules' scalars, as `layout.C_*` (float64) and `C32_*` (float32); kept for the
    batches of the same tick (a tick has ~2 pipeline calls and the housekeeping's). Only the
    years since the start change from tick to tick: the rest is made once per (frozen)
    `Behaviour`."""
    b = model.behaviour
    years = (t - model.t_origin) * model.calendar.dt_years
    key = (id(b), years)
    got = _CONSTANTS.get(key)
    if got is not None and got[0] is b:
        return got[1]
    if len(_CONSTANTS) > 64:
        _CONSTANTS.clear()
    base = _BASE.get(id(b))
    if base is None or base[0] is not b:
        if len(_BASE) > 16:
            _BASE.clear()
        base = _BASE[id(b)] = (b, _constants(b, 0.0))
    c, c32 = base[1][0].copy(), base[1][1].copy()
    c[C_ASP] = b.brand_drift_per_year * years  # the two entries that depend on the tick
    c32[C32_YEARS] = years
    out = _CONSTANTS[key] = (b, (c, c32))
    return out[1]


def _constants(b, years: float) -> tuple[np.ndarray, np.ndarray]:
    from sim.agents.choice import LEFT_PENALTY
    from sim.agents.weekly import SATISFACTION_BOUND

    c = np.array(
        [
            b.brand_drift_per_year * years,
            b.beta_brand,
            b.beta_travel,
            b.beta_loyalty,
            b.beta_friends,
            b.outside_utility if b.outside_option else -np.inf,
            LEFT_PENALTY,
            b.ticket_shape,
            b.loyalty_learning,
            b.service_noise,
            b.satisfied_threshold,
            b.dissatisfied_threshold,
            b.satisfaction_learning,
            SATISFACTION_BOUND,
            b.complaint_probability,
            b.resolved_stay_probability,
            b.unresolved_stay_probability,
            b.dissatisfied_attrition_multiplier,
            b.positive_wom_min,
            b.positive_wom_max - b.positive_wom_min + 1,
            b.negative_wom_min,
            b.negative_wom_max - b.negative_wom_min + 1,
        ],
        dtype=np.float64,
    )
    # A Python scalar times a float32 array is computed in float32 (NEP 50): round it first.
    c32 = np.array(
        [
            years,
            b.beta_tier,
            b.beta_price,
            b.beta_satisfaction,
            b.wom_positive_shift,
            -b.wom_negative_shift,
        ],
        dtype=np.float32,
    )
    return c, c32


def base_utilities(
    model: RetailModel, t: int, rows: np.ndarray, c, c32, only_shoppers: bool = False
) -> tuple[np.ndarray, np.ndarray] | None:
    """`store_utilities` without the policies' terms, for the rows (only those in the category
    if `only_shoppers`): (their positions in `rows`, V); None: use NumPy (see module doc)."""
    pop, st = model.pop, model.store_arrays
    dt, hl = model.calendar.dt_years, model.behaviour.loyalty_half_life_years
    need = 0
    while True:
        decay, cutoff = decay_table(dt, hl, need)
        idx, V, need = KC.utilities(
            t,
            rows,
            pop.state,
            only_shoppers,
            pop.home,
            pop.elite,
            pop.work,
            pop.brand_asp,
            pop.tier_pref,
            pop.drift,
            pop.price_sens,
            pop.last_visit,
            pop.loyalty,
            pop.satisfaction,
            pop.left_store,
            pop.last_store,
            pop.indptr,
            pop.indices,
            model.travel_hops,
            model.tier_gap,
            st.attractiveness,
            st.brand_sign,
            st.price_level,
            c,
            c32,
            decay,
            cutoff,
        )
        if need <= 0:
            return (idx, V) if need == 0 else None


def add_utility_hooks(model: RetailModel, rows: np.ndarray, V: np.ndarray) -> np.ndarray:
    for s, utility in model.hooks("utility"):
        extra = utility(rows)
        if extra is not None:
            V[:, s] += extra
    return V


def store_utilities(model: RetailModel, t: int, rows: np.ndarray) -> np.ndarray | None:
    """The compiled `store_utilities` (None: use NumPy)."""
    if not usable(model):
        return None
    rows = np.asarray(rows, dtype=np.int64)
    got = base_utilities(model, t, rows, *constants(model, t))
    return None if got is None else add_utility_hooks(model, rows, got[1])


def _flows(model: RetailModel) -> tuple[np.ndarray, ...]:
    f = model.ledger.flows
    return tuple(f[name] for name in FLOWS)


def _hooked(model: RetailModel) -> bool:
    """True when a policy hook has to be called inside the pipeline (`sim.kernels.hooked`)."""
    return bool(model.hooks("utility")) or any(model.hooks(name) for name in PIPELINE_HOOKS)


def process_occasions(
    model: RetailModel, t: int, rows: np.ndarray, draws: OccasionDraws, natural
) -> bool:
    """The compiled `process_occasions`; False (nothing done): use NumPy."""
    if not usable(model):
        return False
    rows = np.asarray(rows, dtype=np.int64)
    if natural is True or natural is False:
        mode, mask = int(natural), _EMPTY_MASK
    else:
        mode, mask = 2, np.asarray(natural, dtype=np.bool_)
    return _Tick(model, t, repeats=False).batch(rows, mode, mask, draws) is not None


def tick_occasions(model: RetailModel, t: int, rows: np.ndarray, visits: np.ndarray) -> bool:
    """A tick's occasions in batch activation, as `RetailModel.step` runs them through
    `process_occasions`: the natural occasions due now (`rows`) with the scheduled extra
    `visits` in one batch, then the further occasions of customers due again in the same tick,
    batch after batch (without hooks, in the same kernel call). The checks and constants are
    made once for the tick. False (nothing done, no number drawn): use NumPy."""
    if not usable(model):
        return False
    from sim.agents.customer import OccasionDraws

    rows = rows.astype(np.int64, copy=False)
    if visits.size:
        both = np.concatenate([rows, visits.astype(np.int64, copy=False)])
        mask = np.zeros(both.size, dtype=np.bool_)
        mask[: rows.size] = True
        mode, draws, rows = 2, joined_draws(model, t, rows.size, visits), both
    elif rows.size:
        mode, mask, draws = 1, _EMPTY_MASK, OccasionDraws.draw(model, rows.size)
    else:
        return True
    tick = _Tick(model, t, repeats=True)
    while True:
        again = tick.batch(rows, mode, mask, draws)
        if again is None:  # the kernels stand aside for this batch
            _numpy_batch(model, t, rows, mode, mask, draws)
            again = _due_again(model, t, rows, mode, mask)
        if not again.size:
            return True
        rows, mode, mask = again, 1, _EMPTY_MASK  # customers with several occasions this tick
        draws = OccasionDraws.draw(model, rows.size)


def _due_again(model: RetailModel, t: int, rows: np.ndarray, mode: int, mask: np.ndarray):
    """The batch's natural occasions whose next one falls in the same tick, in batch order."""
    if mode == 0:
        return rows[:0]
    if mode == 2:
        rows = rows[mask]
    return rows[model.pop.next_tick[rows] == t]


class _Tick:
    """What every batch of one tick shares: the constants, the ledger's flows, the hooks."""

    __slots__ = ("model", "t", "c", "c32", "flows", "hooked", "dt", "hl", "buffers")

    def __init__(self, model: RetailModel, t: int, repeats: bool) -> None:
        self.model, self.t = model, t
        self.c, self.c32 = constants(model, t)
        self.flows = _flows(model)
        self.hooked = _hooked(model)
        self.dt, self.hl = model.calendar.dt_years, model.behaviour.loyalty_half_life_years
        self.buffers = None
        if repeats:
            from sim.agents.customer import OccasionDraws

            self.buffers = OccasionDraws.buffers(model)

    def batch(
        self, rows: np.ndarray, mode: int, mask: np.ndarray, draws: OccasionDraws
    ) -> np.ndarray | None:
        """One batch through the kernels (int64 `rows`; `mode`, `mask` as `occasions.advance`)
        and, without hooks and if made with `repeats`, the batches of the customers due again
        in this tick whose draws the blocks drawn ahead hold. Returns the rows due again still
        to do (they need fresh draws), or None (nothing done) when the kernels cannot
        reproduce NumPy for this batch (a negative age)."""
        model, t, c, c32 = self.model, self.t, self.c, self.c32
        draws = read_only(draws)
        if self.hooked:
            if self.buffers is not None:  # a tick: published terms go in one call from the rows
                from sim.kernels.hooked import from_rows

                done = from_rows(
                    model,
                    t,
                    rows,
                    mode,
                    mask,
                    draws,
                    c,
                    c32,
                    self.flows,
                    self.buffers,
                    self.dt,
                    self.hl,
                )
                if done is None:
                    return None
                if done:
                    return _due_again(model, t, rows, mode, mask)
            got = base_utilities(model, t, rows, c, c32, only_shoppers=True)
            if got is None:
                return None
            idx, V = got
            decay, cutoff = decay_table(self.dt, self.hl)
            from sim.kernels.hooked import with_hooks

            with_hooks(
                model,
                t,
                rows,
                idx,
                V,
                mode,
                mask,
                draws,
                c,
                c32,
                decay,
                cutoff,
                self.flows,
            )
            return _due_again(model, t, rows, mode, mask)
        if self.buffers is None:
            blocks, pos = NO_BLOCKS, np.zeros(len(NO_BLOCKS), dtype=np.int64)
        else:
            blocks, pos = blocks_ahead(self.buffers)
        need = 0
        while True:
            decay, cutoff = decay_table(self.dt, self.hl, need)
            b_rows, b_stores, amount, status, again = KT.after_choice(
                t,
                rows,
                mode,
                mask,
                draws.clock,
                draws.churn,
                draws.choice,
                draws.ticket,
                draws.service,
                draws.complaint,
                draws.wom,
                *blocks,
                pos,
                *tick_arrays(model),
                c,
                c32,
                decay,
                cutoff,
                self.flows,
            )
            if status > 0 and not again.size:  # the first batch needs a longer decay table
                need = status
                continue
            break
        if self.buffers is not None:
            skip_all(self.buffers, pos)
        if b_rows.size:
            model.transactions.append(t, b_rows, b_stores, amount, np.zeros(b_rows.size))
        if status == -2:
            raise RuntimeError("decay table missed an age the utilities saw")  # pragma: no cover
        if status == -1 and not again.size:
            return None
        return again


def _numpy_batch(
    model: RetailModel, t: int, rows: np.ndarray, mode: int, mask: np.ndarray, draws
) -> None:
    """A batch the kernels stand aside for: the NumPy rules, with the same draws."""
    from sim.agents.customer import process_occasions as rules

    rules(model, t, rows, draws, mask if mode == 2 else bool(mode))
