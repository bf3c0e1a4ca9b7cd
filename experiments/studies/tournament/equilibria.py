"""Nash equilibria of an empirical game and how often they survive a bootstrap.

- Two stores: every equilibrium, pure and mixed, by vertex enumeration (`nashpy`) on the mean
  payoff bimatrix, each candidate checked to be a pair of best responses within a tolerance.
  Each store's payoffs are rescaled to [0, 1] first (a positive affine map, which leaves the
  equilibria unchanged and keeps tolerances meaningful for payoffs in millions of yuan).
  Exact ties make a game degenerate; then equilibria can form continua of which only the
  extreme points are listed, which is flagged (``degenerate``).
- More than two stores: pure equilibria only, by checking every profile for a profitable
  unilateral deviation (no store can raise its mean payoff by switching policy alone). Mixed
  equilibria of n-player games need other solvers and are not computed.

Survival: the replications are resampled with replacement (the same draw for every profile, so
common random numbers stay paired), the equilibria of each resampled game are recomputed, and an
equilibrium survives a resample when one with the same supports is found again.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.studies.tournament.game import EmpiricalGame, bootstrap_indices
from sim.stats import t_interval

TOL = 1e-9


@dataclass(frozen=True)
class Equilibrium:
    """One equilibrium: each store's mixed strategy (probabilities over its own policies)."""

    strategies: tuple[tuple[float, ...], ...]

    @property
    def supports(self) -> tuple[tuple[int, ...], ...]:
        return tuple(
            tuple(int(j) for j in np.flatnonzero(np.asarray(s) > TOL)) for s in self.strategies
        )

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


