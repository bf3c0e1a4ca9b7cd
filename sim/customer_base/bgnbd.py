"""BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) (shape r,
rate alpha); after each repeat purchase they drop out for good with probability
p ~ Beta(a, b). The likelihood of (x, t_x, T) integrates lambda and p out in closed form:

    L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))

computed in log space (``gammaln``, ``betaln``, ``logaddexp``) so that large x or T never
overflow. Time is in the unit of the RFM summary (weeks by default).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from sim.customer_base.fitting import FitResult, fit_mle
from sim.customer_base.rfm import GroupedRFM

__all__ = [
    "NAMES",
    "conditional_expected",
    "expected_purchases",
    "fit",
    "loglik_rows",
    "p_alive",
]

NAMES = ("r", "alpha", "a", "b")


def loglik_rows(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Log-likelihood of each (x, t_x, T) row."""
    x = np.asarray(x, dtype=np.float64)
    ux, inv = np.unique(x, return_inverse=True)
    return _loglik(params, ux, inv.reshape(-1), t_x, T)


def _loglik(
    params: np.ndarray, ux: np.ndarray, inv: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Rows' log-likelihood; the special functions are evaluated once per distinct x (``ux``)."""
    r, alpha, a, b = (float(v) for v in params)
    x = ux[inv]
    t_x = np.asarray(t_x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    # per distinct x: gammaln(r+x) - gammaln(r) - B(a,b) and the two beta-function ratios
    lbab = betaln(a, b)
    common = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha) - lbab)[inv]
    alive_x = betaln(a, b + ux)[inv]
    rep_x = ux > 0
    dead_x = np.full(ux.size, -np.inf)
    dead_x[rep_x] = betaln(a + 1.0, b + ux[rep_x] - 1.0)
    alive = alive_x - (r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore"):
        dead = dead_x[inv] - (r + x) * np.log(alpha + t_x)
    dead = np.where(x > 0, dead, -np.inf)
    return common + np.logaddexp(alive, dead)


def fit(data: GroupedRFM, *, level: float = 0.95, starts: list | None = None,
        ci: str = "profile") -> FitResult:
    """Maximum-likelihood BG/NBD on grouped RFM rows (several starts; profile-likelihood
    intervals, or ``ci="wald"`` where only the estimates matter)."""
    w = data.weight
    ux, inv = np.unique(data.x, return_inverse=True)
    inv = inv.reshape(-1)

    def ll(theta: np.ndarray) -> float:
        return float(np.sum(w * _loglik(theta, ux, inv, data.t_x, data.T)))

    rate = max(float(np.sum(w * data.x) / max(np.sum(w * data.T), 1e-9)), 1e-4)
    if starts is None:
        starts = [(r, r / rate, a, b) for r, a, b in ((1.0, 1.0, 3.0), (0.3, 0.7, 2.0),
                                                        (3.0, 2.0, 10.0))]
    return fit_mle("bgnbd", NAMES, ll, starts, n=data.n, level=level, ci=ci)


def p_alive(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(still alive at T | x, t_x, T); 1 for customers with no repeat purchase."""
    r, alpha, a, b = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    out = np.ones_like(x)
    rep = x > 0
    xr = x[rep]
    log_odds = (
        np.log(a) - np.log(b + xr - 1.0)
        + (r + xr) * (np.log(alpha + np.asarray(T)[rep]) - np.log(alpha + np.asarray(t_x)[rep]))
    )
    out[rep] = np.exp(-np.logaddexp(0.0, log_odds))
    return out


def _off_one(a: float) -> float:
    """The expectation formulas divide by a - 1; they are continuous there, so a = 1 is
    evaluated a hair away from it."""
    return a if abs(a - 1.0) > 1e-7 else 1.0 + 1e-7


def expected_purchases(params: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer first seen at 0."""
    r, alpha, a, b = (float(v) for v in params)
    a = _off_one(a)
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    head = np.exp(r * (np.log(alpha) - np.log(alpha + t)))
    return (a + b - 1.0) / (a - 1.0) * (1.0 - head * hyp2f1(r, b, a + b - 1.0, z))


def conditional_expected(
    params: np.ndarray, t: float | np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] given the customer's history."""
    r, alpha, a, b = (float(v) for v in params)
    a = _off_one(a)
    x = np.asarray(x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + T + t)
    head = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    top = (a + b + x - 1.0) / (a - 1.0) * (1.0 - head * hyp2f1(r + x, b + x, a + b + x - 1.0, z))
    return top * p_alive(params, x, t_x, T)
