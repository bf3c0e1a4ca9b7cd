"""The design study as a specialisation of the one `Study` pipeline (`experiments.studies.base`).

It differs from the others in one step: its runs are not known in advance, so `execute` runs
the search (rounds of trials asked by Optuna, each simulated through the engine, resumable from
the output directory) instead of one batch of specs. Options, output directory, tables,
meta.json, report and ``COMPLETE`` are the shared driver's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.engine.executors import one_ray
from experiments.studies.base import Page, Result, Study
from experiments.studies.design.plan import DesignPlan, make_design_plan
from experiments.studies.design.search import DesignResult
from experiments.studies.design.study import engine_runner, run_design

STUDY_KEYS = {
    "market", "executor", "uncertainty", "workers", "store", "fresh", "output_dir", "output",
    "report",
}  # fmt: skip
"""Options the shared driver reads; the rest are the design plan's."""


def named_policy(cfg: Mapping[str, Any], config_dirs: Iterable[Path] = ()) -> Mapping[str, Any]:
    """`cfg` with its `policy` as the policy's name.

    configs/design.yaml selects the policy from the `policy` config group, as
    `experiments.run` does: `policy=NAME` works, folders given with `--config-dir` included.
    Hydra then gives the policy's node, while the search reads the policy's file by name (and
    `best.yaml` and `compare` name it again). An override of that node
    (`policy.target=churn_risk`) would be lost on the way, so it is refused, naming the key.
    A plain name (a notebook's dict) is returned as it is.
    """
    import copy

    from experiments.common import to_container
    from experiments.engine.specs import load_policy_config
    from sim import ConfigError

    node = cfg.get("policy")
    if not isinstance(node, Mapping):
        return cfg
    data = to_container(node, "policy")
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("policy", f"must be a policy config with a name, got {data!r}"[:200])
    saved = load_policy_config(name, config_dirs)
    changed = sorted(  # a knob the entries interpolate before the entries it changes
        (k for k in {*data, *saved} - {"defaults"} if data.get(k) != saved.get(k)),
        key=lambda k: (k == "policies", k),
    )
    if changed:
        raise ConfigError(
            f"policy.{changed[0]}",
            f"design searches policy {name!r} as its file defines it (narrow its levers with "
            "levers= and +ranges.LEVER=[low,high]); for other settings, write your own policy "
            "file: --config-dir DIR with DIR/policy/NAME.yaml",
        )
    from omegaconf import DictConfig, open_dict

    if not isinstance(cfg, DictConfig):
        return {**cfg, "policy": name}
    out = copy.deepcopy(cfg)
    with open_dict(out):  # Hydra's struct flag would refuse a node turned into a name
        out["policy"] = name
    return out


