"""The compiled occasion pipeline with policy hooks: the kernels of `sim.kernels.occasions`
called phase by phase, each hook called where the NumPy rules call it (same rows, same arrays,
same state of the population and the ledger).

Most batches need no hook between the kernels: the shipped policies' utility terms read no
purchase clock, their discounts and purchase rewards read nothing the later phases change
(`StorePolicy.movable_hooks`), and complaint hooks are only called for a batch with a
complaint at their store, which is known from the draws before anything is changed. Such a
batch runs the fused kernel of the hook-free pipeline from the choice on
(`occasions.chosen_batch`) between its utility hooks and its discount and purchase hooks; any
other batch goes phase by phase. When every utility hook's owner publishes its term as a
per-customer array (`StorePolicy.utility_term`), the terms are added, the complaint look-ahead
made and the batch run in one compiled call (`sim.kernels.termed`), without a Python call per
hook or per look-ahead.
"""

from __future__ import annotations

from operator import is_
from typing import TYPE_CHECKING

import numpy as np

from sim.hooks import movable
from sim.kernels import occasions as K
from sim.kernels.pipeline import FLOWS, add_utility_hooks
from sim.kernels.published import by_store as _by_store
from sim.kernels.published import publisher as _publisher
from sim.kernels.published import purchases as _purchases
from sim.kernels.published import terms as _terms
from sim.kernels.published import tick_from_rows as _tick_from_rows
from sim.kernels.termed import termed_batch
from sim.kernels.termed_rows import NO_SHOPPERS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel

_NAMES = ("utility", "discount", "service", "resolution", "on_purchases", "on_complaints")


class _Plan:
    """What a model's installed hooks allow, worked out once per model (`_plan`)."""

    __slots__ = ("lists", "sizes", "fused", "complaint_at", "publishers", "terms", "no_complaints")

    def __init__(self, model: RetailModel, lists: tuple[list, ...]) -> None:
        self.lists, self.sizes = lists, tuple(len(h) for h in lists)
        hooks = dict(zip(_NAMES, lists, strict=True))
        self.fused = (
            not hooks["service"]
            and all(movable(model, "utility", h) for _, h in hooks["utility"])
            and all(movable(model, "discount", h) for _, h in hooks["discount"])
            and all(movable(model, "on_purchases", h) for _, h in hooks["on_purchases"])
        )
        stores = [s for s, _ in hooks["resolution"]] + [s for s, _ in hooks["on_complaints"]]
        # per store (and -1, the outside option, last): whether a complaint there calls a hook
        self.complaint_at = np.zeros(model.n_stores + 1, dtype=np.bool_) if stores else None
        if stores:
            self.complaint_at[stores] = True
        self.no_complaints = np.zeros(model.n_stores + 1, dtype=np.bool_)
        # (store, owner, hook) of each utility hook, when every one is published as an array
        owners = [_publisher(model, h) for _, h in hooks["utility"]]
        self.publishers = None
        if self.fused and all(o is not None for o in owners):
            self.publishers = [
                (s, o, h) for (s, h), o in zip(hooks["utility"], owners, strict=True)
            ]
        self.terms: tuple[tuple, np.ndarray, np.ndarray] | None = None  # (arrays, stores, stack)

    def fits(self, lists: tuple[list, ...]) -> bool:
        """Still the model's hooks (the same lists, none added or removed since)."""
        return all(map(is_, self.lists, lists)) and self.sizes == tuple(map(len, lists))


def _plan(model: RetailModel) -> _Plan:
    hooks = model.hooks
    lists = (
        hooks("utility"),
        hooks("discount"),
        hooks("service"),
        hooks("resolution"),
        hooks("on_purchases"),
        hooks("on_complaints"),
    )  # in the order of `_NAMES`
    plan = model.__dict__.get("_hook_plan")
    if plan is None or not plan.fits(lists):
        plan = model.__dict__["_hook_plan"] = _Plan(model, lists)
    return plan


