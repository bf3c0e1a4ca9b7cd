"""`python -m experiments.compare`: every selected policy x N replications under common random
numbers -> ranked table, comparison.csv, runs.csv/parquet, figures and report.html.

Replication r of every policy runs with seed ``seed + r``: all policies meet the same population
and the same exogenous shocks, so the per-seed differences against the baseline isolate the
policy effect and their paired t-interval is tight (docs/comparison.md).

Overrides: ``policies=[none,gift_budget]`` (default: every ``configs/policy/*.yaml``, the
baseline first), ``replications=20``, ``workers=2``, ``seed=7``, ``report.lang=zh`` and every
market override of ``experiments.run`` (``market.n_customers=5000``, ``market.tick=day`` ...).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.common import (
    CONFIG_DIR,
    build_market,
    build_policies,
    check_seed,
    check_writable,
    clean_errors,
    config_choices,
    jsonable,
    preflight_group_choices,
    simulate,
    to_container,
)
from sim import ConfigError, MarketConfig
from sim.metrics import KPIS
from sim.stats import bootstrap_ratio_of_means, paired_difference, ratio_of_means, t_interval

HEADLINE_KPIS = ("profit", "retention", "vip_retention", "policy_cost", "revenue", "roi")
"""The KPIs of the ranked table and the report, in that order (`roi` is derived)."""
RATE_KPIS = frozenset({"retention", "vip_retention", "top20_revenue_share"})
ROI_METHODS = ("delta", "bootstrap")
LANGS = ("en", "zh")
SERIES_COLUMNS = ("active", "revenue", "profit", "policy_cost")


# --------------------------------------------------------------------------- policy configs
@contextmanager
def _hydra() -> Iterator[None]:
    """Use the running Hydra app's config search path, or the repo's configs/ outside of one."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    if GlobalHydra.instance().is_initialized():
        yield
    else:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            yield


def available_policies() -> list[str]:
    """Names of the policy configs found at run time (``configs/policy/*.yaml``), `none` first."""
    from hydra.core.global_hydra import GlobalHydra

    names = set(config_choices("policy"))
    gh = GlobalHydra.instance()
    if gh.is_initialized():  # also configs on Hydra's search path (e.g. hydra.searchpath)
        names |= set(gh.config_loader().get_group_options("policy"))
    return sorted(names, key=lambda n: (n != "none", n))


def load_policy_config(name: str) -> dict[str, Any]:
    """The `policy` node exactly as ``experiments.run policy=NAME`` composes it (plain dict)."""
    from hydra import compose

    with _hydra():
        cfg = compose(config_name="run", overrides=[f"policy={name}"])
    spec = to_container(cfg.policy)
    return spec if isinstance(spec, dict) else {"policies": spec}


def select_policies(requested: Any, baseline: str, available: Sequence[str]) -> list[str]:
    """Validated policy names, the baseline first (added when missing)."""
    if requested is None or requested == "all" or requested == ["all"]:
        names = list(available)
    elif isinstance(requested, str):
        names = [requested]
    else:
        names = [str(n) for n in requested]
    if not names:
        raise ConfigError(
            "policies",
            "is empty; list at least one policy, e.g. policies=[none,"
            f"gift_budget]; available: {', '.join(available)}",
        )
    for n in [baseline, *names]:
        if n not in available:
            raise ConfigError(
                "policies" if n != baseline or n in names else "baseline",
                f"unknown policy {n!r}; available: {', '.join(available)}",
            )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError("policies", f"policy {dupes[0]!r} listed twice")
    return [baseline] + [n for n in names if n != baseline]


