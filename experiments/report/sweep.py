"""The sweep figure of `experiments.collect`: a KPI against a swept parameter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.report.plot import MONEY, save, style
from sim.stats import t_interval


def mean_band(values: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and CI bounds of a series (for sweep plots)."""
    iv = t_interval(values.to_numpy(float), level)
    return iv.mean, iv.low, iv.high


def sweep_response(
    frame: pd.DataFrame, kpi: str, x: str, hue: str | None, path: Path, level: float = 0.95
) -> Path:
    """KPI vs a swept parameter: mean over the other runs with a CI band, one line per hue."""
    groups = [(None, frame)] if hue is None else list(frame.groupby(hue, sort=True))
    with style("en"):
        fig = Figure(figsize=(7, 4.2))
        ax = fig.add_subplot()
        numeric = pd.api.types.is_numeric_dtype(frame[x])
        xs_all = sorted(
            frame[x].dropna().unique(), key=lambda v: (not numeric, v if numeric else str(v))
        )
        pos = {v: (float(v) if numeric else i) for i, v in enumerate(xs_all)}
        for key, g in groups:
            stats = [(pos[v], *mean_band(gg[kpi], level)) for v, gg in g.groupby(x, sort=False)]
            stats.sort()
            if not stats:
                continue
            arr = np.array(stats, dtype=float)
            (line,) = ax.plot(
                arr[:, 0], arr[:, 1], marker="o", label=None if hue is None else f"{hue}={key}"
            )
            ok = np.isfinite(arr[:, 2]) & np.isfinite(arr[:, 3])
            ax.fill_between(arr[ok, 0], arr[ok, 2], arr[ok, 3], color=line.get_color(), alpha=0.2)
        if not numeric:
            ax.set_xticks(list(pos.values()), [str(v) for v in xs_all])
        ax.set_xlabel(x)
        ax.set_ylabel(kpi)
        if kpi not in ("retention", "vip_retention", "top20_revenue_share"):
            ax.yaxis.set_major_formatter(MONEY)
        per_point = frame.groupby([x] if hue is None else [x, hue]).size()
        n = (
            f"{per_point.min()}"
            if per_point.min() == per_point.max()
            else (f"{per_point.min()}–{per_point.max()}")
        )
        ax.set_title(f"{kpi} vs {x}: mean and {level:.0%} CI over {n} runs per point", loc="left")
        if hue is not None:
            ax.legend(frameon=False)
        fig.tight_layout()
        return save(fig, path)
