"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999).

Each visit's spend z ~ Gamma(p, nu) (shape p, rate nu); across customers nu ~ Gamma(q, gamma).
Given x repeat purchases with mean spend m_x, the likelihood is

    f(m_x | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * gamma^q x^(px) m_x^(px-1)
                 / (gamma + x m_x)^(px+q)

(a density of the mean, so it includes x^(px)). Spend is assumed independent of the purchase
process. The population mean spend per visit is p gamma / (q - 1) (finite for q > 1).

A transaction export holds every repeat spend z_1..z_x, not only their mean, and the joint
density of all of them is just as closed-form (nu integrated out):

    f(z_1..z_x) = prod z_i^(p-1) / Gamma(p)^x * Gamma(px+q) / Gamma(q)
                  * gamma^q / (gamma + x m_x)^(px+q)

whose sufficient statistics are the mean m_x and the mean log spend. It adds the spread of a
customer's own spends, which is what identifies the per-visit shape p; p and gamma trade off
(mean spend p gamma / (q - 1)), so gamma's standard error falls too: ~3.8% -> ~1.9% for
20,000 simulated customers (``tests/test_customer_base_recovery.py``). ``fit`` uses it for
every customer whose mean log spend is given and finite, and the mean-only density above for
the others (summary data such as the published CDNOW set, where it reproduces Fader, Hardie
& Lee's estimates).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from sim.customer_base.fitting import FitResult, fit_mle

__all__ = [
    "NAMES", "conditional_mean_spend", "fit", "loglik_rows", "loglik_transactions",
    "population_mean",
]

NAMES = ("p", "q", "gamma")


def loglik_rows(params: np.ndarray, x: np.ndarray, m_x: np.ndarray) -> np.ndarray:
    """Log density of each customer's mean repeat spend m_x (x >= 1, m_x > 0)."""
    p, q, g = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    m_x = np.asarray(m_x, dtype=np.float64)
    px = p * x
    return (
        gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
        + px * np.log(x) + (px - 1.0) * np.log(m_x) - (px + q) * np.log(g + x * m_x)
    )


def loglik_transactions(
    params: np.ndarray, x: np.ndarray, m_x: np.ndarray, log_mean: np.ndarray
) -> np.ndarray:
    """Log joint density of each customer's x repeat spends, from their mean ``m_x`` and the
    mean of their logs ``log_mean`` (x >= 1, every spend > 0)."""
    p, q, g = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    px = p * x
    return (
        (p - 1.0) * x * np.asarray(log_mean, dtype=np.float64) - x * gammaln(p)
        + gammaln(px + q) - gammaln(q) + q * np.log(g)
        - (px + q) * np.log(g + x * np.asarray(m_x, dtype=np.float64))
    )


def usable(x: np.ndarray, m_x: np.ndarray) -> np.ndarray:
    """Customers the model can use: at least one repeat purchase with positive mean spend."""
    return (np.asarray(x) > 0) & (np.asarray(m_x) > 0)


def fit(
    x: np.ndarray,
    m_x: np.ndarray,
    *,
    log_mean: np.ndarray | None = None,
    level: float = 0.95,
    ci: str = "profile",
) -> FitResult:
    """Maximum-likelihood Gamma-Gamma on the customers with x > 0 and m_x > 0.

    With ``log_mean`` (each customer's mean log repeat spend, NaN where unknown) the
    customers that have it contribute the density of all their spends, the others that of
    their mean (module doc). The number of customers left out (no repeat purchase, or
    zero-yuan repeat purchases) is kept in ``extra['excluded']``, those fitted on every spend
    in ``extra['transaction_level']``.
    """
    x = np.asarray(x, dtype=np.float64)
    m_x = np.asarray(m_x, dtype=np.float64)
    ok = usable(x, m_x)
    xs, ms = x[ok], m_x[ok]
    if xs.size == 0:
        raise ValueError("gamma-gamma: no customer with a repeat purchase and positive spend")
    full = np.zeros(xs.size, dtype=bool)
    if log_mean is not None:
        lm = np.asarray(log_mean, dtype=np.float64)[ok]
        full = np.isfinite(lm)
    x_f, m_f, l_f = xs[full], ms[full], (lm[full] if full.any() else None)
    x_m, m_m = xs[~full], ms[~full]
    mean = float(np.average(ms, weights=xs))

    def ll(theta: np.ndarray) -> float:
        total = float(np.sum(loglik_rows(theta, x_m, m_m))) if x_m.size else 0.0
        if x_f.size:
            total += float(np.sum(loglik_transactions(theta, x_f, m_f, l_f)))
        return total

    starts = [(p, q, (q - 1.0) * mean / p) for p, q in ((2.0, 3.0), (6.0, 4.0), (1.0, 10.0))]
    res = fit_mle("gammagamma", NAMES, ll, starts, n=xs.size, level=level, ci=ci)
    res.extra["excluded"] = int((~ok).sum())
    res.extra["transaction_level"] = int(full.sum())
    return res


def population_mean(params: np.ndarray) -> float:
    """E[spend per visit] over customers: p gamma / (q - 1) (inf for q <= 1)."""
    p, q, g = (float(v) for v in params)
    return p * g / (q - 1.0) if q > 1.0 else float("inf")


def conditional_mean_spend(params: np.ndarray, x: np.ndarray, m_x: np.ndarray) -> np.ndarray:
    """E[spend per visit | x, m_x] = p (gamma + x m_x) / (p x + q - 1): a weighted average of
    the population mean and the customer's own mean (the weight on m_x grows with x)."""
    p, q, g = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    m_x = np.asarray(m_x, dtype=np.float64)
    return p * (g + x * m_x) / (p * x + q - 1.0)