def check_count(value: Any, field_name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(field_name, f"must be an integer >= {minimum}, got {value!r}")
    return value


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- the plan
@dataclass
class Plan:
    """Everything a comparison needs, validated; built before any simulation work."""

    market: MarketConfig
    policies: list[str]
    specs: dict[str, dict[str, Any]]
    replications: int
    base_seed: int = 0
    workers: int = 1
    activation: str = "batch"
    level: float = 0.95
    roi_method: str = "delta"
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        return self.policies[0]

    @property
    def seeds(self) -> list[int]:
        return [self.base_seed + r for r in range(self.replications)]

    @property
    def n_runs(self) -> int:
        return len(self.policies) * self.replications


def make_plan(cfg: Any) -> Plan:
    """Validate a compare config (Hydra node or mapping) into a `Plan`; raises ConfigError."""
    market = build_market(cfg["market"])
    replications = check_count(cfg.get("replications", 10), "replications")
    base_seed = check_seed(cfg.get("seed", 0))
    workers = cfg.get("workers")
    workers = default_workers() if workers is None else check_count(workers, "workers")
    level = cfg.get("level", 0.95)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ConfigError("level", f"must be a number in (0, 1), got {level!r}")
    roi_method = cfg.get("roi_method", "delta")
    if roi_method not in ROI_METHODS:
        raise ConfigError("roi_method", f"must be one of {list(ROI_METHODS)}, got {roi_method!r}")
    activation = cfg.get("activation", "batch")
    available = available_policies()
    names = select_policies(
        to_container(cfg.get("policies")), str(cfg.get("baseline", "none")), available
    )
    specs: dict[str, dict[str, Any]] = {}
    labels: dict[str, dict[str, str]] = {}
    for name in names:
        spec = load_policy_config(name)
        build_policies(spec)  # instantiate once: bad parameters fail here, before any run
        specs[name] = spec
        own = {
            lang: str(spec[key])
            for lang, key in (("en", "label"), ("zh", "label_zh"))
            if spec.get(key)
        }
        if own:
            labels[name] = own
    return Plan(
        market=market,
        policies=names,
        specs=specs,
        replications=replications,
        base_seed=base_seed,
        workers=workers,
        activation=str(activation),
        level=float(level),
        roi_method=str(roi_method),
        labels=labels,
    )


# --------------------------------------------------------------------------- one run
def run_replication(
    market: MarketConfig,
    policy: str,
    spec: dict[str, Any],
    replication: int,
    seed: int,
    activation: str = "batch",
) -> dict[str, Any]:
    """Simulate one (policy, seed) and keep what the comparison needs (picklable, small).

    Depends on nothing but its arguments, so results are identical whatever process runs it.
    """
    start = time.perf_counter()
    model = simulate(market, build_policies(spec), seed, activation=activation)
    out = _extract(model, policy, replication, seed)
    del model
    gc.collect()  # the model's agent <-> model cycles: free them now, not at some later run
    out["kpis"]["seconds"] = time.perf_counter() - start
    return out


def _extract(model: Any, policy: str, replication: int, seed: int) -> dict[str, Any]:
    from sim.metrics import retention_table
    from sim.segmenting import yearly_segment_snapshots

    summary = model.summary()
    focal = summary["focal_store"]
    key = {"policy": policy, "replication": replication, "seed": seed}
    kpis = {**key, "store_id": focal, **summary["focal"]}
    metrics = model.metrics_frame()
    series = metrics.loc[metrics["store_id"] == focal, ["tick", "date", *SERIES_COLUMNS]]
    series = series.assign(**key).reset_index(drop=True)
    yearly = retention_table(model)
    yearly = yearly[yearly["store"] == focal].drop(columns="store").assign(**key)
    segments = yearly_segment_snapshots(model).drop(columns="store_id").assign(**key)
    return {"kpis": kpis, "series": series, "yearly": yearly, "segments": segments}


@dataclass
class Results:
    """Tidy frames of a comparison: focal KPIs per run, per-tick series, yearly tables."""

    runs: pd.DataFrame
    series: pd.DataFrame
    yearly: pd.DataFrame
    segments: pd.DataFrame
    wall_seconds: float = 0.0


def run_all(plan: Plan, *, progress: bool = True) -> Results:
    """Every policy x replication, in parallel (joblib/loky) with a tqdm bar over runs.

    Results are put back in (policy, replication) order, so they do not depend on `workers`.
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    tasks = [(p, r, seed) for p in plan.policies for r, seed in enumerate(plan.seeds)]
    start = time.perf_counter()
    jobs = (
        delayed(_indexed)(i, plan.market, p, plan.specs[p], r, seed, plan.activation)
        for i, (p, r, seed) in enumerate(tasks)
    )
    out: list[Any] = [None] * len(tasks)
    workers = min(plan.workers, len(tasks))
    bar = tqdm(total=len(tasks), desc="runs", unit="run", disable=not progress, file=sys.stderr)
    with bar:
        if workers <= 1:
            for job in jobs:
                fn, args, kwargs = job
                i, res = fn(*args, **kwargs)
                out[i] = res
                bar.update()
        else:
            parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered")
            for i, res in parallel(jobs):
                out[i] = res
                bar.update()
    wall = time.perf_counter() - start
    runs = pd.DataFrame([o["kpis"] for o in out])
    cost_cols = sorted(c for c in runs.columns if c.startswith("cost_"))
    runs[cost_cols] = runs[cost_cols].fillna(0.0)
    lead = ["policy", "replication", "seed", "store_id"]
    kpi_cols = [k for k in KPIS if k in runs.columns]
    rest = [c for c in runs.columns if c not in {*lead, *kpi_cols, *cost_cols, "seconds"}]
    runs = runs[lead + kpi_cols + cost_cols + rest + ["seconds"]]
    return Results(
        runs=runs,
        series=pd.concat([o["series"] for o in out], ignore_index=True),
        yearly=pd.concat([o["yearly"] for o in out], ignore_index=True),
        segments=pd.concat([o["segments"] for o in out], ignore_index=True),
        wall_seconds=wall,
    )


def _indexed(i: int, *args: Any) -> tuple[int, dict[str, Any]]:
    return i, run_replication(*args)


# --------------------------------------------------------------------------- statistics
def comparison_table(
    runs: pd.DataFrame,
    baseline: str,
    *,
    level: float = 0.95,
    roi_method: str = "delta",
    kpis: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tidy table, one row per policy x KPI: mean and CI, paired difference vs baseline and CI.

    ``diff_pct*`` are the difference and its bounds as a share of the baseline mean (left NaN
    for rates, whose differences are read in percentage points). The derived KPI ``roi`` is
    (incremental profit over the baseline) / policy cost as a ratio of means over replications
    (`roi_method` "delta" or "bootstrap"); it has no diff columns. ``rank`` orders policies by
    mean profit difference (1 = best).
    """
    if kpis is None:
        kpis = [k for k in KPIS if k in runs.columns]
        kpis += sorted(c for c in runs.columns if c.startswith("cost_"))
    policies = list(dict.fromkeys(runs["policy"]))
    base = runs[runs["policy"] == baseline].set_index("replication").sort_index()
    rows = []
    for p in policies:
        mine = runs[runs["policy"] == p].set_index("replication").sort_index()
        common = mine.index.intersection(base.index)
        for k in kpis:
            est = t_interval(mine[k].to_numpy(float), level)
            diff = paired_difference(
                mine.loc[common, k].to_numpy(float), base.loc[common, k].to_numpy(float), level
            )
            ref = float(base[k].mean())
            scale = abs(ref) if (k not in RATE_KPIS and ref and np.isfinite(ref)) else np.nan
            rows.append(
                {
                    "policy": p,
                    "kpi": k,
                    "mean": est.mean,
                    "ci_low": est.low,
                    "ci_high": est.high,
                    "diff_mean": diff.mean,
                    "diff_ci_low": diff.low,
                    "diff_ci_high": diff.high,
                    "diff_pct": diff.mean / scale,
                    "diff_pct_ci_low": diff.low / scale,
                    "diff_pct_ci_high": diff.high / scale,
                    "n": est.n,
                }
            )
        gain = mine.loc[common, "profit"].to_numpy(float) - base.loc[common, "profit"].to_numpy(
            float
        )
        cost = mine.loc[common, "policy_cost"].to_numpy(float)
        if roi_method == "bootstrap":
            roi = bootstrap_ratio_of_means(gain, cost, level)
        else:
            roi = ratio_of_means(gain, cost, level)
        rows.append(
            {
                "policy": p,
                "kpi": "roi",
                "mean": roi.mean,
                "ci_low": roi.low,
                "ci_high": roi.high,
                "diff_mean": np.nan,
                "diff_ci_low": np.nan,
                "diff_ci_high": np.nan,
                "diff_pct": np.nan,
                "diff_pct_ci_low": np.nan,
                "diff_pct_ci_high": np.nan,
                "n": roi.n,
            }
        )
    table = pd.DataFrame(rows)
    profit = table[table["kpi"] == "profit"].set_index("policy")["diff_mean"]
    order = sorted(
        policies, key=lambda p: (-np.nan_to_num(profit[p], nan=-np.inf), policies.index(p))
    )
    table["rank"] = table["policy"].map({p: i + 1 for i, p in enumerate(order)})
    table["n"] = table["n"].astype(int)
    return table.sort_values(
        ["rank", "kpi"], key=lambda s: s if s.name == "rank" else s.map(_kpi_order(kpis))
    ).reset_index(drop=True)


def _kpi_order(kpis: Sequence[str]) -> dict[str, int]:
    order = list(HEADLINE_KPIS) + [k for k in kpis if k not in HEADLINE_KPIS]
    return {k: i for i, k in enumerate(order)}


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """One row per policy (ranked), columns ``<kpi>_<stat>``: handy for tables and the report."""
    w = table.pivot(index="policy", columns="kpi")
    w.columns = [f"{k}_{stat}" for stat, k in w.columns]
    ranks = table.drop_duplicates("policy").set_index("policy")["rank"]
    return w.assign(rank=ranks).sort_values("rank")


# --------------------------------------------------------------------------- printing
def _pm(mean: float, low: float, high: float, fmt: str, signed: bool = False) -> str:
    if not np.isfinite(mean):
        return "n/a"
    sign = "+" if signed else ""
    txt = format(mean, sign + fmt)
    if np.isfinite(low) and np.isfinite(high):
        txt += " ±" + format((high - low) / 2, fmt)
    return txt


def format_ranked(table: pd.DataFrame, baseline: str, level: float = 0.95) -> str:
    """The printed ranked table (focal store, mean ± CI half-width; * = CI excludes 0)."""
    w = wide(table)
    pct = f"{level:.0%}"
    head = [
        "rank",
        "policy",
        "profit ¥",
        f"Δ profit vs {baseline}",
        "Δ %",
        "retention",
        "Δ ret. pp",
        "VIP ret.",
        "cost ¥",
        "ROI",
    ]
    lines = []
    for p, r in w.iterrows():
        sig = ""
        if p != baseline and np.isfinite(r["profit_diff_ci_low"]):
            sig = " *" if r["profit_diff_ci_low"] > 0 or r["profit_diff_ci_high"] < 0 else ""
        lines.append(
            [
                str(int(r["rank"])),
                str(p),
                _pm(r["profit_mean"], r["profit_ci_low"], r["profit_ci_high"], ",.0f"),
                _pm(
                    r["profit_diff_mean"],
                    r["profit_diff_ci_low"],
                    r["profit_diff_ci_high"],
                    ",.0f",
                    signed=True,
                )
                + sig,
                "" if not np.isfinite(r["profit_diff_pct"]) else f"{r['profit_diff_pct']:+.1%}",
                _pm(
                    100 * r["retention_mean"],
                    100 * r["retention_ci_low"],
                    100 * r["retention_ci_high"],
                    ".1f",
                )
                + "%",
                _pm(
                    100 * r["retention_diff_mean"],
                    100 * r["retention_diff_ci_low"],
                    100 * r["retention_diff_ci_high"],
                    ".1f",
                    signed=True,
                ),
                "n/a"
                if not np.isfinite(r["vip_retention_mean"])
                else f"{r['vip_retention_mean']:.1%}",
                f"{r['policy_cost_mean']:,.0f}",
                _pm(r["roi_mean"], r["roi_ci_low"], r["roi_ci_high"], ".2f"),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in lines)) for i, h in enumerate(head)]
    align = ["r", "l", "r", "r", "r", "r", "r", "r", "r", "r"]

    def fmt(row: list[str]) -> str:
        return "  ".join(
            c.rjust(wd) if a == "r" else c.ljust(wd)
            for c, wd, a in zip(row, widths, align, strict=True)
        ).rstrip()

    out = [fmt(head), fmt(["-" * wd for wd in widths])] + [fmt(row) for row in lines]
    out.append(
        f"mean ± half-width of the {pct} CI; Δ = paired difference vs {baseline} over the "
        "same seeds; * = CI excludes 0; ROI = Δ profit / policy cost"
    )
    return "\n".join(out)