def from_rows(model, t, rows, mode, mask, draws, c, c32, flows, buffers, dt, hl) -> bool | None:
    """The batch from its rows when every utility hook publishes its term and the tick's blocks
    drawn ahead are given (`buffers`): utilities, terms and the tick's batches in one compiled
    call (`published.tick_from_rows`), a batch whose complaint calls a hook (or without
    shoppers) phase by phase, as `with_hooks` does. Returns False when that is not the case
    (the caller makes the utilities and calls `with_hooks`), None when the kernels stand aside
    (the caller runs NumPy), True when done."""
    plan = _plan(model)
    if plan.publishers is None:
        return False
    got = _tick_from_rows(model, plan, t, rows, mode, mask, draws, c, c32, flows, buffers, dt, hl)
    if got is None:
        return None
    idx, V, (decay, cutoff), status = got
    if status != 0:  # the terms are in V already, unless there is no shopper to add them to
        _phase_by_phase(
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
            flows,
            status == NO_SHOPPERS,
        )
    return True


def with_hooks(model, t, rows, idx, V, mode, mask, draws, c, c32, decay, cutoff, flows):
    """The pipeline with the policies' hooks, each called as in the rules (module doc), for
    a batch whose utilities `V` are made (a tick's batch with published terms goes through
    `from_rows` instead)."""
    plan = _plan(model)
    if not plan.fused or idx.size == 0:
        return _phase_by_phase(
            model, t, rows, idx, V, mode, mask, draws, c, c32, decay, cutoff, flows
        )
    pop, st = model.pop, model.store_arrays
    if plan.publishers is not None:
        term_store, terms = _terms(plan, model, t)
        check = plan.complaint_at is not None
        head = (
            t,
            rows,
            idx,
            V,
            term_store,
            terms,
            check,
            plan.complaint_at if check else plan.no_complaints,
        )
        kernel = termed_batch
    else:
        add_utility_hooks(model, rows[idx], V)  # before the clocks move: they read none
        if plan.complaint_at is not None and _complaint_at(plan, idx, V, draws, st, c):
            return _phase_by_phase(
                model, t, rows, idx, V, mode, mask, draws, c, c32, decay, cutoff, flows, False
            )
        head, kernel = (t, rows, idx, V), K.chosen_batch
    b_rows, b_stores, amount, status = kernel(
        *head,
        mode,
        mask,
        draws.clock,
        draws.churn,
        draws.choice,
        draws.ticket,
        draws.service,
        draws.complaint,
        draws.wom,
        pop.state,
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
        st.price_level,
        st.margin,
        st.service,
        st.resolution,
        model.clock_end,
        c,
        c32,
        decay,
        cutoff,
        flows,
    )
    if status == 1:  # a complaint calls a hook: the utility terms are in V already
        return _phase_by_phase(
            model, t, rows, idx, V, mode, mask, draws, c, c32, decay, cutoff, flows, False
        )
    if status != 0:
        raise RuntimeError("decay table missed an age the utilities saw")  # pragma: no cover
    if b_rows.size:
        _purchases(model, t, b_rows, b_stores, amount)


def _complaint_at(plan: _Plan, idx, V, draws, st, c) -> bool:
    """Whether a shopper of this batch will complain at a store with complaint hooks, read
    ahead from the draws: the complaint draw of `complainers`, then, for the few it picks, the
    kernels' own choice and experience (neither depends on what the phases before it change;
    there are no service hooks here)."""
    may = np.flatnonzero(draws.complaint[:, 0][idx] < c[K.C_COMPLAIN])
    if may.size == 0:
        return False
    stores = K.choose(idx[may], V[may], draws.choice)  # V's rows: a C-ordered copy, as V
    at = plan.complaint_at[stores]
    if not at.any():
        return False
    exp = K.experience(stores[at], idx[may[at]], draws.service, st.service, c)
    return bool((exp <= c[K.C_DIS_THR]).any())


