"""MBG/CNBD-k: BG/NBD with Erlang-k purchase timing (Platzer & Reutterer 2016).

Regular buyers (a pharmacy refill, a weekly grocery run) do not buy as a Poisson process: their
inter-purchase times are less dispersed than exponential. MBG/CNBD-k models each gap as
Erlang-k with rate lambda (k exponential stages of rate lambda, mean k / lambda), lambda ~
Gamma(r, alpha); after *each* purchase, the first one included (the "M" of MBG), the customer
leaves for good with probability p ~ Beta(a, b). k = 1 is the MBG/NBD (Batislam et al. 2007).

Given lambda and p, a customer with x repeat purchases, gaps g_1..g_x (sum t_x) and no purchase
in the d = T - t_x weeks since the last one has the density

    prod g_i^(k-1) lambda^(kx) / Gamma(k)^x * e^(-lambda t_x) (1-p)^x
        * [ p + (1 - p) * sum_{j<k} (lambda d)^j / j! e^(-lambda d) ]

(the sum: an Erlang-k gap longer than d). Integrating lambda and p out, every term is closed
form; the per-customer data are (x, t_x, T) and the sum of the log gaps ``litt``:

    L = prod g^(k-1) / Gamma(k)^x * [ B(a+1, b+x)/B(a,b) G(r+kx, alpha+t_x)
        + B(a, b+x+1)/B(a,b) sum_{j<k} d^j/j! G(r+kx+j, alpha+T) ]
    G(m, c) = Gamma(m) alpha^r / (Gamma(r) c^m).

The same terms make the posterior an exact mixture (see ``sim.customer_base.posterior``): dead
after the last purchase, or alive with j of the k stages of the next gap elapsed. The holdout
expectation is a series of regularised incomplete beta functions (``conditional_expected``).
Time is in weeks, as in the RFM summary. ``k`` is chosen by the likelihood over 1..``K_MAX``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaln, gammaln

from sim.customer_base.fitting import FitResult, fit_mle

__all__ = [
    "expected_purchases",
    "K_MAX",
    "NAMES",
    "conditional_expected",
    "fit",
    "fit_k",
    "log_components",
    "loglik_rows",
]

NAMES = ("r", "alpha", "a", "b")
K_MAX = 6


def log_components(
    params: np.ndarray, k: int, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, litt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(timing term, log weight of 'dead after the last purchase', log weights of 'alive with
    j stages elapsed', shape (k, rows)); the row's log-likelihood is timing + logsumexp."""
    r, alpha, a, b = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    t_x = np.asarray(t_x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    timing = (k - 1) * np.asarray(litt, dtype=np.float64) - x * gammaln(k)
    m = r + k * x
    base = gammaln(m) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    dead = base + betaln(a + 1.0, b + x) - m * np.log(alpha + t_x)
    d = np.maximum(T - t_x, 0.0)
    alive = np.empty((k, x.size))
    for j in range(k):
        with np.errstate(divide="ignore"):
            ld = j * np.log(d) if j else np.zeros_like(d)
        alive[j] = (
            base
            + betaln(a, b + x + 1.0)
            + gammaln(m + j)
            - gammaln(m)
            + ld
            - gammaln(j + 1.0)
            - (m + j) * np.log(alpha + T)
        )
    return timing, dead, alive


def _loglik_kernel(
    params: np.ndarray, k: int, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """The parameter-dependent part of ``loglik_rows`` (the timing term left out)."""
    _, dead, alive = log_components(params, k, x, t_x, T, np.zeros(np.size(x)))
    return np.logaddexp(dead, np.logaddexp.reduce(alive, axis=0))


def loglik_rows(
    params: np.ndarray, k: int, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, litt: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each customer (purchase times given the first purchase)."""
    timing, dead, alive = log_components(params, k, x, t_x, T, litt)
    return timing + np.logaddexp(dead, np.logaddexp.reduce(alive, axis=0))


def fit_k(
    k: int,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    litt: np.ndarray,
    *,
    weight: np.ndarray | None = None,
    ci: str = "wald",
) -> FitResult:
    """Maximum likelihood for a fixed k (``extra``: k).

    The timing term (k-1) litt - x log Gamma(k) does not depend on the parameters: the
    optimiser works on distinct (x, t_x, T) rows with weights and the term is added back."""
    x = np.asarray(x, dtype=np.float64)
    w = np.ones_like(x) if weight is None else np.asarray(weight, dtype=np.float64)
    rows = np.stack([x, np.asarray(t_x, np.float64), np.asarray(T, np.float64)], axis=1)
    uniq, inv = np.unique(rows, axis=0, return_inverse=True)
    gw = np.bincount(inv.reshape(-1), weights=w, minlength=len(uniq))
    gx, gt, gT = uniq[:, 0], uniq[:, 1], uniq[:, 2]
    const = float(np.sum(w * ((k - 1) * np.asarray(litt, np.float64) - x * gammaln(k))))

    def ll(theta: np.ndarray) -> float:
        return float(np.sum(gw * _loglik_kernel(theta, k, gx, gt, gT))) + const

    rate = max(float(np.sum(w * x) / max(np.sum(w * np.asarray(T)), 1e-9)), 1e-4) / k
    starts = [
        (r, r / rate, a, b) for r, a, b in ((1.0, 1.0, 3.0), (0.3, 0.7, 2.0), (3.0, 2.0, 10.0))
    ]
    res = fit_mle(f"mbgcnbd{k}", NAMES, ll, starts, n=float(w.sum()), ci=ci)
    res.extra["k"] = int(k)
    return res


def fit(
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    litt: np.ndarray,
    *,
    k_max: int = K_MAX,
    weight: np.ndarray | None = None,
) -> tuple[FitResult, dict[int, float]]:
    """The best k in 1..k_max by likelihood (Platzer & Reutterer's grid) and the
    log-likelihood of every k tried. k is a fifth parameter: model comparisons count it. The
    grid stops at the first k whose likelihood falls below the previous one's (the profile in
    k is unimodal on every log tried; the next k would cost another fit for nothing)."""
    lls: dict[int, float] = {}
    best: FitResult | None = None
    for k in range(1, k_max + 1):
        res = fit_k(k, x, t_x, T, litt, weight=weight)
        lls[k] = res.loglik
        if best is not None and res.loglik < best.loglik:
            break
        best = res
    assert best is not None
    return best, lls


def _series(
    a: float,
    b: float,
    shape: np.ndarray,
    rate: np.ndarray,
    first: np.ndarray,
    k: int,
    t: float,
    p_fixed: bool = False,
) -> np.ndarray:
    """sum_{n>=1} E[(1-p)^(n-1)] P(Gamma(first + (n-1)k, lambda) <= t) with p ~ Beta(a, b)
    and lambda ~ Gamma(shape, rate): the expected purchases in (0, t] of a customer alive now
    whose next purchase is ``first`` stages away (rows vectorised)."""
    z = t / (rate + t)
    total = np.zeros(shape.size)
    log_keep = 0.0  # log E[(1-p)^(n-1)] = log B(a, b+n-1) - log B(a, b)
    n = 1
    while True:
        term = np.exp(log_keep) * betainc(first + (n - 1) * k, shape, z)
        total += term
        if term.max(initial=0.0) < 1e-12 * max(total.max(initial=0.0), 1e-300) or n > 20_000:
            break
        log_keep += np.log(b + n - 1.0) - np.log(a + b + n - 1.0)
        n += 1
    return total


def expected_purchases(params: np.ndarray, k: int, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer first seen at 0.

    The n-th repeat purchase needs n Erlang gaps (nk stages) and n survived dropout chances
    (the first purchase's included): E[(1-p)^n] = b / (a+b) E'[(1-p)^(n-1)], p ~ Beta(a, b+1)
    in E'."""
    r, alpha, a, b = (float(v) for v in params)
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    out = np.array(
        [
            _series(
                a, b + 1.0, np.array([r]), np.array([alpha]), np.array([float(k)]), k, float(v)
            )[0]
            if v > 0
            else 0.0
            for v in t
        ]
    )
    return b / (a + b) * out


def conditional_expected(
    params: np.ndarray,
    k: int,
    t: float,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    litt: np.ndarray | None = None,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t], exactly (a series).

    Alive with j stages elapsed, lambda ~ Gamma(r+kx+j, alpha+T) and the n-th future purchase
    comes after Gamma(nk - j) stages: P(that <= t) averaged over lambda is the regularised
    incomplete beta I_z(nk - j, r+kx+j), z = t / (alpha + T + t); it happens only if the
    customer stayed after the n - 1 purchases before it: E[(1-p)^(n-1)], p ~ Beta(a, b+x+1).
    """
    r, alpha, a, b = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    litt = np.zeros_like(x) if litt is None else litt
    timing, dead, alive = log_components(params, k, x, t_x, T, litt)
    norm = np.logaddexp(dead, np.logaddexp.reduce(alive, axis=0))
    out = np.zeros(x.size)
    m = r + k * x
    rate = alpha + np.asarray(T, dtype=np.float64)
    for j in range(k):
        w = np.exp(alive[j] - norm)
        out += w * _series_rows(a, b + x + 1.0, m + j, rate, float(k - j), k, t)
    return out


def _series_rows(
    a: float,
    b_rows: np.ndarray,
    shape: np.ndarray,
    rate: np.ndarray,
    first: float,
    k: int,
    t: float,
) -> np.ndarray:
    """``_series`` with a per-row Beta b (b + x + 1), grouped by distinct b."""
    out = np.empty(shape.size)
    for bv in np.unique(b_rows):
        sel = b_rows == bv
        out[sel] = _series(a, float(bv), shape[sel], rate[sel], np.full(sel.sum(), first), k, t)
    return out