# --------------------------------------------------------------------------- the command
def compare(cfg: Any, outdir: Path) -> pd.DataFrame:
    """Validate, run every policy x replication, write all outputs; returns comparison.csv."""
    plan = make_plan(cfg)
    output = cfg.get("output") or {}
    report_cfg = cfg.get("report") or {}
    lang = report_cfg.get("lang", "en")
    if lang not in LANGS:
        raise ConfigError("report.lang", f"must be one of {list(LANGS)}, got {lang!r}")
    explicit = cfg.get("output_dir")
    outdir = check_writable(
        Path(explicit) if explicit else outdir, "output_dir" if explicit else "output directory"
    )
    show = bool(output.get("table", True))
    m = plan.market
    if show:
        print(
            f"market {m.name}: {m.n_customers:,} customers, {m.years} years, {m.tick}ly ticks; "
            f"focal store {m.focal_store!r}; {len(plan.policies)} policies x "
            f"{plan.replications} replications (seeds {plan.seeds[0]}..{plan.seeds[-1]}, "
            f"common random numbers) on {plan.workers} worker(s)"
        )
    results = run_all(plan, progress=bool(output.get("progress", True)))
    table = comparison_table(
        results.runs, plan.baseline, level=plan.level, roi_method=plan.roi_method
    )
    outdir.mkdir(parents=True, exist_ok=True)
    table.to_csv(outdir / "comparison.csv", index=False)
    results.runs.to_csv(outdir / "runs.csv", index=False)
    results.runs.to_parquet(outdir / "runs.parquet", index=False)
    results.series.to_parquet(outdir / "timeseries.parquet", index=False)
    results.yearly.to_csv(outdir / "yearly_retention.csv", index=False)
    results.segments.to_csv(outdir / "segments_by_year.csv", index=False)
    meta = {
        "market": m.name,
        "n_customers": m.n_customers,
        "years": m.years,
        "tick": m.tick,
        "focal_store": m.focal_store,
        "policies": plan.policies,
        "baseline": plan.baseline,
        "labels": plan.labels,
        "replications": plan.replications,
        "seeds": plan.seeds,
        "workers": plan.workers,
        "activation": plan.activation,
        "level": plan.level,
        "roi_method": plan.roi_method,
        "runs": plan.n_runs,
        "wall_seconds": round(results.wall_seconds, 3),
        "mean_run_seconds": round(float(results.runs["seconds"].mean()), 3),
        "policy_configs": plan.specs,
        "market_config": m.to_dict(),
    }
    (outdir / "meta.json").write_text(json.dumps(jsonable(meta), indent=2))
    if show:
        print(format_ranked(table, plan.baseline, plan.level))
        print(
            f"{plan.n_runs} runs in {results.wall_seconds:.1f} s "
            f"({results.runs['seconds'].mean():.2f} s per run, {plan.workers} worker(s))"
        )
    if report_cfg.get("enabled", True):
        from experiments.report import write_report

        html = write_report(
            outdir,
            table=table,
            runs=results.runs,
            series=results.series,
            yearly=results.yearly,
            segments=results.segments,
            meta=meta,
            lang=lang,
        )
        if show:
            print(f"report: {html}")
    if show:
        print(f"outputs: {outdir}")
    return table


def _precheck_run_dir(argv: Sequence[str]) -> None:
    """Hydra creates its run dir before our code runs and fails with a traceback if it cannot:
    check an explicit ``hydra.run.dir=...`` first so the user gets one clean line."""
    for arg in argv:
        if arg.startswith("hydra.run.dir=") and "$" not in arg:
            check_writable(Path(arg.split("=", 1)[1]), "hydra.run.dir")


@hydra.main(version_base="1.3", config_path="../configs", config_name="compare")
def main(cfg: DictConfig) -> None:
    with clean_errors():
        compare(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    preflight_group_choices(sys.argv[1:], groups=("market",))
    with clean_errors():
        _precheck_run_dir(sys.argv[1:])
    main()
