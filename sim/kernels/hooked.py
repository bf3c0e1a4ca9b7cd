"""The compiled occasion pipeline with policy hooks: the kernels of `sim.kernels.occasions`
called phase by phase, each hook called where the NumPy rules call it (same rows, same arrays,
same state of the population and the ledger)."""

from __future__ import annotations

import numpy as np

from sim.kernels import occasions as K
from sim.kernels.pipeline import FLOWS, add_utility_hooks


def _by_store(hooks, stores: np.ndarray, mask: np.ndarray | None = None):
    """(store, hook, positions) of each hook whose store has rows here (as the rules do)."""
    for s, hook in hooks:
        here = stores == s if mask is None else mask & (stores == s)
        if here.any():
            yield hook, here


def with_hooks(model, t, rows, idx, V, mode, mask, draws, c, c32, decay, cutoff, flows):
    """The pipeline with the policies' hooks called between the kernels, as in the rules."""
    pop, st = model.pop, model.store_arrays
    K.advance(rows, mode, mask, draws.clock, pop.clock, pop.next_tick, pop.rate, model.clock_end)
    if idx.size == 0:
        return
    shoppers = rows[idx]
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
