"""Figures of a robustness study (PNG, English or Chinese): Δprofit across scenarios, drivers,
regret. matplotlib's object API only (no pyplot state); fonts and style from
`experiments.report.plot` (a CJK font for ``zh``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from experiments.report.plot import BASELINE_COLOR, HORIZONTAL, MONEY, save, style
from experiments.report.vocab import in_currency
from experiments.studies.robustness.vocab import FIGURE_TEXT as TEXT

GOOD, BAD, GREY = "#2e7d32", "#c62828", "#757575"


def delta_distribution(
    deltas: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
    meta: dict | None = None,
) -> Path:
    """Box + dots of each policy's Δprofit across scenarios, best (by mean regret) on top."""
    t = in_currency(TEXT[lang], meta)
    pols = [p for p in order if p != baseline]
    data = [deltas.loc[deltas["policy"] == p, "d_profit"].to_numpy(float) for p in pols]
    with style(lang):
        fig = Figure(figsize=(8, max(2.6, 1.2 + 0.45 * len(pols))))
        ax = fig.add_subplot()
        y = np.arange(len(pols))[::-1]
        if pols:
            ax.boxplot(
                data,
                positions=y,
                widths=0.6,
                showfliers=False,
                **HORIZONTAL,
                medianprops={"color": BASELINE_COLOR},
            )
        rng = np.random.default_rng(0)
        for yi, d in zip(y, data, strict=True):
            colors = np.where(d > 0, GOOD, np.where(d < 0, BAD, GREY))
            ax.scatter(
                d, yi + rng.uniform(-0.18, 0.18, len(d)), s=9, c=colors, alpha=0.6, linewidths=0
            )
        ax.axvline(0, color=BASELINE_COLOR, lw=1, ls="--")
        ax.set_yticks(y, [labels.get(p, p) for p in pols])
        ax.xaxis.set_major_formatter(MONEY)
        ax.set_xlabel(t["dist_x"])
        ax.set_title(t["dist_title"].format(base=labels.get(baseline, baseline)), loc="left")
        fig.tight_layout()
        return save(fig, path)


def driver_bars(
    drivers: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    path: Path,
    lang: str = "en",
    top: int = 5,
    meta: dict | None = None,
) -> Path:
    """Small multiples: the `top` drivers of each policy with their CIs (green: a higher value
    raises Δprofit, red: lowers it)."""
    t = in_currency(TEXT[lang], meta)
    moving = set(drivers.loc[drivers["importance"] > 0, "policy"])  # skip policies w/o effect
    pols = [p for p in order if p in moving]
    method = str(drivers["method"].iloc[0]) if len(drivers) else "rank"
    method = {"srrc": "rank", "spearman": "rank"}.get(method, method)
    cols = 2 if len(pols) > 1 else 1
    rows = max(1, int(np.ceil(len(pols) / cols)))
    with style(lang):
        fig = Figure(
            figsize=(11 if cols == 2 else 6.5, 0.8 + rows * (0.35 * top + 0.9)),
            layout="constrained",
        )
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, p in zip(axes.flat, pols, strict=False):
            d = drivers[drivers["policy"] == p].nsmallest(top, "rank")
            y = np.arange(len(d))[::-1]
            colors = [GOOD if s > 0 else BAD if s < 0 else GREY for s in d["direction"]]
            err = np.vstack([d["importance"] - d["ci_low"], d["ci_high"] - d["importance"]])
            ax.barh(
                y,
                d["importance"],
                color=colors,
                xerr=np.clip(err, 0, None),
                error_kw={"lw": 1, "ecolor": "#424242"},
            )
            ax.set_yticks(y, [str(n).replace("behaviour.", "") for n in d["parameter"]], fontsize=8)
            ax.set_title(labels.get(p, p), loc="left", fontsize=10)
        for ax in list(axes.flat)[len(pols) :]:
            ax.set_axis_off()
        fig.suptitle(
            t["drivers_title"].format(method=t["method"].get(method, method)),
            x=0.01,
            ha="left",
            fontsize=10,
        )
        fig.legend(
            handles=[Patch(color=GOOD, label=t["up"]), Patch(color=BAD, label=t["down"])],
            loc="outside upper right",
            ncols=2,
            frameon=False,
            fontsize=8,
        )
        return save(fig, path)


def regret_bars(
    ranking: pd.DataFrame,
    labels: dict[str, str],
    path: Path,
    lang: str = "en",
    meta: dict | None = None,
) -> Path:
    """Mean and worst-case regret per policy, in the robust ranking's order (best on top)."""
    t = in_currency(TEXT[lang], meta)
    pols = list(ranking["policy"])
    with style(lang):
        fig = Figure(figsize=(8, max(2.6, 1.2 + 0.42 * len(pols))))
        ax = fig.add_subplot()
        y = np.arange(len(pols))[::-1]
        ax.barh(
            y + 0.2, ranking["regret_mean"], height=0.38, color="#1565c0", label=t["regret_mean"]
        )
        ax.barh(y - 0.2, ranking["regret_max"], height=0.38, color="#90caf9", label=t["regret_max"])
        ax.set_yticks(y, [labels.get(p, p) for p in pols])
        ax.xaxis.set_major_formatter(MONEY)
        ax.set_xlabel(t["regret_x"])
        ax.legend(loc="lower right", frameon=False)
        ax.set_title(t["regret_title"], loc="left")
        fig.tight_layout()
        return save(fig, path)
