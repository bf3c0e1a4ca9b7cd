"""Per-customer outlook from fitted models: P(alive), expected purchases and discounted CLV.

Discounted CLV = margin x expected spend per visit (Gamma-Gamma, conditional on the customer's
own spend) x discounted expected future purchases (BG/NBD or Pareto/NBD, conditional on
x, t_x, T). The purchase stream is cut into monthly steps over ``horizon_years``; each step's
expected purchases are discounted at the middle of the step with a yearly rate. The horizon
defaults to the ten years of ``sim.clv.MAX_LIFETIME_YEARS`` so that both CLV views agree on
how far ahead a small-city store can plan.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.clv import MAX_LIFETIME_YEARS
from sim.customer_base import bgnbd, gammagamma, paretonbd
from sim.customer_base.rfm import group_rfm

__all__ = ["MODELS", "customer_outlook", "discounted_purchases"]

WEEKS_PER_YEAR = 365.25 / 7.0
MODELS = {"bgnbd": bgnbd, "paretonbd": paretonbd}

Conditional = Callable[[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def discounted_purchases(
    model: str,
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    *,
    discount_rate: float = 0.10,
    horizon_years: float = MAX_LIFETIME_YEARS,
    unit_days: float = 7.0,
    steps_per_year: int = 12,
) -> np.ndarray:
    """Discounted expected purchases after T, per customer (computed once per distinct row)."""
    if not 0.0 <= discount_rate < 1.0:
        raise ValueError(f"discount_rate = {discount_rate!r}: must be in [0, 1)")
    g = group_rfm(x, t_x, T)
    cond: Conditional = MODELS[model].conditional_expected
    units_per_year = 365.25 / unit_days
    edges = np.linspace(0.0, horizon_years, int(round(horizon_years * steps_per_year)) + 1)
    total = np.zeros(g.x.size)
    prev = np.zeros(g.x.size)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        cur = cond(params, hi * units_per_year, g.x, g.t_x, g.T)
        total += (cur - prev) * (1.0 + discount_rate) ** (-(lo + hi) / 2.0)
        prev = cur
    return total[g.inverse]


def customer_outlook(
    rfm: pd.DataFrame,
    model: str,
    params: np.ndarray,
    spend_params: np.ndarray | None,
    *,
    period: float = 52.0,
    margin: float = 0.4,
    discount_rate: float = 0.10,
    horizon_years: float = MAX_LIFETIME_YEARS,
) -> pd.DataFrame:
    """P(alive), expected purchases in the next ``period`` units, expected spend per visit and
    discounted CLV for each customer of an RFM summary (``sim.customer_base.rfm_summary``)."""
    x = rfm["frequency"].to_numpy(dtype=np.float64)
    t_x = rfm["recency"].to_numpy(dtype=np.float64)
    T = rfm["T"].to_numpy(dtype=np.float64)
    mod = MODELS[model]
    out = pd.DataFrame(index=rfm.index)
    out["p_alive"] = mod.p_alive(params, x, t_x, T)
    out["expected_purchases"] = mod.conditional_expected(params, period, x, t_x, T)
    if spend_params is not None:
        m = rfm["monetary_value"].to_numpy(dtype=np.float64)
        spend = gammagamma.conditional_mean_spend(spend_params, x, np.where(x > 0, m, 0.0))
        out["expected_spend"] = spend
        unit = float(rfm.attrs.get("unit_days", 7.0))
        disc = discounted_purchases(model, params, x, t_x, T, discount_rate=discount_rate,
                                    horizon_years=horizon_years, unit_days=unit)
        out["clv"] = margin * spend * disc
    return out
