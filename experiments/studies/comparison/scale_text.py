"""The scale check's sentences: does a policy's verdict hold in a smaller or larger store?

Two sources, one plain sentence per policy at most: the simulated check (`scale.scale_table`,
a verdict that changes sign at half or double the size) and, where the size was not simulated,
the fixed-cost rule (`scale_sentence`: a policy's fixed cost a year against its gain). The
dashboard shows the same fixed-cost sentence for the policy it runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from experiments.report.blocks import money


def yearly_fixed_cost(entries: list[dict[str, Any]], profile: Any) -> float:
    """A policy config's fixed cost a year (`StorePolicy.yearly_fixed_cost`), its relative
    sizes resolved against the store `profile`."""
    from sim.policies import make_policies
    from sim.policies.sizing import resolved_params

    return sum(p.yearly_fixed_cost(resolved_params(p, profile)) for p in make_policies(entries))


def scale_sentence(label: str, fixed: float, gain: float, symbol: str, t: dict[str, Any]) -> str:
    """The fixed-cost rule: a policy's yearly gain against its fixed cost a year. If the rest of
    a policy's effect grows with the customers served, its gain at half the size is
    (gain - fixed) / 2 and at double 2 gain + fixed: the verdict flips when fixed > gain > 0,
    or when fixed > -2 gain > 0. One plain sentence when it does ('' otherwise)."""
    if fixed <= 0 or not np.isfinite(gain):
        return ""
    fmt = {
        "label": label,
        "fixed": money(fixed, symbol=symbol),
        "diff": money(float(gain), signed=True, symbol=symbol),
    }
    if 0 < gain < fixed:
        return t["scale_half"].format(**fmt)
    if gain < 0 and fixed > -2 * gain:
        return t["scale_double"].format(**fmt)
    return ""


def fixed_rule_size(fixed: float, gain: float) -> float | None:
    """The size the fixed-cost rule speaks about (0.5 or 2), or None when it is silent."""
    if fixed <= 0 or not np.isfinite(gain):
        return None
    if 0 < gain < fixed:
        return 0.5
    if gain < 0 and fixed > -2 * gain:
        return 2.0
    return None


def simulated_sentence(
    label: str, rows: pd.DataFrame, years: float, symbol: str, t: dict[str, Any]
) -> str:
    """One sentence for a policy whose verdict changes sign at a simulated size ('' when it
    holds at every size); `rows` are its rows of ``scale.csv``."""
    full = rows[rows["size"] == 1.0]
    flips = rows[rows["sign_change"].astype(bool) & (rows["size"] != 1.0)]
    if flips.empty or full.empty:
        return ""
    r = flips.iloc[0]
    k = int(r["replications"])
    return t["scale_sim"].format(
        label=label,
        size=t["scale_sizes"][f"{float(r['size']):g}"],
        m=f"{int(r['n_customers']):,}",
        turn=t["scale_turn"][str(r["verdict"])],
        scaled=money(float(r["profit_diff_mean"]) / years, signed=True, symbol=symbol),
        agree=t["scale_agree"](k),
        full=money(float(full["profit_diff_mean"].iloc[0]) / years, signed=True, symbol=symbol),
    )


def scale_lines(
    others: list[str],
    labels: dict[str, str],
    gains: dict[str, float],
    fixed: dict[str, float],
    scale: pd.DataFrame | None,
    years: float,
    symbol: str,
    t: dict[str, Any],
) -> list[str]:
    """The scale check's sentences for the policies `others` (not the baseline): the simulated
    one where a verdict changes sign; else the fixed-cost rule, unless the size it speaks about
    was simulated and the verdict kept its sign there; then, when a simulated check said
    nothing, one sentence that the verdicts hold at both sizes. `gains` are yearly."""
    lines: list[str] = []
    simulated = scale is not None and bool((scale["size"] != 1.0).any())
    for name in others:
        rows = scale[scale["policy"] == name] if simulated else None
        line = simulated_sentence(labels[name], rows, years, symbol, t) if simulated else ""
        if not line:
            size = fixed_rule_size(fixed.get(name, 0.0), gains[name])
            held = None
            if simulated and size is not None:
                at = rows[rows["size"] == size]
                held = not at.empty and np.sign(float(at["profit_diff_mean"].iloc[0])) == np.sign(
                    gains[name]
                )
            if size is not None and not held:
                line = scale_sentence(labels[name], fixed[name], gains[name], symbol, t)
        if line:
            lines.append(line)
    if simulated and not lines:
        sized = scale[scale["size"] != 1.0].drop_duplicates("size").sort_values("size")
        lines.append(
            t["scale_none"].format(
                sizes=t["and"].join(f"{int(n):,}" for n in sized["n_customers"]),
                k=int(sized["replications"].min()),
            )
        )
    return lines
