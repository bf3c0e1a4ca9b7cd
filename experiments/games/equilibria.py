"""Nash equilibria of an empirical game and how often they survive a bootstrap.

- Two stores: every equilibrium, pure and mixed, by support enumeration (`nashpy`) on the mean
  payoff bimatrix. Each store's payoffs are rescaled to [0, 1] first (a positive affine map,
  which leaves the equilibria unchanged and keeps nashpy's tolerances meaningful for payoffs in
  millions of yuan). Exact ties make a game degenerate; then support enumeration can miss
  equilibria or return a continuum's vertices, which is flagged (``degenerate``).
- More than two stores: pure equilibria only, by checking every profile for a profitable
  unilateral deviation (no store can raise its mean payoff by switching policy alone). Mixed
  equilibria of n-player games need other solvers and are not computed.

Survival: the replications are resampled with replacement (the same draw for every profile, so
common random numbers stay paired), the equilibria of each resampled game are recomputed, and an
equilibrium survives a resample when one with the same supports is found again.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.games.game import EmpiricalGame, bootstrap_indices
from sim.stats import t_interval

TOL = 1e-9


@dataclass(frozen=True)
class Equilibrium:
    """One equilibrium: each store's mixed strategy (probabilities over its own policies)."""

    strategies: tuple[tuple[float, ...], ...]

    @property
    def supports(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(j) for j in np.flatnonzero(np.asarray(s) > TOL))
                     for s in self.strategies)

    @property
    def pure(self) -> bool:
        return all(len(s) == 1 for s in self.supports)


def pure_equilibria(means: np.ndarray) -> list[tuple[int, ...]]:
    """Profiles where no store gains by deviating alone (any number of stores).

    `means` has shape ``(n_players, k_0, ..., k_{n-1})``. Ties count as no gain (weak
    equilibria are kept).
    """
    n = means.shape[0]
    stable = np.ones(means.shape[1:], dtype=bool)
    for i in range(n):
        own = means[i]
        tol = TOL * max(1.0, float(np.abs(own).max()))
        stable &= own >= own.max(axis=i, keepdims=True) - tol
    return [tuple(int(v) for v in idx) for idx in np.argwhere(stable)]


def _unit(m: np.ndarray) -> np.ndarray:
    span = float(m.max() - m.min())
    return (m - m.min()) / span if span > 0 else np.zeros_like(m)


def _is_degenerate(a: np.ndarray, b: np.ndarray) -> bool:
    """Exact ties in a best-response column/row (the common cause of degeneracy here)."""
    for m, axis in ((a, 0), (b, 1)):
        top = m.max(axis=axis, keepdims=True)
        if ((m >= top - TOL).sum(axis=axis) > 1).any():
            return True
    return False


def bimatrix_equilibria(a: np.ndarray, b: np.ndarray) -> tuple[list[Equilibrium], bool]:
    """All equilibria of the bimatrix game (a: row store, b: column store) and a degeneracy flag.

    Support enumeration (nashpy); duplicates (rounded to 1e-6) are removed, pure ones first.
    """
    import nashpy

    degenerate = _is_degenerate(a, b)
    game = nashpy.Game(_unit(a), _unit(b))
    found: dict[tuple, Equilibrium] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for sigma_r, sigma_c in game.support_enumeration(tol=TOL):
            r = np.clip(np.asarray(sigma_r, float), 0, None)
            c = np.clip(np.asarray(sigma_c, float), 0, None)
            r, c = r / r.sum(), c / c.sum()
            key = (tuple(np.round(r, 6)), tuple(np.round(c, 6)))
            found.setdefault(key, Equilibrium((tuple(r.tolist()), tuple(c.tolist()))))
    degenerate = degenerate or any("degenerate" in str(w.message) for w in caught)
    # support enumeration finds every pure equilibrium in non-degenerate games; in degenerate
    # ones add the pure profiles it may have skipped
    for i, j in pure_equilibria(np.stack([a, b])):
        r = np.eye(a.shape[0])[i]
        c = np.eye(a.shape[1])[j]
        key = (tuple(r), tuple(c))
        found.setdefault(key, Equilibrium((tuple(r.tolist()), tuple(c.tolist()))))
    eqs = sorted(found.values(), key=lambda e: (not e.pure, e.supports))
    return eqs, degenerate


