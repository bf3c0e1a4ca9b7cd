"""Maximum likelihood on grouped RFM rows: several starts, log-parameter space, Hessian CIs.

Every customer-base model here has strictly positive parameters, so the optimiser works on
their logarithms (no bounds to hit at 0, and the log-likelihood surface is much rounder there).
Standard errors come from the observed information: the Hessian of the log-likelihood in log
space, by central finite differences, inverted; the delta method carries them back
(``se(theta) = theta * se(log theta)``) and the 95% interval is ``exp(log theta +- 1.96 se)``,
which stays positive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

__all__ = ["FitResult", "fit_mle", "hessian"]

#: Log-parameters live in [-LOG_BOUND, LOG_BOUND] (e^12 ~ 1.6e5): wide enough for any retail
#: log measured in weeks, narrow enough that the likelihood never overflows. A fit ending on
#: this bound is flagged (``at_bound``).
LOG_BOUND = 12.0


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
) -> FitResult:
    """Maximise ``loglik(params)`` (total over customers) from several starting points.

    ``starts`` are parameter vectors (natural scale); the optimiser (L-BFGS-B on the
    log-parameters) runs from the best of them and from ``extra_starts`` jittered copies of
    the best optimum (seeded ``rng``: fits are deterministic), then a few Newton steps polish.
    ``upper`` caps parameters (natural scale) where a model's likelihood goes flat towards a
    limit (e.g. Pareto/NBD with homogeneous lifetimes); a fit ending there is ``at_bound``.
    """
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
        converged=bool(best.success) or fz < float(best.fun),
        at_bound=at_bound,
        starts=len(runs) + extra_starts,
    )