class DesignStudy(Study):
    """Search a policy's levers for the setting that pays best (docs/design.md)."""

    name = "design"
    desc = "design runs"

    def check(self, cfg: Mapping[str, Any], config_dirs: Iterable[Path] = ()) -> None:
        """Every option against its declaration (`experiments.options.declared`)."""
        from experiments.options.check import check_command

        check_command("design", named_policy(cfg, config_dirs))

    def precheck(self, cfg: Mapping[str, Any], config_dirs: Iterable[Path] = ()) -> Any:
        """Options, plan (policy, levers, ranges) and size before Hydra starts the command."""
        from experiments.engine.executors import default_workers

        self.check(cfg, config_dirs)
        workers = cfg.get("workers") or default_workers()
        return self.check_size(self.plan(cfg, config_dirs=config_dirs), workers)

    def plan(self, cfg: Mapping[str, Any], *, config_dirs: Iterable[Path] = ()) -> DesignPlan:
        from experiments.common import build_market, to_container

        cfg = named_policy(cfg, config_dirs)
        options = {k: to_container(v) for k, v in cfg.items() if k not in STUDY_KEYS}
        return make_design_plan(
            options,
            market=build_market(cfg["market"]),
            uncertainty=to_container(cfg.get("uncertainty")),
            config_dirs=tuple(config_dirs),
        )

    def check_size(self, plan: DesignPlan, workers: int) -> Any:
        """Every trial's runs, the references and the re-evaluation, against this machine
        (one batch of trials is held in memory at a time)."""
        from experiments.options.size import check_size, estimate

        per_trial = plan.replications * max(plan.scenarios, 1)
        fresh = plan.reevaluate_replications * max(plan.scenarios, 1)
        top = plan.reevaluate_top if not plan.multi else max(plan.reevaluate_top, 20)
        top = min(top, plan.trials)  # a front (or a top) of at most every setting tried
        runs = plan.trials * per_trial + 2 * per_trial + (top + 2) * fresh
        size = estimate(plan.market, runs, workers)
        what = f"{plan.trials:,} trials x {per_trial:,} runs"
        return check_size(size, "trials" if plan.trials >= per_trial else "replications", what)

    def specs(self, plan: DesignPlan) -> list:
        """Unknown in advance: the search asks for runs as it goes (see `execute`)."""
        return []

    def analyse(self, plan: DesignPlan, frames: Any) -> Any:  # pragma: no cover - unused
        raise NotImplementedError("the design study's analysis is its search (execute)")

    def execute(
        self, plan: DesignPlan, *, outdir: Path, progress: bool = True, **engine: Any
    ) -> Result:
        fresh = bool(engine.get("fresh", False))
        start = time.perf_counter()
        tally: dict[str, float] = {}
        run = engine_runner(tally=tally, **engine)
        with one_ray(engine.get("executor"), engine.get("workers"), engine.get("address")):
            res = run_design(plan, outdir, run, fresh=fresh, progress=progress)
        tally["wall_seconds"] = round(time.perf_counter() - start, 2)
        res.tally = tally
        return Result(plan, None, res)

    def tables(self, result: Result) -> dict[str, pd.DataFrame]:
        from experiments.studies.design.outputs import pareto_frame

        res: DesignResult = result.analysis
        return {"trials.csv": res.trials, "pareto.csv": pareto_frame(res)}

    def files(self, result: Result, outdir: Path) -> dict[str, Path]:
        from experiments.studies.design.outputs import write_best

        return write_best(outdir, result.analysis)

    def meta(self, result: Result, info: Mapping[str, Any]) -> dict[str, Any]:
        from experiments.studies.design.outputs import design_meta

        return design_meta(result.analysis, **info, **result.analysis.tally)

    def report(self, result: Result, meta: Mapping[str, Any], outdir: Path, lang: str) -> Page:
        from experiments.studies.design.section import page

        return page(result.analysis, outdir, lang)

    def announce(self, plan: DesignPlan, executor: str, workers: int) -> str:
        from experiments.report.provenance import market_size

        m = plan.market
        robust = f" x {plan.scenarios} scenarios ({plan.robust})" if plan.robust else ""
        return (
            f"market {m.name}: {market_size(m)}, {m.years} years; designing "
            f"{plan.policy} ({len(plan.space)} levers: {', '.join(d.key for d in plan.space)}) "
            f"over {plan.trials} trials x {plan.replications} replications{robust} "
            f"on {workers} {executor} worker(s)"
        )

    def summary(self, result: Result) -> str:
        from experiments.studies.design.outputs import design_name
        from experiments.studies.design.section import answer

        res: DesignResult = result.analysis
        return "\n".join(
            [*answer(res, "en"), f"designed policy: policy/{design_name(res.plan.policy)}.yaml"]
        )

    def footnote(self, result: Result, workers: int) -> str:
        t = result.analysis.tally
        return (
            f"{int(t.get('computed', 0) + t.get('reused', 0)):,} runs "
            f"({int(t.get('reused', 0)):,} reused from the run store) in "
            f"{t.get('wall_seconds', 0):.1f} s; {result.analysis.resumed} interrupted trials "
            "finished on resumption"
        )


DESIGN = DesignStudy()
