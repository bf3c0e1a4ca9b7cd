"""A design study's files: trials.csv, pareto.csv, best.yaml (+ a policy config), meta.json.

``best.yaml`` is a policy config: ``OUT/policy/<policy>_design.yaml`` holds the same text, so

    python -m experiments.compare --config-dir OUT "policies=[none,<policy>,<policy>_design]"

compares the designed setting with the shipped one at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from experiments.engine.store import atomic_write_text
from experiments.report.vocab import policy_labels
from experiments.studies.design.search import DesignResult


def design_name(policy: str) -> str:
    return f"{policy}_design"


def best_config(result: DesignResult) -> dict[str, Any]:
    """The chosen setting as a policy config (the `policy` group's format)."""
    plan, best = result.plan, result.best
    name = design_name(plan.policy)
    en = plan.labels.get("en") or policy_labels([plan.policy], "en")[plan.policy]
    zh = plan.labels.get("zh") or policy_labels([plan.policy], "zh")[plan.policy]
    return {
        "name": name,
        "label": f"{en} (designed)",
        "label_zh": f"{zh}（优化设置）",
        "policies": [_plain(e) for e in best["entries"]],
    }


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    """YAML-friendly values (tuples as lists, NumPy scalars as Python numbers)."""
    out: dict[str, Any] = {}
    for k, v in entry.items():
        if hasattr(v, "item"):
            v = v.item()
        if isinstance(v, dict):  # a size relative to the store ({revenue_share: x})
            v = {str(b): float(x) for b, x in v.items()}
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def best_yaml(result: DesignResult) -> str:
    from sim.store_profile import format_money

    plan, best = result.plan, result.best
    out, prof = best["outcome"].profit, plan.market.profile
    head = (
        f"# Designed by experiments.design: {plan.policy}, trial {best['trial']} of "
        f"{plan.trials}.\n# On fresh seeds: profit {format_money(out.mean, prof)} a year vs "
        f"{plan.baseline} (95% CI {format_money(out.low, prof)} .. "
        f"{format_money(out.high, prof)}).\n"
        + (
            ""
            if out.low > 0
            else f"# Not clearly better than {plan.baseline}: the study's answer is to keep it "
            "simple; this is the best setting tried, for a closer look.\n"
        )
        + "# Money is sized to the store: {revenue_share: x} of its yearly revenue, "
        "{tickets: x} mean tickets.\n"
        f"# Use: python -m experiments.compare --config-dir DIR "
        f'"policies=[{plan.baseline},{plan.policy},{design_name(plan.policy)}]"\n'
    )
    return head + yaml.safe_dump(best_config(result), sort_keys=False, allow_unicode=True)


def pareto_frame(result: DesignResult) -> pd.DataFrame:
    """Trials not dominated in (profit, retention) on the search seeds, best profit first."""
    front = result.trials[result.trials["on_front"]]
    return front.sort_values(["profit_mean", "trial"], ascending=[False, True])


def write_best(outdir: Path, result: DesignResult) -> dict[str, Path]:
    """best.yaml and the same text as ``policy/<policy>_design.yaml`` (for --config-dir)."""
    text = best_yaml(result)
    name = design_name(result.plan.policy)
    return {
        "best": atomic_write_text(Path(outdir) / "best.yaml", text),
        "policy": atomic_write_text(Path(outdir) / "policy" / f"{name}.yaml", text),
    }


def design_meta(result: DesignResult, **extra: Any) -> dict[str, Any]:
    from experiments.studies.base import market_meta
    from experiments.studies.design.space import space_table

    plan, best = result.plan, result.best
    fresh = best["outcome"]
    return {
        **market_meta(plan.market),
        "study": "design",
        "policy": plan.policy,
        "baseline": plan.baseline,
        "levers": space_table(plan.space),
        "objectives": list(plan.objectives),
        "trials": plan.trials,
        "replications": plan.replications,
        "seeds": plan.seeds,
        "fresh_seeds": plan.fresh_seeds,
        "robust": plan.robust,
        "scenarios": plan.scenarios,
        "level": plan.level,
        "resumed_trials": result.resumed,
        "best": {
            "trial": best["trial"],
            "values": best["values"],
            "search_profit_per_year": best["search_profit"],
            "fresh_profit_per_year": list(fresh.profit[:3]),
            "fresh_retention_pp": list(fresh.retention[:3]) if fresh.retention else None,
        },
        "shipped_fresh_profit_per_year": list(result.shipped.profit[:3]),
        **extra,
    }