def equilibria(game: EmpiricalGame) -> tuple[list[Equilibrium], bool]:
    """Equilibria of the mean game: all (two stores) or pure only (more stores)."""
    means = game.means()
    if game.n_players == 2:
        return bimatrix_equilibria(means[0], means[1])
    eqs = []
    for profile in pure_equilibria(means):
        eqs.append(Equilibrium(tuple(tuple(np.eye(k)[s].tolist())
                                     for k, s in zip(game.shape, profile, strict=True))))
    return eqs, False


def holds(means: np.ndarray, supports: tuple[tuple[int, ...], ...]) -> bool:
    """Does the game with mean payoffs `means` have an equilibrium with these supports?

    Pure supports: no store gains by deviating alone. Two stores with mixed supports: the
    indifference equations on the supports have a solution with full support that is a pair of
    best responses (nashpy's own support-enumeration steps, for one support pair only).
    """
    if all(len(s) == 1 for s in supports):
        profile = tuple(s[0] for s in supports)
        return profile in set(pure_equilibria(means))
    if means.shape[0] != 2:
        return False
    from nashpy.algorithms.support_enumeration import is_ne, obey_support, solve_indifference

    a, b = _unit(means[0]), _unit(means[1])
    rows, cols = supports
    x = solve_indifference(b.T, cols, rows)
    y = solve_indifference(a, rows, cols)
    if not (obey_support(x, np.array(rows), TOL) and obey_support(y, np.array(cols), TOL)):
        return False
    return bool(is_ne((x, y), (np.array(rows), np.array(cols)), (a, b)))


def survival(
    game: EmpiricalGame, found: list[Equilibrium], *, n_boot: int = 1000, seed: int = 0
) -> list[float]:
    """Share of bootstrap resamples of the replications in which each equilibrium holds again
    (an equilibrium with the same supports exists in the resampled mean game)."""
    if not found or n_boot == 0:
        return [np.nan] * len(found)
    hits = np.zeros(len(found))
    for idx in bootstrap_indices(game.replications, n_boot, seed):
        means = game.payoffs[..., idx].mean(axis=-1)
        hits += [holds(means, e.supports) for e in found]
    return (hits / n_boot).tolist()


def expected_payoffs(game: EmpiricalGame, eq: Equilibrium) -> np.ndarray:
    """Each store's expected payoff per replication under the equilibrium: ``(n, R)``."""
    out = game.payoffs
    for probs in eq.strategies:  # contract each store's strategy axis in turn (always axis 1)
        out = np.tensordot(out, np.asarray(probs), axes=([1], [0]))
    return out


def equilibrium_table(
    game: EmpiricalGame, *, level: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Tidy equilibria: one row per equilibrium x store x policy played with positive probability.

    Columns: ``equilibrium`` (1, 2, ...), ``kind`` (pure | mixed), ``profile`` (text),
    ``store``, ``role``, ``policy``, ``probability``, the store's expected payoff with its
    t-interval over replications (``payoff_mean``, ``payoff_ci_low``, ``payoff_ci_high``),
    ``survival`` (bootstrap share), ``degenerate``, ``method``.
    """
    found, degenerate = equilibria(game)
    shares = survival(game, found, n_boot=n_boot, seed=seed)
    method = "support enumeration (nashpy)" if game.n_players == 2 else "unilateral deviations"
    rows = []
    for k, (eq, share) in enumerate(zip(found, shares, strict=True), start=1):
        pay = expected_payoffs(game, eq)
        text = " | ".join(_mix_text(game.strategies[i], p) for i, p in enumerate(eq.strategies))
        for i, store in enumerate(game.players):
            est = t_interval(pay[i], level)
            for j in eq.supports[i]:
                rows.append(
                    {
                        "equilibrium": k,
                        "kind": "pure" if eq.pure else "mixed",
                        "profile": text,
                        "store": store,
                        "role": "focal" if i == 0 else "rival",
                        "policy": game.strategies[i][j],
                        "probability": float(eq.strategies[i][j]),
                        "payoff_mean": est.mean,
                        "payoff_ci_low": est.low,
                        "payoff_ci_high": est.high,
                        "survival": share,
                        "degenerate": degenerate,
                        "method": method,
                    }
                )
    columns = ["equilibrium", "kind", "profile", "store", "role", "policy", "probability",
               "payoff_mean", "payoff_ci_low", "payoff_ci_high", "survival", "degenerate",
               "method"]
    return pd.DataFrame(rows, columns=columns)


def _mix_text(names: tuple[str, ...], probs: tuple[float, ...]) -> str:
    parts = [(names[j], p) for j, p in enumerate(probs) if p > TOL]
    if len(parts) == 1:
        return parts[0][0]
    return " + ".join(f"{p:.0%} {n}" for n, p in parts)
