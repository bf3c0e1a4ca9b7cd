"""`run_design`: search, re-evaluate the winners on fresh seeds, choose, and tabulate.

    from experiments.studies.design import make_design_plan, run_design
    plan = make_design_plan({"policy": "gift_budget", "trials": 40}, market=my_market)
    result = run_design(plan, "out/design")        # resumable: run it again after a kill
    result.best["values"], result.trials, result.front

The chosen setting is the re-evaluated candidate with the highest profit on fresh seeds (with
two objectives: among front members that do not lose retention on fresh seeds, when any).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.engine.specs import RunSpec
from experiments.studies.design.evaluate import (
    BASELINE,
    SHIPPED,
    Outcome,
    outcomes,
    paired,
    scenarios,
    trial_specs,
)
from experiments.studies.design.plan import DesignPlan
from experiments.studies.design.search import DesignResult, Runner, _entries, reported, search
from sim.errors import ConfigError


def engine_runner(
    progress: bool = False, tally: dict[str, float] | None = None, **engine: Any
) -> Runner:
    """A `Runner` over the study engine (executor, workers, run store, fresh ...); `tally`
    counts the runs computed and reused from the store."""
    from experiments.engine.study import run_study

    fresh = bool(engine.pop("fresh", False))
    recomputed: set[str] = set()

    def run(specs: Sequence[RunSpec]) -> pd.DataFrame:
        specs = list(specs)
        if fresh:  # recompute each run once in this study, then read it back like any other
            todo = [s for s in specs if s.key not in recomputed]
            if todo:
                done = run_study(todo, progress=progress, desc="design runs", fresh=True, **engine)
                recomputed.update(done.keys)
                if tally is not None:
                    tally["computed"] = tally.get("computed", 0) + done.computed
        res = run_study(specs, progress=progress, desc="design runs", **engine)
        if tally is not None:
            tally["computed"] = tally.get("computed", 0) + res.computed
            tally["reused"] = tally.get("reused", 0) + res.reused
        return res.runs

    return run


def _trials_frame(study: Any, plan: DesignPlan) -> pd.DataFrame:
    from optuna.trial import TrialState

    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state not in (TrialState.COMPLETE, TrialState.FAIL):
            continue
        row: dict[str, Any] = {"trial": t.number, "state": t.state.name.lower()}
        row |= {d.key: t.params.get(d.key) for d in plan.space}
        for name in ("profit", "retention"):
            for stat in ("mean", "low", "high"):
                row[f"{name}_{stat}"] = t.user_attrs.get(f"{name}_{stat}", np.nan)
        row["error"] = t.user_attrs.get("error", "")
        rows.append(row)
    return pd.DataFrame(rows).sort_values("trial").reset_index(drop=True)


def _with_money(trials: pd.DataFrame, plan: DesignPlan) -> pd.DataFrame:
    """Each money lever also in the store's currency (`<lever>_money`), as the report shows it."""
    from experiments.studies.design.space import money_value

    for d in plan.space:
        if d.lever.basis and money_value(d, 1.0, plan.market.profile) is not None:
            trials[f"{d.key}_money"] = trials[d.key].astype(float) * money_value(
                d, 1.0, plan.market.profile
            )
    return trials


def _pareto(frame: pd.DataFrame) -> np.ndarray:
    """Rows of `frame` not dominated in (profit_mean, retention_mean), both maximised."""
    pts = frame[["profit_mean", "retention_mean"]].to_numpy(dtype=float)
    keep = np.ones(len(pts), dtype=bool)
    for i, p in enumerate(pts):
        if np.isnan(p).any():
            keep[i] = False
            continue
        dominated = np.all(pts >= p, axis=1) & np.any(pts > p, axis=1)
        keep[i] = not dominated.any()
    return keep


def _candidates(trials: pd.DataFrame, plan: DesignPlan) -> list[int]:
    ok = trials[trials["state"] == "complete"]
    if plan.multi:
        return [int(n) for n in ok[_pareto(ok)]["trial"]]
    top = ok.sort_values(["profit_mean", "trial"], ascending=[False, True])
    return [int(n) for n in top["trial"].head(plan.reevaluate_top)]


def _attach(frame: pd.DataFrame, res: dict[int, Outcome], prefix: str) -> pd.DataFrame:
    for kpi in ("profit", "retention"):
        for stat, pick in (("mean", 0), ("low", 1), ("high", 2)):
            col = f"{prefix}{kpi}_{stat}"
            frame[col] = [
                (getattr(res[n], kpi)[pick] if n in res and getattr(res[n], kpi) else np.nan)
                for n in frame["trial"]
            ]
    return frame


def run_design(
    plan: DesignPlan,
    outdir: str | Path,
    run: Runner | None = None,
    *,
    fresh: bool = False,
    progress: bool = True,
) -> DesignResult:
    """Search (or resume), re-evaluate the winners on fresh seeds, choose the setting."""
    run = run or engine_runner()
    study, resumed = search(plan, Path(outdir), run, fresh=fresh, progress=progress)
    trials = _with_money(_trials_frame(study, plan), plan)
    cands = _candidates(trials, plan)
    if not cands:  # every combination tried was refused by the policy: nothing to choose from
        refused = [e for e in trials["error"] if e]  # "" for a trial the policy accepted
        why = f" (the first: {refused[0]})" if refused else ""
        raise ConfigError("levers", f"no trial completed{why}; narrow the levers' ranges")
    scens = scenarios(plan, fresh=True)
    seeds = plan.fresh_seeds
    specs = trial_specs(BASELINE, plan.baseline_entries, seeds, scens)
    specs += trial_specs(SHIPPED, plan.entries, seeds, scens)
    keys = [d.key for d in plan.space]
    params = {int(n): row for n, row in trials.set_index("trial")[keys].to_dict("index").items()}
    for n in cands:
        specs += trial_specs(n, _entries(plan, params[n]), seeds, scens)
    fresh_runs = run(specs)
    fresh_out = outcomes(
        fresh_runs,
        [*cands, SHIPPED],
        years=float(plan.market.years),
        objectives=reported(plan),
        robust=plan.robust,
        level=plan.level,
    )
    trials = _attach(trials, fresh_out, "fresh_")
    trials["reevaluated"] = trials["trial"].isin(cands)
    trials["on_front"] = _pareto(trials)
    front = trials[trials["reevaluated"]].copy()
    front["profit_drop"] = front["profit_mean"] - front["fresh_profit_mean"]
    best_n = _choose(front, plan)
    best = {
        "trial": best_n,
        "values": params[best_n],
        "entries": list(_entries(plan, params[best_n])),
        "outcome": fresh_out[best_n],
        "search_profit": float(front.set_index("trial").loc[best_n, "profit_mean"]),
        "vs_shipped": paired(
            fresh_runs, best_n, SHIPPED, years=float(plan.market.years), level=plan.level
        ),
    }
    return DesignResult(
        plan, trials, front.reset_index(drop=True), best, fresh_out[SHIPPED], resumed
    )


def _choose(front: pd.DataFrame, plan: DesignPlan) -> int:
    pool = front
    if plan.multi:
        keeps = front[front["fresh_retention_mean"] >= 0]
        pool = keeps if len(keeps) else front
    top = pool.sort_values(["fresh_profit_mean", "trial"], ascending=[False, True])
    return int(top["trial"].iloc[0])
