"""Maximum likelihood on grouped RFM rows: several starts, log-parameter space, and
confidence intervals from the profile likelihood (or the Hessian).

Every customer-base model here has strictly positive parameters, so the optimiser works on
their logarithms (no bounds to hit at 0, and the log-likelihood surface is much rounder there).
Standard errors come from the observed information: the Hessian of the log-likelihood in log
space, by central finite differences, inverted; the delta method carries them back
(``se(theta) = theta * se(log theta)``).

Intervals: ``ci="profile"`` (the default) inverts the likelihood-ratio test, i.e. the interval
holds every value theta_i whose profile log-likelihood (maximised over the other parameters)
is within chi2_1(level) / 2 of the maximum. It follows a skewed likelihood, which the Wald
interval ``exp(log theta +- 1.96 se)`` (``ci="wald"``, cheap) cannot: the Gamma-Gamma ``q``
with ~1,000 repeat buyers is the case in point (Wald covers ~80% there, the profile ~95%).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

__all__ = ["CI_METHODS", "FitResult", "fit_mle", "hessian", "profile_interval"]

#: Log-parameters live in [-LOG_BOUND, LOG_BOUND] (e^12 ~ 1.6e5): wide enough for any retail
#: log measured in weeks, narrow enough that the likelihood never overflows. A fit ending on
#: this bound is flagged (``at_bound``).
LOG_BOUND = 12.0

#: How intervals are computed: likelihood-ratio (profile) or Wald on the log scale.
CI_METHODS = ("profile", "wald")


@dataclass(frozen=True)
class FitResult:
    """Fitted parameters with standard errors and confidence intervals."""

    model: str
    names: tuple[str, ...]
    params: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    loglik: float
    n: float  # customers (sum of weights)
    level: float = 0.95
    ci_method: str = "wald"
    converged: bool = True
    at_bound: tuple[str, ...] = ()
    starts: int = 1
    extra: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> float:
        return float(self.params[self.names.index(name)])

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in zip(self.names, self.params, strict=True)}

    def to_json(self) -> dict:
        """JSON-ready: per parameter its estimate, standard error and interval."""
        return {
            "model": self.model,
            "params": {
                k: {
                    "estimate": float(v),
                    "se": _finite(s),
                    "ci_low": _finite(lo),
                    "ci_high": _finite(hi),
                }
                for k, v, s, lo, hi in zip(
                    self.names, self.params, self.se, self.ci_low, self.ci_high, strict=True
                )
            },
            "ci_level": self.level,
            "ci_method": self.ci_method,
            "loglik": float(self.loglik),
            "customers": float(self.n),
            "converged": bool(self.converged),
            "at_bound": list(self.at_bound),
            **self.extra,
        }


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Central finite-difference Hessian of ``f`` at ``x`` (symmetric by construction)."""
    x = np.asarray(x, dtype=np.float64)
    k = x.size
    h = step * np.maximum(1.0, np.abs(x))
    f0 = f(x)
    out = np.empty((k, k))
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        out[i, i] = (f(x + ei) - 2.0 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h[j]
            v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4.0 * h[i] * h[j]
            )
            out[i, j] = out[j, i] = v
    return out


def _newton_polish(
    f: Callable[[np.ndarray], float], z: np.ndarray, fz: float, hi: np.ndarray, steps: int = 2
) -> tuple[np.ndarray, float]:
    """A few Newton steps with finite-difference derivatives: finishes what a quasi-Newton
    run with numerical gradients leaves (its last digits), at a known cost per step."""
    k = z.size
    for _ in range(steps):
        h = 1e-4 * np.maximum(1.0, np.abs(z))
        grad = np.array([(f(z + h * e) - f(z - h * e)) / (2 * h[i])
                         for i, e in enumerate(np.eye(k))])
        hess = hessian(f, z, step=1e-3)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1.0:
            break
        cand = np.clip(z - step, -LOG_BOUND, hi)
        fc = f(cand)
        if not fc < fz:
            break
        z, fz = cand, fc
        if np.max(np.abs(step)) < 1e-7:
            break
    return z, fz


def profile_interval(
    loglik_z: Callable[[np.ndarray], float],
    z: np.ndarray,
    i: int,
    *,
    level: float,
    hi: np.ndarray,
    cov: np.ndarray | None = None,
    scale: float = 1.0,
) -> tuple[float, float]:
    """Likelihood-ratio interval of the log-parameter ``z[i]`` around the maximum ``z``.

    ``loglik_z`` is the total log-likelihood as a function of the log-parameters. The bounds
    are the roots of ``profile(v) - (max - chi2_1(level) / 2)`` on each side; ``profile(v)``
    maximises over the other log-parameters, warm-started on the line the Wald covariance
    ``cov`` predicts (so each inner fit takes a few steps). A side on which the likelihood
    never drops far enough before the parameter bound is open: ``-inf`` / ``+inf``.
    """
    k = z.size
    drop = stats.chi2.ppf(level, 1) / 2.0
    top = float(loglik_z(z))
    others = np.arange(k) != i
    lo_b = np.full(k - 1, -LOG_BOUND)
    hi_b = hi[others]
    slope = np.zeros(k - 1)
    step = 0.1
    if cov is not None and np.all(np.isfinite(cov)) and cov[i, i] > 0:
        slope = cov[others, i] / cov[i, i]
        step = float(np.sqrt(cov[i, i]))
    last = {1.0: z[others].copy(), -1.0: z[others].copy()}

    def profile(v: float, side: float) -> float:
        if k == 1:
            return float(loglik_z(np.array([v])))
        start = np.clip(last[side], lo_b, hi_b)
        guess = np.clip(z[others] + slope * (v - z[i]), lo_b, hi_b)

        def neg(w: np.ndarray) -> float:
            full = np.empty(k)
            full[i], full[others] = v, w
            val = loglik_z(full)
            return -val / scale if np.isfinite(val) else 1e300

        best = min((start, guess), key=neg)
        res = optimize.minimize(neg, best, method="L-BFGS-B",
                                bounds=list(zip(lo_b, hi_b, strict=True)),
                                options={"maxiter": 200, "ftol": 1e-12, "gtol": 1e-8})
        last[side] = res.x
        return -float(res.fun) * scale

    def gap(v: float, side: float) -> float:
        return profile(v, side) - (top - drop)

    out = []
    for side in (-1.0, 1.0):
        edge = -LOG_BOUND if side < 0 else float(hi[i])
        inner, d = float(z[i]), 1.5 * step
        outer = None
        while True:
            v = float(np.clip(z[i] + side * d, -LOG_BOUND, hi[i]))
            if gap(v, side) < 0:
                outer = v
                break
            inner = v
            if v == edge:
                break
            d *= 2.0
        if outer is None:
            out.append(-np.inf if side < 0 else np.inf)
            continue
        a, b = sorted((inner, outer))
        try:
            out.append(optimize.brentq(lambda vv, s=side: gap(vv, s), a, b, xtol=1e-5))
        except ValueError:  # a warm-started inner fit moved the sign at an end: keep the outer
            out.append(outer)
    return out[0], out[1]


