"""Fast vectorized simulator of the BG/NBD + Gamma-Gamma process (for recovery tests and demos).

Customers arrive uniformly over ``[0, cohort_span]``; each draws lambda ~ Gamma(r, alpha),
p ~ Beta(a, b) and nu ~ Gamma(q, gamma). Purchases follow a Poisson process from the first
purchase; after each repeat purchase the customer leaves with probability p (so the number of
repeat purchases before leaving is Geometric(p)); every visit spends Gamma(p_spend, nu).
One NumPy step per purchase index, over the customers still buying: no loop over customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SimulatedBase", "simulate"]


@dataclass(frozen=True)
class SimulatedBase:
    """Customers' latent traits and their purchases (time in model units from 0)."""

    first: np.ndarray  # (n,) first purchase time
    lam: np.ndarray
    drop: np.ndarray
    nu: np.ndarray
    customer: np.ndarray  # (m,) purchase rows: customer index
    time: np.ndarray  # (m,) purchase time
    amount: np.ndarray  # (m,) spend
    horizon: float

    def rfm(self, end: float) -> pd.DataFrame:
        """Exact (x, t_x, T, monetary_value, log_monetary_value) at ``end`` of the customers
        first seen by then."""
        n = self.first.size
        seen = self.first <= end
        cal = self.time <= end
        c, tm, am = self.customer[cal], self.time[cal], self.amount[cal]
        count = np.bincount(c, minlength=n)
        last = np.full(n, -np.inf)
        np.maximum.at(last, c, tm)
        total = np.bincount(c, weights=am, minlength=n)
        is_first = tm == self.first[c]
        first_spend = np.bincount(c[is_first], weights=am[is_first], minlength=n)
        x = count - 1
        rep = ~is_first
        log_sum = np.bincount(c[rep], weights=np.log(am[rep]), minlength=n)
        out = pd.DataFrame({
            "frequency": x,
            "recency": last - self.first,
            "T": end - self.first,
            "monetary_value": np.divide(total - first_spend, x, out=np.zeros(n), where=x > 0),
            "log_monetary_value": np.divide(log_sum, x, out=np.full(n, np.nan), where=x > 0),
        })
        return out[seen].reset_index(drop=True)

    def to_log(self, start: str = "2024-01-01", unit_days: float = 7.0) -> pd.DataFrame:
        """A transaction log (customer_id, date, amount), times rounded down to the day."""
        day = np.floor(self.time * unit_days).astype("timedelta64[D]")
        dates = np.datetime64(start, "D") + day
        return pd.DataFrame({
            "customer_id": self.customer.astype(np.int64),
            "date": dates.astype("datetime64[ns]"),
            "amount": np.round(self.amount, 2),
        })


def simulate(
    n: int,
    bgnbd: tuple[float, float, float, float],
    gammagamma: tuple[float, float, float] = (6.0, 4.0, 15.0),
    *,
    horizon: float = 104.0,
    cohort_span: float = 12.0,
    seed: int = 0,
) -> SimulatedBase:
    """Simulate ``n`` customers over ``[0, horizon]`` (model time units, e.g. weeks)."""
    r, alpha, a, b = bgnbd
    p, q, g = gammagamma
    if not 0 <= cohort_span <= horizon:
        raise ValueError("simulate: need 0 <= cohort_span <= horizon")
    rng = np.random.default_rng(seed)
    first = rng.uniform(0.0, cohort_span, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    nu = rng.gamma(q, 1.0 / g, n)
    # repeat purchases allowed before leaving (Geometric(p) >= 1)
    allowed = rng.geometric(np.clip(drop, 1e-12, 1.0))
    cust = [np.arange(n)]
    times = [first]
    t = first.copy()
    live = np.arange(n)
    k = 0
    while live.size:
        k += 1
        t_live = t[live] + rng.exponential(1.0, live.size) / np.maximum(lam[live], 1e-300)
        ok = (t_live <= horizon) & (allowed[live] >= k)
        live, t_live = live[ok], t_live[ok]
        t[live] = t_live
        cust.append(live)
        times.append(t_live)
    customer = np.concatenate(cust)
    time = np.concatenate(times)
    order = np.lexsort((time, customer))
    customer, time = customer[order], time[order]
    amount = rng.gamma(p, 1.0, customer.size) / nu[customer]
    return SimulatedBase(first, lam, drop, nu, customer, time, amount, float(horizon))
