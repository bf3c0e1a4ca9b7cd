"""Exact posterior draws of each customer's latent traits, and their future purchases.

The member twin (``sim.twin``) gives every member its own purchase rate, dropout and spend,
drawn from the fitted model's posterior given the member's history; each seed draws anew, so
the spread over seeds carries the posterior uncertainty. Every draw here is exact:

- BG/NBD and MBG/CNBD-k: the likelihood is a sum of closed-form terms (``bgnbd``,
  ``mbgcnbd`` docstrings), and each term is a conjugate Gamma x Beta kernel. So the posterior
  is a finite mixture: pick a term with probability proportional to its value (dead after the
  last purchase, or alive with j of the k Erlang stages of the next gap elapsed), then draw
  lambda ~ Gamma and p ~ Beta from that term's kernel.
- Pareto/NBD: rejection sampling. The proposal lambda ~ Gamma(r+x, alpha+t_x), mu ~
  Gamma(s, beta+t_x) is prior x the likelihood up to the last purchase; the remaining factor,
  P(no purchase observed in (t_x, T] | lambda, mu) = e^-(l+m)d + m/(l+m) (1 - e^-(l+m)d)
  <= 1, is the acceptance probability; alive at T with probability e^-(l+m)d / that factor.
- Gamma-Gamma: nu | x repeat spends with mean m_x ~ Gamma(q + p x, gamma + x m_x).

``future_purchases`` then runs each alive customer forward (Erlang-k gaps of rate lambda, or
Poisson for Pareto/NBD; leaving with probability p after each purchase, or at an exponential
death time), one NumPy step per purchase index over the customers still buying.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln

from sim.customer_base import mbgcnbd

__all__ = ["MODELS", "Traits", "draw_new", "draw_posterior", "draw_spend", "future_purchases"]

MODELS = ("bgnbd", "mbgcnbd", "paretonbd")
MAX_REJECTION_ROUNDS = 2_000


@dataclass
class Traits:
    """Per customer: alive now, purchase rate, dropout (p per purchase, or mu per week for
    Pareto/NBD), Erlang stages left until the next purchase, and the model's k."""

    alive: np.ndarray
    lam: np.ndarray
    drop: np.ndarray
    stages: np.ndarray
    k: int
    model: str


