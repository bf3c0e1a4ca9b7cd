"""Stylized facts of SEEDS 000/001 measured on a finished run (used by tests and docs/ODD.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.clv import buyer_top_share
from sim.config import CLASSES, ELITE_CLASSES, TIERS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel


def focal_top20_share(model: RetailModel) -> float:
    """Top-20% buyer revenue share of the focal store over the run (SEEDS 000: about 80%)."""
    return buyer_top_share(model.pop.revenue[:, model.focal])


def _total(model: RetailModel, flow: str) -> float:
    return float(model.ledger.flows[flow][: model.t].sum())


def wom_new_per_100_satisfied(model: RetailModel) -> float:
    """New customers via word of mouth per 100 satisfied customers per year (SEEDS 001: 25)."""
    return 100 * _total(model, "wom_recruits") / _total(model, "satisfied_customer_years")


def complainer_stay_rates(model: RetailModel) -> tuple[float, float, int, int]:
    """(stay rate resolved, stay rate unresolved, n resolved, n unresolved); SEEDS 001: 60%."""
    resolved = _total(model, "complaints_resolved")
    unresolved = _total(model, "complaints") - resolved
    stayed_resolved = _total(model, "resolved_stayed")
    stayed_unresolved = _total(model, "complainers_stayed") - stayed_resolved
    return (
        stayed_resolved / resolved,
        stayed_unresolved / unresolved,
        int(resolved),
        int(unresolved),
    )


def elite_spend_share_by_year(
    model: RetailModel, home_tier: str = "county", store_tier: str = "prefecture"
) -> pd.Series:
    """Yearly share of elites' spend (elites living in `home_tier` places) spent in stores of
    `store_tier` (SEEDS 000: upward consumption drift)."""
    tick, cust, store, amount, _ = model.transactions.arrays()
    pop, geo = model.pop, model.geo
    elite_codes = [CLASSES.index(c) for c in ELITE_CLASSES]
    who = np.isin(pop.cls[cust], elite_codes) & (
        geo.tier_rank[pop.home[cust]] == TIERS.index(home_tier)
    )
    year = model.calendar.year_of(tick[who])
    up = geo.store_tier[store[who]] == TIERS.index(store_tier)
    frame = pd.DataFrame({"year": year, "amount": amount[who], "up": up})
    total = frame.groupby("year")["amount"].sum()
    upward = frame[frame["up"]].groupby("year")["amount"].sum()
    return (upward.reindex(total.index, fill_value=0.0) / total).rename("upward_share")


def cohort_retention(
    model: RetailModel, store: int | None = None, cohort_year: int = 0
) -> pd.Series:
    """Yearly retention of the customers new to `store` in `cohort_year`, by tenure.

    Retention at tenure k = share of the cohort buying at the store in year k-1 who buy there
    again in year k (SEEDS 001: loyal customers stay longer).
    """
    s = model.focal if store is None else store
    tick, cust, st, _, _ = model.transactions.arrays()
    here = st == s
    year = model.calendar.year_of(tick[here])
    cust = cust[here]
    first = model.pop.first_visit[:, s]
    new_in_year = (
        (first >= 0)
        & (first != np.iinfo(np.int32).max)
        & (model.calendar.year_of(np.maximum(first, 0)) == cohort_year)
    )
    cohort = np.flatnonzero(new_in_year)
    n_years = int(model.calendar.year_of(model.t - 1)) + 1
    bought = np.zeros((model.pop.n, n_years), dtype=bool)
    bought[cust, year] = True
    out = {}
    prev = np.zeros(model.pop.n, dtype=bool)
    prev[cohort] = True
    for k in range(cohort_year + 1, n_years):
        now = bought[:, k] & prev
        out[k - cohort_year] = now.sum() / max(prev.sum(), 1)
        prev = now
    return pd.Series(out, name="retention", dtype=float)
