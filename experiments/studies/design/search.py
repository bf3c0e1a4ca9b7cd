"""The search: Optuna asks for lever values, the engine simulates them, Optuna is told.

The Optuna study lives in a journal file in the output directory, and every simulation in the
run store, so a killed search started again finds both: trials it had asked for but not yet
told (state RUNNING) are evaluated first with the values already drawn, their finished runs
come back from the run store, and the search goes on until `plan.trials` trials are told. No
trial is lost and no run is computed twice.

Winners of a noisy search are flattered by the noise that made them win (the optimiser's curse),
so the best trials (one objective) or the Pareto front (two) are simulated again with seeds, and
scenarios, the search never saw; the report shows both values and the drop.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.specs import RunSpec
from experiments.studies.design.evaluate import (
    BASELINE,
    SHIPPED,
    Outcome,
    outcomes,
    scenarios,
    trial_specs,
)
from experiments.studies.design.plan import DesignPlan
from experiments.studies.design.space import apply_levers, suggest
from sim import ConfigError

Runner = Callable[[Sequence[RunSpec]], pd.DataFrame]
"""Runs specs (reusing stored runs) and returns the focal store's runs frame."""
JOURNAL = "optuna_journal.log"
STUDY = "design"


@dataclass
class DesignResult:
    """A finished design study."""

    plan: DesignPlan
    trials: pd.DataFrame
    front: pd.DataFrame
    best: dict[str, Any]
    shipped: Outcome
    resumed: int = 0
    tally: dict[str, float] = field(default_factory=dict)
    """Runs computed and reused, wall seconds (filled by the command)."""


def _quiet_optuna() -> None:
    """Optuna's per-trial log lines and its notes on experimental sampler options would bury
    the progress bar; the options used here are documented in docs/design.md."""
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def open_study(plan: DesignPlan, outdir: Path, *, fresh: bool = False) -> Any:
    """The study's on-disk Optuna study (new, or the one a killed run left)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    _quiet_optuna()
    path = Path(outdir) / JOURNAL
    if fresh and path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(str(path)))
    if plan.multi:
        sampler: Any = optuna.samplers.NSGAIISampler(
            seed=plan.sampler_seed, population_size=max(4, min(20, plan.trials // 5))
        )
    else:
        sampler = optuna.samplers.TPESampler(
            seed=plan.sampler_seed,
            multivariate=True,
            constant_liar=True,
            n_startup_trials=max(5, min(20, plan.trials // 5)),
        )
    study = optuna.create_study(
        study_name=STUDY,
        storage=storage,
        sampler=sampler,
        directions=["maximize"] * len(plan.objectives),
        load_if_exists=True,
    )
    mine = json.dumps(plan.fingerprint(), sort_keys=True, default=str)
    theirs = study.user_attrs.get("plan")
    if theirs is None:
        study.set_user_attr("plan", mine)
    elif theirs != mine:
        raise ConfigError(
            "output_dir",
            f"{outdir} holds a design search with other settings; use another output_dir, "
            "or --fresh to discard it",
        )
    return study


def _entries(plan: DesignPlan, values: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    from experiments.engine.specs import policy_entries

    return policy_entries(list(apply_levers(plan.entries, plan.space, values)), "levers")


def _reference_specs(plan: DesignPlan, seeds: list[int], scens: list) -> list[RunSpec]:
    specs = trial_specs(BASELINE, plan.baseline_entries, seeds, scens)
    if plan.robust == "regret":
        specs += trial_specs(SHIPPED, plan.entries, seeds, scens)
    return specs


def _trial(study: Any, number: int) -> Any:
    """A live handle on trial `number`, also for one asked by a killed process (Optuna keeps
    no public way to reach it by number, hence the storage lookup)."""
    import optuna

    tid = study._storage.get_trial_id_from_study_id_trial_number(study._study_id, number)
    return optuna.trial.Trial(study, tid)


def reported(plan: DesignPlan) -> tuple[str, ...]:
    """KPIs measured for every trial: retention too whenever the horizon defines it, so the
    profit-retention trade-off is shown even when only profit is searched."""
    return ("profit", "retention") if plan.market.years >= 2 else ("profit",)


def _tell(study: Any, plan: DesignPlan, number: int, out: Outcome) -> None:
    trial = _trial(study, number)
    for kpi in ("profit", "retention"):
        iv = getattr(out, kpi)
        if iv is not None:
            for stat in ("mean", "low", "high"):
                trial.set_user_attr(f"{kpi}_{stat}", getattr(iv, stat))
    trial.set_user_attr("per_scenario", list(out.per_scenario))
    study.tell(trial, out.values(plan.objectives))


def search(
    plan: DesignPlan, outdir: Path, run: Runner, *, fresh: bool = False, progress: bool = True
) -> tuple[Any, int]:
    """Run (or resume) the search until `plan.trials` trials are told; returns the Optuna study
    and how many interrupted trials were finished on resumption."""
    from optuna.trial import TrialState
    from tqdm.auto import tqdm

    study = open_study(plan, outdir, fresh=fresh)
    scens = scenarios(plan)
    refs = _reference_specs(plan, plan.seeds, scens)
    trials = study.get_trials(deepcopy=False)
    pending = [(t.number, dict(t.params)) for t in trials if t.state == TrialState.RUNNING]
    resumed = len(pending)
    done = sum(t.state in (TrialState.COMPLETE, TrialState.FAIL) for t in trials)
    years = float(plan.market.years)
    bar = tqdm(
        total=plan.trials,
        initial=done,
        desc="design trials",
        unit="trial",
        disable=not progress,
        file=sys.stderr,
    )
    with bar:
        while done < plan.trials:
            batch = pending[: plan.batch]
            pending = pending[plan.batch :]
            while len(batch) < plan.batch and done + len(batch) + len(pending) < plan.trials:
                trial = study.ask()
                batch.append((trial.number, suggest(trial, plan.space)))
            specs, ok = list(refs), []
            for number, values in batch:
                try:
                    specs += trial_specs(number, _entries(plan, values), plan.seeds, scens)
                    ok.append(number)
                except ConfigError as exc:  # a combination the policy itself rejects
                    trial = _trial(study, number)
                    trial.set_user_attr("error", str(exc))
                    study.tell(trial, state=TrialState.FAIL)
            if ok:
                res = outcomes(
                    run(specs),
                    ok,
                    years=years,
                    objectives=reported(plan),
                    robust=plan.robust,
                    level=plan.level,
                )
                for number in ok:
                    _tell(study, plan, number, res[number])
            done += len(batch)
            bar.update(len(batch))
            best = _best_so_far(study, plan)
            if best is not None:
                bar.set_postfix_str(f"best {best:+,.0f}/yr")
    return study, resumed


def _best_so_far(study: Any, plan: DesignPlan) -> float | None:
    from optuna.trial import TrialState

    vals = [t.values[0] for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    return max(vals) if vals else None