def _best_on_support(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> bool:
    """Are x and y best responses to each other (within TOL, payoffs on the unit scale)?

    nashpy's own check compares maxima exactly, which rounding can break for a true
    equilibrium; a tolerance keeps the result the same under affine rescaling."""
    row, col = a @ y, x @ b
    on_r, on_c = x > TOL, y > TOL
    return bool(row[on_r].min() >= row.max() - TOL and col[on_c].min() >= col.max() - TOL)


def bimatrix_equilibria(a: np.ndarray, b: np.ndarray) -> tuple[list[Equilibrium], bool]:
    """All equilibria of the bimatrix game (a: row store, b: column store) and a degeneracy flag.

    nashpy's vertex enumeration (the vertices of both best-response polytopes), each candidate
    kept when both strategies are best responses to each other within a tolerance; weak pure
    equilibria of tied games are added by enumeration. Duplicates (rounded to 1e-6) are
    removed, pure ones first. A non-degenerate game has an odd number of equilibria; an even
    count, or exact ties, flag the game as degenerate.
    """
    import nashpy

    ua, ub = _unit(a), _unit(b)
    found: dict[tuple, Equilibrium] = {}
    if min(a.shape) == 1:  # a store with one policy: its rival's best responses are all
        candidates = []
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                candidates = list(nashpy.Game(ua + 1.0, ub + 1.0).vertex_enumeration())
        except Exception:  # noqa: BLE001 - qhull refuses some flat polytopes (ties)
            candidates = _support_candidates(ua, ub)
    for sigma_r, sigma_c in candidates:
        r = np.clip(np.asarray(sigma_r, float), 0, None)
        c = np.clip(np.asarray(sigma_c, float), 0, None)
        if r.sum() <= 0 or c.sum() <= 0:
            continue
        r, c = r / r.sum(), c / c.sum()
        r[r < TOL], c[c < TOL] = 0.0, 0.0
        if not _best_on_support(ua, ub, r, c):
            continue
        key = (tuple(np.round(r, 6)), tuple(np.round(c, 6)))
        found.setdefault(key, Equilibrium((tuple(r.tolist()), tuple(c.tolist()))))
    for i, j in pure_equilibria(np.stack([a, b])):  # weak pure equilibria of tied games
        r, c = np.eye(a.shape[0])[i], np.eye(a.shape[1])[j]
        found.setdefault((tuple(r), tuple(c)), Equilibrium((tuple(r.tolist()), tuple(c.tolist()))))
    eqs = sorted(found.values(), key=lambda e: (not e.pure, e.supports))
    return eqs, _is_degenerate(a, b) or len(eqs) % 2 == 0


def _support_candidates(a: np.ndarray, b: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Support enumeration over equal-size supports (the fallback when qhull cannot build the
    polytopes): the indifference solution of every support pair."""
    out = []
    for k in range(1, min(a.shape) + 1):
        for rows in itertools.combinations(range(a.shape[0]), k):
            for cols in itertools.combinations(range(a.shape[1]), k):
                y = _indifferent(a, rows, cols)
                x = _indifferent(b.T, cols, rows)
                if x is not None and y is not None:
                    out.append((x, y))
    return out


def _indifferent(m: np.ndarray, rows: tuple[int, ...], cols: tuple[int, ...]) -> np.ndarray | None:
    """The column mix on `cols` that makes the row store indifferent over `rows` (None when
    there is none with non-negative probabilities, or the supports differ in size)."""
    if len(rows) != len(cols):
        return None
    k = len(cols)
    lhs = np.zeros((k + 1, k + 1))
    lhs[:k, :k] = m[np.ix_(rows, cols)]
    lhs[:k, k] = -1.0
    lhs[k, :k] = 1.0
    rhs = np.zeros(k + 1)
    rhs[k] = 1.0
    try:
        sol = np.linalg.solve(lhs, rhs)
    except np.linalg.LinAlgError:
        return None
    if sol[:k].min() < -TOL:
        return None
    out = np.zeros(m.shape[1])
    out[list(cols)] = np.clip(sol[:k], 0, None)
    return out / out.sum()


def equilibria(game: EmpiricalGame) -> tuple[list[Equilibrium], bool]:
    """Equilibria of the mean game: all (two stores) or pure only (more stores)."""
    means = game.means()
    if game.n_players == 2:
        return bimatrix_equilibria(means[0], means[1])
    eqs = []
    for profile in pure_equilibria(means):
        eqs.append(
            Equilibrium(
                tuple(
                    tuple(np.eye(k)[s].tolist()) for k, s in zip(game.shape, profile, strict=True)
                )
            )
        )
    return eqs, False


def holds(means: np.ndarray, supports: tuple[tuple[int, ...], ...]) -> bool:
    """Does the game with mean payoffs `means` have an equilibrium with these supports?

    Pure supports: no store gains by deviating alone. Two stores with mixed supports: the
    indifference equations on the supports have a non-negative solution that is a pair of best
    responses (the support-enumeration step, for this one support pair).
    """
    if all(len(s) == 1 for s in supports):
        profile = tuple(s[0] for s in supports)
        return profile in set(pure_equilibria(means))
    if means.shape[0] != 2:
        return False
    a, b = _unit(means[0]), _unit(means[1])
    rows, cols = supports
    y = _indifferent(a, rows, cols)
    x = _indifferent(b.T, cols, rows)
    if x is None or y is None:
        return False
    return _best_on_support(a, b, x, y)


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
    method = "vertex enumeration (nashpy)" if game.n_players == 2 else "unilateral deviations"
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
    columns = [
        "equilibrium",
        "kind",
        "profile",
        "store",
        "role",
        "policy",
        "probability",
        "payoff_mean",
        "payoff_ci_low",
        "payoff_ci_high",
        "survival",
        "degenerate",
        "method",
    ]
    return pd.DataFrame(rows, columns=columns)


def _mix_text(names: tuple[str, ...], probs: tuple[float, ...]) -> str:
    parts = [(names[j], p) for j, p in enumerate(probs) if p > TOL]
    if len(parts) == 1:
        return parts[0][0]
    return " + ".join(f"{p:.0%} {n}" for n, p in parts)
