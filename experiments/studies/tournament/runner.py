"""A tournament's run specs, and its analysis: the engine's tidy frames -> an empirical game.

Every strategy profile x replication is one `RunSpec`: the rivals' policies go into the market
(`with_store_policies`), the focal store's into ``RunSpec.policies``, and replication r uses seed
``base_seed + r`` for every profile (common random numbers). `run_study` keeps each finished run
in its run store, so an interrupted tournament resumes where it stopped, on any executor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.studies.base import Result
from experiments.studies.tournament.equilibria import equilibrium_table
from experiments.studies.tournament.game import (
    EmpiricalGame,
    payoff_table,
    policy_column,
    profile_kpi_table,
    profile_label,
)
from experiments.studies.tournament.plan import TournamentPlan
from experiments.studies.tournament.responses import best_responses, copy_diagonal

MARKET_KPIS = ("category_profit", "customers_lost")
"""Market-wide figures per profile (the engine's `market` frame)."""
SIDE_KPIS = ("retention",)
"""Per-store KPIs reported next to the payoff."""


def run_specs(plan: TournamentPlan) -> list[Any]:
    """One `RunSpec` per profile x replication, profiles in row-major order."""
    from experiments.engine import RunSpec, with_store_policies

    focal = plan.players[0]
    specs = []
    for profile in plan.profiles():
        rivals = {
            p.store: p.entries[name] for p, name in zip(plan.players[1:], profile[1:], strict=True)
        }
        market = with_store_policies(plan.market, rivals)
        labels_head = {
            "profile": profile_label(profile),
            **{policy_column(p.store): n for p, n in zip(plan.players, profile, strict=True)},
        }
        for r, seed in enumerate(plan.seeds):
            specs.append(
                RunSpec(
                    market=market,
                    policies=focal.entries[profile[0]],
                    seed=seed,
                    labels={**labels_head, "replication": r},
                )
            )
    return specs


def _array(
    frame: pd.DataFrame, plan: TournamentPlan, kpi: str, stores: tuple[str, ...]
) -> np.ndarray:
    """KPI values as ``(n_stores, k_0, ..., k_{n-1}, R)`` from a frame with profile labels."""
    shape = tuple(len(s) for s in plan.strategies)
    out = np.full((len(stores), *shape, plan.replications), np.nan)
    index = {
        profile_label(names): idx
        for idx, names in zip(np.ndindex(*shape), plan.profiles(), strict=True)
    }
    if "store_id" in frame.columns:
        frame = frame[frame["store_id"].isin(stores)]
        rows = frame["store_id"].map(stores.index).to_numpy()
    else:
        rows = np.zeros(len(frame), dtype=int)
    cells = np.array([index[p] for p in frame["profile"]], dtype=int).reshape(len(frame), -1)
    reps = frame["replication"].to_numpy(dtype=int)
    out[(rows, *cells.T, reps)] = frame[kpi].to_numpy(dtype=float)
    return out


def game_from_frames(plan: TournamentPlan, stores_frame: pd.DataFrame) -> EmpiricalGame:
    """The empirical game of the payoff KPI from the engine's `stores` frame."""
    frame = stores_frame[stores_frame["store_id"].isin(plan.stores)]
    payoffs = _array(frame, plan, plan.payoff, plan.stores)
    if np.isnan(payoffs).all():
        raise ValueError(f"no {plan.payoff!r} values for the players")
    return EmpiricalGame(plan.stores, plan.strategies, payoffs, plan.payoff)


@dataclass
class TournamentAnalysis:
    """The empirical game and its tidy tables (what the CSVs, figures and report show)."""

    game: EmpiricalGame
    payoffs: pd.DataFrame
    best_responses: pd.DataFrame
    equilibria: pd.DataFrame
    diagonal: pd.DataFrame
    market: pd.DataFrame
    stores: pd.DataFrame


class TournamentResult(Result):
    """A finished tournament: plan, the engine's frames (None for an analysis of given frames)
    and the analysis, whose parts it names; run counters come from the frames."""

    def __getattr__(self, name: str) -> Any:
        if name in TournamentAnalysis.__dataclass_fields__:
            return getattr(self.analysis, name)
        raise AttributeError(name)

    @property
    def reused(self) -> int:
        return int(self.frames.reused) if self.frames is not None else 0

    @property
    def computed(self) -> int:
        return int(self.frames.computed) if self.frames is not None else 0

    @property
    def wall_seconds(self) -> float:
        return float(self.frames.wall_seconds) if self.frames is not None else 0.0


def analyse_frames(
    plan: TournamentPlan,
    stores_frame: pd.DataFrame,
    market_frame: pd.DataFrame | None = None,
    *,
    seed: int = 0,
) -> TournamentAnalysis:
    """Payoff table, best responses, equilibria (with bootstrap survival), the copy diagonal and
    the market view, from the engine's frames."""
    game = game_from_frames(plan, stores_frame)
    frame = stores_frame[stores_frame["store_id"].isin(plan.stores)]
    extra = {
        k: _array(frame, plan, k, plan.stores)
        for k in SIDE_KPIS
        if k in frame.columns and k != plan.payoff
    }
    payoffs = payoff_table(game, extra, level=plan.level)
    market = pd.DataFrame()
    if market_frame is not None and len(market_frame):
        kpis = [k for k in MARKET_KPIS if k in market_frame.columns]
        values = {k: _array(market_frame, plan, k, ("",))[0] for k in kpis}
        market = profile_kpi_table(game, values, level=plan.level)
    return TournamentAnalysis(
        game=game,
        payoffs=payoffs,
        best_responses=best_responses(game, level=plan.level, n_boot=plan.n_boot, seed=seed),
        equilibria=equilibrium_table(game, level=plan.level, n_boot=plan.n_boot, seed=seed),
        diagonal=copy_diagonal(game, level=plan.level, n_boot=plan.n_boot, seed=seed),
        market=market,
        stores=stores_frame,
    )


def analyse(
    plan: TournamentPlan,
    stores_frame: pd.DataFrame,
    market_frame: pd.DataFrame | None = None,
    *,
    seed: int = 0,
) -> TournamentResult:
    """The analysis of given frames (no simulation), as a result without run counters."""
    return TournamentResult(plan, None, analyse_frames(plan, stores_frame, market_frame, seed=seed))