def fit_mle(
    model: str,
    names: Sequence[str],
    loglik: Callable[[np.ndarray], float],
    starts: Sequence[Sequence[float]],
    *,
    n: float,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
    extra_starts: int = 1,
    upper: Sequence[float] | None = None,
    ci: str = "profile",
) -> FitResult:
    """Maximise ``loglik(params)`` (total over customers) from several starting points.

    ``starts`` are parameter vectors (natural scale); the optimiser (L-BFGS-B on the
    log-parameters) runs from the best of them and from ``extra_starts`` jittered copies of
    the best optimum (seeded ``rng``: fits are deterministic), then a few Newton steps polish.
    ``upper`` caps parameters (natural scale) where a model's likelihood goes flat towards a
    limit (e.g. Pareto/NBD with homogeneous lifetimes); a fit ending there is ``at_bound``.
    ``ci`` picks the interval (``CI_METHODS``; see the module doc).
    """
    if ci not in CI_METHODS:
        raise ValueError(f"ci: {ci!r} is not one of {', '.join(CI_METHODS)}")
    names = tuple(names)
    k = len(names)
    scale = max(float(n), 1.0)

    def neg(z: np.ndarray) -> float:
        v = loglik(np.exp(z))
        return -v / scale if np.isfinite(v) else 1e300

    hi = np.full(k, LOG_BOUND) if upper is None else np.minimum(np.log(upper), LOG_BOUND)
    bounds = [(-LOG_BOUND, float(h)) for h in hi]
    tried = [np.log(np.asarray(s, dtype=np.float64)) for s in starts]
    values = [neg(z) for z in tried]
    rng = rng or np.random.default_rng(20240101)
    order = np.argsort(values)
    # the best starting point, then jittered copies of the optimum it reaches: a local
    # optimum reached from one start is caught by the others
    runs = [tried[i] for i in order[:1]]
    best = None
    for i in range(len(runs) + extra_starts):
        z0 = runs[i] if i < len(runs) else best.x + rng.normal(0.0, 0.5, k)
        z0 = np.clip(z0, -LOG_BOUND + 0.5, hi - 0.5)
        res = optimize.minimize(neg, z0, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 300, "ftol": 1e-11, "gtol": 1e-7})
        if best is None or res.fun < best.fun - 1e-12:
            best = res
    assert best is not None
    z, fz = _newton_polish(neg, best.x, float(best.fun), hi)
    z = np.clip(z, -LOG_BOUND, hi)
    theta = np.exp(z)
    ll = float(loglik(theta))
    at_bound = tuple(nm for nm, zi, h in zip(names, z, hi, strict=True)
                     if zi < -LOG_BOUND + 0.05 or zi > h - 0.05)
    h = hessian(lambda zz: loglik(np.exp(zz)), z)
    se_log = np.full(k, np.nan)
    cov = None
    try:
        cov = np.linalg.inv(-h)
        d = np.diag(cov)
        ok = d > 0
        se_log[ok] = np.sqrt(d[ok])
    except np.linalg.LinAlgError:
        pass
    zq = stats.norm.ppf(0.5 + level / 2.0)
    with np.errstate(over="ignore"):  # an unidentified parameter gets an infinite upper bound
        ci_low, ci_high = np.exp(z - zq * se_log), np.exp(z + zq * se_log)
    if ci == "profile":
        def ll_z(zz: np.ndarray) -> float:
            return float(loglik(np.exp(zz)))

        bounds = [profile_interval(ll_z, z, j, level=level, hi=hi, cov=cov, scale=scale)
                  for j in range(k)]
        with np.errstate(over="ignore"):
            ci_low = np.exp([b[0] for b in bounds])
            ci_high = np.exp([b[1] for b in bounds])
    return FitResult(
        model=model,
        names=names,
        params=theta,
        se=theta * se_log,
        ci_low=ci_low,
        ci_high=ci_high,
        loglik=ll,
        n=float(n),
        level=level,
        ci_method=ci,
        converged=bool(best.success) or fz < float(best.fun),
        at_bound=at_bound,
        starts=len(runs) + extra_starts,
    )
