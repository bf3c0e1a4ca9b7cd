"""The tournament report's opening sentence: what your store should run, what it earns a year
over your first policy (doing nothing, usually) in the store's money, and how sure.

Which choice: your dominant policy if you have one (best whatever the rivals do), else your
policy in the first pure equilibrium (where the competition settles), else your best answer to
the rivals' first policies. The gain is paired per replication (common random numbers) against
your first policy (the next best one when the answer is your first) with the rivals playing the
same; how sure is the share of bootstrap resamples
in which it stays your best answer there. A gain whose range includes no difference opens with
"no clear answer yet", not "Do:".
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from experiments.analysis.statistics import RATE_KPIS
from experiments.report.blocks import money, number, percent
from experiments.report.provenance import meta_size
from experiments.report.vocab import in_money
from experiments.studies.tournament.game import EmpiricalGame, policy_column
from experiments.studies.tournament.vocab import REPORT_TEXT as T
from experiments.studies.tournament.vocab import store_label
from sim.stats import paired_difference


def _context(
    game: EmpiricalGame, equilibria: pd.DataFrame, dominant: str | None
) -> tuple[int, tuple[int, ...], str]:
    """(your policy index, the rivals' policy indices, which case)."""
    rivals_first = tuple(0 for _ in game.players[1:])
    pure = equilibria[equilibria["kind"] == "pure"] if len(equilibria) else equilibria
    eq_rivals, eq_mine = rivals_first, None
    if len(pure):
        eq = pure[pure["equilibrium"] == pure["equilibrium"].iloc[0]]
        picks = {r["store"]: r["policy"] for _, r in eq.iterrows()}
        eq_mine = game.strategies[0].index(picks[game.players[0]])
        eq_rivals = tuple(
            game.strategies[j].index(picks[s]) for j, s in enumerate(game.players) if j > 0
        )
    if dominant:
        return game.strategies[0].index(dominant), eq_rivals, "dominant"
    if eq_mine is not None:
        return eq_mine, eq_rivals, "equilibrium"
    values = game.own_axis(0, rivals_first).mean(axis=1)
    return int(np.argmax(values)), rivals_first, "response"


def answer(
    game: EmpiricalGame,
    best_responses: pd.DataFrame,
    equilibria: pd.DataFrame,
    meta: Mapping[str, Any],
    labels: Mapping[str, str],
    lang: str,
    symbol: str = "¥",
    currency: str = "CNY",
) -> str:
    """The opening sentence as HTML (names escaped)."""
    t = in_money(T[lang], symbol, currency)
    focal = game.players[0]
    dominant = (meta.get("dominant") or {}).get(focal)
    mine, rivals, case = _context(game, equilibria, dominant)
    values = game.own_axis(0, rivals)
    base = 0  # your first policy; when that is the answer, the next best instead
    if mine == 0 and values.shape[0] > 1:
        base = 1 + int(np.argmax(values[1:].mean(axis=1)))
    diff = paired_difference(values[mine], values[base], float(meta.get("level", 0.95)))
    years = max(float(meta.get("years") or 1), 1e-9)
    kpi = game.kpi

    def fmt(v: float) -> str:
        if kpi in RATE_KPIS:
            return t["pp"].format(v=number(100 * v, digits=1, signed=True))
        return money(v / years, signed=True, symbol=symbol, na=t["na"])

    rows = best_responses[best_responses["store"] == focal]
    for j, s in enumerate(game.players[1:], start=1):
        rows = rows[rows[policy_column(s)] == game.strategies[j][rivals[j - 1]]]
    share = float(rows["share_bootstrap"].iloc[0]) if len(rows) else np.nan
    if not np.isfinite(share) and len(rows):
        share = float(rows["share_replications"].iloc[0])
    e = html.escape

    def lab(p: str) -> str:
        return e(labels.get(p, p))

    context = t["and"].join(
        t["against"].format(
            store=e(store_label(s, lang)), policy=lab(game.strategies[j][rivals[j - 1]])
        )
        for j, s in enumerate(game.players[1:], start=1)
    )
    rival_names = t["and"].join(e(store_label(s, lang)) for s in game.players[1:])
    many = len(game.players) > 2
    fill = {
        "best": lab(game.strategies[0][mine]),
        "base": lab(game.strategies[0][base]),
        "rivals": rival_names,
        "does": "do" if many else "does",
        "context": context,
        "gain": t["gain_rate" if kpi in RATE_KPIS else "gain_money"].format(
            diff=fmt(diff.mean),
            lo=fmt(diff.low),
            hi=fmt(diff.high),
            base=lab(game.strategies[0][base]),
        ),
        "share": percent(share, na=t["na"]),
        "customers": meta_size(meta, lang),
    }
    if not diff.low > 0:  # not clearly ahead of the policy it is measured against: no "Do:"
        where = t[f"where_{case}"].format(**fill)
        when = t["when_dominant"].format(**fill) if case == "dominant" else ""
        return t["answer_unclear"].format(**fill, where=where, when=when)
    return t[f"answer_{case}"].format(**fill)