def _mixture_pick(logw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise categorical draw from log weights of shape (components, rows)."""
    w = np.exp(logw - logw.max(axis=0))
    cum = np.cumsum(w, axis=0)
    u = rng.random(logw.shape[1]) * cum[-1]
    return (cum < u).sum(axis=0)


def draw_posterior(
    model: str,
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    rng: np.random.Generator,
    *,
    k: int = 1,
    litt: np.ndarray | None = None,
) -> Traits:
    """One exact posterior draw per customer given (x, t_x, T) (see module doc)."""
    x = np.asarray(x, dtype=np.float64)
    t_x = np.asarray(t_x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    n = x.size
    if model == "paretonbd":
        return _pareto_posterior(params, x, t_x, T, rng)
    r, alpha, a, b = (float(v) for v in params)
    if model == "bgnbd":
        k = 1
        alive_lw = betaln(a, b + x) - (r + x) * np.log(alpha + T)
        with np.errstate(invalid="ignore"):
            dead_lw = betaln(a + 1.0, np.maximum(b + x - 1.0, 1e-300)) - (r + x) * np.log(
                alpha + t_x
            )
        dead_lw = np.where(x > 0, dead_lw, -np.inf)
        comp = _mixture_pick(np.stack([dead_lw, alive_lw]), rng)  # 0 dead, 1 alive
        alive = comp == 1
        shape = r + x
        rate = np.where(alive, alpha + T, alpha + t_x)
        pa = np.where(alive, a, a + 1.0)
        pb = np.where(alive, b + x, np.maximum(b + x - 1.0, 1e-12))
        stages = np.ones(n, dtype=np.int64)
    elif model == "mbgcnbd":
        litt = np.zeros(n) if litt is None else np.asarray(litt, dtype=np.float64)
        _, dead_lw, alive_lw = mbgcnbd.log_components(params, k, x, t_x, T, litt)
        comp = _mixture_pick(np.vstack([dead_lw[None, :], alive_lw]), rng)  # 0 dead, 1+j
        alive = comp >= 1
        j = np.maximum(comp - 1, 0)
        shape = r + k * x + j
        rate = np.where(alive, alpha + T, alpha + t_x)
        pa = np.where(alive, a, a + 1.0)
        pb = np.where(alive, b + x + 1.0, b + x)
        stages = (k - j).astype(np.int64)
    else:
        raise ValueError(f"model: {model!r} is not one of {', '.join(MODELS)}")
    lam = rng.gamma(shape, 1.0 / rate)
    drop = rng.beta(pa, pb)
    return Traits(alive, lam, drop, stages, int(k), model)


def _pareto_posterior(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, rng: np.random.Generator
) -> Traits:
    r, alpha, s, beta = (float(v) for v in params)
    n = x.size
    lam, mu = np.empty(n), np.empty(n)
    alive = np.zeros(n, dtype=bool)
    todo = np.arange(n)
    d = T - t_x
    for _ in range(MAX_REJECTION_ROUNDS):
        if todo.size == 0:
            break
        lt = rng.gamma(r + x[todo], 1.0 / (alpha + t_x[todo]))
        mt = rng.gamma(s, 1.0 / (beta + t_x[todo]))
        surv = np.exp(-(lt + mt) * d[todo])
        accept_p = surv + mt / (lt + mt) * (1.0 - surv)
        u = rng.random(todo.size) * accept_p
        ok = rng.random(todo.size) < accept_p
        rows = todo[ok]
        lam[rows], mu[rows] = lt[ok], mt[ok]
        alive[rows] = u[ok] < surv[ok]
        todo = todo[~ok]
    else:  # pragma: no cover - acceptance is >= P(data) per row, never this small in practice
        raise RuntimeError(
            f"Pareto/NBD posterior: {todo.size} customers not accepted after "
            f"{MAX_REJECTION_ROUNDS} rounds"
        )
    return Traits(alive, lam, mu, np.ones(n, dtype=np.int64), 1, "paretonbd")


def draw_new(
    model: str, params: np.ndarray, n: int, rng: np.random.Generator, *, k: int = 1
) -> Traits:
    """Prior draws for members first seen after the calibration period, at their first
    purchase: BG/NBD has no dropout chance there, MBG/CNBD-k does (handled by the caller
    through ``first_drop``); Pareto/NBD lives an exponential lifetime from it."""
    if model == "paretonbd":
        r, alpha, s, beta = (float(v) for v in params)
        return Traits(
            np.ones(n, bool),
            rng.gamma(r, 1.0 / alpha, n),
            rng.gamma(s, 1.0 / beta, n),
            np.ones(n, dtype=np.int64),
            1,
            model,
        )
    r, alpha, a, b = (float(v) for v in params)
    kk = k if model == "mbgcnbd" else 1
    return Traits(
        np.ones(n, bool),
        rng.gamma(r, 1.0 / alpha, n),
        rng.beta(a, b, n),
        np.full(n, kk, dtype=np.int64),
        kk,
        model,
    )


def draw_spend(
    params: np.ndarray, x: np.ndarray, m_x: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """nu | repeat spends (Gamma-Gamma posterior, exact); x = 0 gives a prior draw."""
    p, q, g = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    m_x = np.nan_to_num(np.asarray(m_x, dtype=np.float64))
    return rng.gamma(q + p * x, 1.0 / (g + x * m_x))


def future_purchases(
    traits: Traits,
    start: np.ndarray | float,
    horizon: np.ndarray | float,
    rng: np.random.Generator,
    *,
    first_drop: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(customer index, time) of every purchase in (start, horizon] of the alive customers.

    ``start`` and ``horizon`` are per customer (or one for all). ``start`` is each
    customer's current time (the calibration end, or a new member's first purchase).
    ``first_drop`` marks customers who may leave right at ``start`` (a new MBG/CNBD-k member
    after its first purchase). Rows: one array per purchase index.
    """
    n = traits.lam.size
    t = np.broadcast_to(np.asarray(start, dtype=np.float64), (n,)).copy()
    horizon = np.broadcast_to(np.asarray(horizon, dtype=np.float64), (n,))
    live = np.flatnonzero(traits.alive)
    if first_drop is not None and traits.model != "paretonbd":
        fd = first_drop[live]
        gone = fd & (rng.random(live.size) < traits.drop[live])
        live = live[~gone]
    death = None
    if traits.model == "paretonbd":
        death = t + rng.exponential(1.0, n) / np.maximum(traits.drop, 1e-300)
    stages = traits.stages.astype(np.float64)
    k = float(traits.k)
    cust, times = [], []
    while live.size:
        lam = np.maximum(traits.lam[live], 1e-300)
        gap = rng.standard_gamma(stages[live]) / lam
        t_new = t[live] + gap
        end = horizon[live] if death is None else np.minimum(horizon[live], death[live])
        ok = t_new <= end
        live, t_new = live[ok], t_new[ok]
        t[live] = t_new
        cust.append(live)
        times.append(t_new)
        stages[live] = k
        if death is None and live.size:
            live = live[rng.random(live.size) >= traits.drop[live]]
    if not cust:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(cust), np.concatenate(times)
