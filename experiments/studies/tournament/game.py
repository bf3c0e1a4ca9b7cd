"""The empirical game of a tournament: who plays, what each may choose, what each earned.

An `EmpiricalGame` holds one payoff per store, per strategy profile and per replication in a
single array ``payoffs[player, s_0, ..., s_{n-1}, r]``. Replication r of every profile ran with
the same seed (common random numbers), so position r is comparable across profiles: differences
are paired, and a bootstrap resamples whole replications (the same r for every profile) to keep
that pairing.

Pure functions of NumPy arrays; nothing here runs a simulation.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.stats import t_interval


@dataclass(frozen=True)
class EmpiricalGame:
    """Payoffs of an n-store game estimated from simulated replications.

    Attributes:
        players: store ids, the focal store first.
        strategies: each player's policy names, in the order of its payoff axis.
        payoffs: shape ``(n_players, k_0, ..., k_{n-1}, replications)``.
        kpi: what the payoff measures (e.g. "profit").
    """

    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: np.ndarray
    kpi: str = "profit"

    def __post_init__(self) -> None:
        shape = (len(self.players), *(len(s) for s in self.strategies))
        if len(self.players) != len(self.strategies):
            raise ValueError("one strategy list per player is needed")
        if self.payoffs.ndim != len(shape) + 1 or self.payoffs.shape[:-1] != shape:
            raise ValueError(
                f"payoffs must have shape {shape} + (replications,), got {self.payoffs.shape}"
            )
        if self.payoffs.shape[-1] < 1:
            raise ValueError("at least one replication is needed")

    # ------------------------------------------------------------------ shape
    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def shape(self) -> tuple[int, ...]:
        """Strategies per player."""
        return tuple(len(s) for s in self.strategies)

    @property
    def replications(self) -> int:
        return int(self.payoffs.shape[-1])

    def profiles(self) -> Iterator[tuple[int, ...]]:
        """Every strategy profile as a tuple of strategy indices (row-major order)."""
        return itertools.product(*(range(k) for k in self.shape))

    def names(self, profile: Sequence[int]) -> tuple[str, ...]:
        return tuple(self.strategies[i][s] for i, s in enumerate(profile))

    # ------------------------------------------------------------------ estimates
    def means(self) -> np.ndarray:
        """Mean payoff over replications, shape ``(n_players, k_0, ..., k_{n-1})``."""
        return self.payoffs.mean(axis=-1)

    def resample(self, idx: np.ndarray) -> EmpiricalGame:
        """The same game built from replications `idx` (a bootstrap draw keeps CRN pairs)."""
        return EmpiricalGame(self.players, self.strategies, self.payoffs[..., idx], self.kpi)

    def own_axis(self, player: int, others: Sequence[int]) -> np.ndarray:
        """Player's payoffs over its own strategies when the others play `others`.

        `others` holds one strategy index per other player, in player order. Returns shape
        ``(k_player, replications)``.
        """
        index: list[int | slice] = list(others)
        index.insert(player, slice(None))
        return self.payoffs[(player, *index)]

    def others_profiles(self, player: int) -> Iterator[tuple[int, ...]]:
        """Every combination of the other players' strategy indices."""
        sizes = [k for i, k in enumerate(self.shape) if i != player]
        return itertools.product(*(range(k) for k in sizes))


def bootstrap_indices(replications: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """``(n_boot, replications)`` resamples of replication indices, with replacement."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, replications, size=(n_boot, replications))


def profile_label(names: Sequence[str], sep: str = " | ") -> str:
    """A profile as text, the focal store's policy first: ``"none | promotions"``."""
    return sep.join(names)


def policy_column(store: str) -> str:
    """The tidy column holding a store's policy in a profile."""
    return f"policy_{store}"


def payoff_table(
    game: EmpiricalGame,
    extra: dict[str, np.ndarray] | None = None,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Tidy payoffs: one row per profile x store x KPI with mean and t-interval over replications.

    `extra` adds other per-store KPIs of the same shape as ``game.payoffs`` (e.g. retention).
    ``diagonal`` marks profiles where every store runs the same policy ("the rival copies me").
    """
    kpis = {game.kpi: game.payoffs, **(extra or {})}
    rows = []
    for profile in game.profiles():
        names = game.names(profile)
        head = {
            "profile": profile_label(names),
            **{policy_column(p): n for p, n in zip(game.players, names, strict=True)},
            "diagonal": len(set(names)) == 1,
        }
        for i, store in enumerate(game.players):
            for kpi, arr in kpis.items():
                est = t_interval(arr[(i, *profile)], level)
                rows.append(
                    {
                        **head,
                        "store": store,
                        "role": "focal" if i == 0 else "rival",
                        "kpi": kpi,
                        "mean": est.mean,
                        "ci_low": est.low,
                        "ci_high": est.high,
                        "n": est.n,
                    }
                )
    return pd.DataFrame(rows)


def profile_kpi_table(
    game: EmpiricalGame, values: dict[str, np.ndarray], *, level: float = 0.95
) -> pd.DataFrame:
    """Market-wide KPIs per profile (arrays of shape ``(k_0, ..., k_{n-1}, replications)``)."""
    rows = []
    for profile in game.profiles():
        names = game.names(profile)
        for kpi, arr in values.items():
            est = t_interval(arr[profile], level)
            rows.append(
                {
                    "profile": profile_label(names),
                    **{policy_column(p): n for p, n in zip(game.players, names, strict=True)},
                    "diagonal": len(set(names)) == 1,
                    "kpi": kpi,
                    "mean": est.mean,
                    "ci_low": est.low,
                    "ci_high": est.high,
                    "n": est.n,
                }
            )
    return pd.DataFrame(rows)