def _phase_by_phase(
    model, t, rows, idx, V, mode, mask, draws, c, c32, decay, cutoff, flows, utilities=True
):
    """Each kernel on its own, each hook at its place (`utilities`: the utility hooks are
    still to be added; False: they were, before the clocks moved, which they do not read)."""
    pop, st = model.pop, model.store_arrays
    K.advance(rows, mode, mask, draws.clock, pop.clock, pop.next_tick, pop.rate, model.clock_end)
    if idx.size == 0:
        return
    shoppers = rows[idx]
    if utilities:
        add_utility_hooks(model, shoppers, V)
    stores = K.choose(idx, V, draws.choice)
    buys = np.flatnonzero(stores >= 0)
    bad_at = np.zeros(idx.size, dtype=np.bool_)
    acc = np.zeros((len(FLOWS), model.n_stores))
    if buys.size:
        b_idx, b_rows, b_stores = idx[buys], shoppers[buys], stores[buys]
        amount = K.amounts(b_rows, b_stores, b_idx, draws.ticket, pop.spend, st.price_level, c)
        discount = np.zeros_like(amount)
        for discount_of, here in _by_store(model.hooks("discount"), b_stores):
            d = discount_of(t, b_rows[here], amount[here])
            if d is not None:
                discount[here] += d
        ok = K.buy_book(
            t,
            b_rows,
            b_stores,
            amount,
            st.margin,
            pop.first_visit,
            pop.acquired_store,
            pop.referral_parent,
            pop.last_store,
            pop.last_visit,
            pop.loyalty,
            pop.last_purchase,
            pop.state,
            pop.revenue,
            pop.year_spend,
            c,
            decay,
            cutoff,
            acc,
        )
        if not ok:
            raise RuntimeError("decay table missed an age the utilities saw")  # pragma: no cover
        K.flush(acc, flows, t, K.F_REVENUE, K.F_DEFECTED + 1)
        model.transactions.append(t, b_rows, b_stores, amount, discount)
        for on_purchases, here in _by_store(model.hooks("on_purchases"), b_stores):
            on_purchases(t, b_rows[here], amount[here])
        experience = K.experience(b_stores, b_idx, draws.service, st.service, c)
        for service, here in _by_store(model.hooks("service"), b_stores):
            extra = service(t, b_rows[here])
            if extra is not None:
                experience[here] += extra
        good, bad = K.serve_book(
            b_rows, b_stores, experience, pop.satisfaction, pop.last_good, pop.last_bad, c, acc
        )
        K.flush(acc, flows, t, K.F_SATISFIED, K.F_DISSATISFIED + 1)
        complains, rate = K.complainers(b_stores, b_idx, bad, draws.complaint, st.resolution, c)
        anyone = complains.any()
        if anyone:
            for resolution, here in _by_store(model.hooks("resolution"), b_stores, complains):
                r = resolution(t, b_rows[here])
                if r is not None:
                    rate[here] = np.maximum(rate[here], r)
        resolved, loud = K.complain_book(
            b_rows,
            b_stores,
            b_idx,
            bad,
            complains,
            rate,
            draws.complaint,
            pop.left_store,
            pop.loyalty,
            c,
            acc,
        )
        K.flush(acc, flows, t, K.F_COMPLAINTS, K.F_RESOLVED_STAYED + 1)
        if anyone:
            for on_complaints, here in _by_store(model.hooks("on_complaints"), b_stores, complains):
                on_complaints(t, b_rows[here], resolved[here])
        K.spread_word(
            b_rows,
            b_stores,
            b_idx,
            good,
            loud,
            draws.wom,
            pop.indptr,
            pop.indices,
            pop.satisfaction,
            c,
            c32,
        )
        bad_at[buys] = bad
    K.attrition(
        rows,
        idx,
        mode,
        mask,
        bad_at,
        draws.churn,
        pop.dropout,
        pop.repeat,
        pop.state,
        pop.last_store,
        c,
        acc,
    )
    K.flush(acc, flows, t, K.F_CHURNED, K.F_CHURNED + 1)
