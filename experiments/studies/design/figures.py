"""The design study's figures: profit against each lever, and the profit-retention front."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.report.plot import MONEY, save, style  # noqa: E402
from experiments.studies.design.search import DesignResult  # noqa: E402
from experiments.studies.design.space import lever_units, money_value  # noqa: E402
from experiments.studies.design.vocab import text  # noqa: E402

MAX_PANELS = 6


def response(result: DesignResult, path: Path, lang: str) -> Path:
    """Profit difference per year against each lever (search seeds, with CIs); re-evaluated
    candidates on fresh seeds as open diamonds, the chosen setting as a star, the shipped
    setting as a dashed line."""
    t = text(lang)
    plan, trials = result.plan, result.trials
    ok = trials[trials["state"] == "complete"]
    space = plan.space[:MAX_PANELS]
    cols = min(3, len(space))
    rows = int(np.ceil(len(space) / cols))
    profile = plan.market.profile

    def shown_x(d, values):  # money levers on the store's money axis
        if d.lever.basis and money_value(d, 1.0, profile) is not None:
            return values * money_value(d, 1.0, profile)
        return values

    shipped = {
        d.key: lever_units(d, plan.entries[d.entry], profile) for d in space
    }
    best = result.best
    with style(lang):
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
        for ax, d in zip(axes.flat, space, strict=False):
            x = shown_x(d, ok[d.key].astype(float) if d.lever.kind != "choice" else ok[d.key])
            if d.lever.kind == "choice":
                codes = {c: i for i, c in enumerate(d.lever.choices)}
                x = x.map(codes)
                ax.set_xticks(range(len(codes)), [str(c) for c in codes])
            err = np.vstack(
                [ok["profit_mean"] - ok["profit_low"], ok["profit_high"] - ok["profit_mean"]]
            )
            ax.errorbar(
                x,
                ok["profit_mean"],
                yerr=np.nan_to_num(err),
                fmt="o",
                ms=3.5,
                color="#1f77b4",
                ecolor="#c6dbef",
                elinewidth=1,
                label=t["fig_search"],
            )
            re = ok[ok["reevaluated"]]
            xr = re[d.key].map(codes) if d.lever.kind == "choice" else shown_x(d, re[d.key])
            ax.scatter(
                xr,
                re["fresh_profit_mean"],
                marker="D",
                facecolors="none",
                edgecolors="#d62728",
                s=30,
                label=t["fig_fresh"],
                zorder=3,
            )
            bx = best["values"][d.key]
            bx = codes[bx] if d.lever.kind == "choice" else shown_x(d, float(bx))
            ax.scatter(
                [bx],
                [best["outcome"].profit.mean],
                marker="*",
                s=160,
                color="#d62728",
                label=t["fig_best"],
                zorder=4,
            )
            if d.lever.kind != "choice" and shipped[d.key] is not None:
                ax.axvline(
                    shown_x(d, shipped[d.key]),
                    color="#757575",
                    ls="--",
                    lw=1,
                    label=t["fig_shipped"],
                )
            ax.axhline(0, color="#424242", lw=0.8)
            ax.set_xlabel(d.parameter)
            if d.lever.basis:
                ax.xaxis.set_major_formatter(MONEY)
            ax.yaxis.set_major_formatter(MONEY)
        for ax in list(axes.flat)[len(space) :]:
            ax.set_visible(False)
        axes.flat[0].set_ylabel(t["fig_profit_axis"])
        axes.flat[0].legend(fontsize=7, loc="best")
        fig.suptitle(t["fig_response_title"])
        fig.tight_layout()
        save(fig, path)
        plt.close(fig)
    return path


def front(result: DesignResult, path: Path, lang: str) -> Path:
    """Every trial's profit against retention difference; the front joined by a line; arrows
    from the search value to the fresh-seed value of each re-evaluated trial."""
    t = text(lang)
    ok = result.trials[result.trials["state"] == "complete"]
    with style(lang):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        ax.scatter(
            ok["retention_mean"], ok["profit_mean"], s=14, color="#9ecae1", label=t["fig_trials"]
        )
        fr = ok[ok["on_front"]].sort_values("retention_mean")
        ax.plot(
            fr["retention_mean"],
            fr["profit_mean"],
            "-o",
            color="#1f77b4",
            ms=4,
            label=t["fig_front"],
        )
        re = ok[ok["reevaluated"]]
        for r in re.itertuples():
            if pd.notna(r.fresh_profit_mean) and pd.notna(r.fresh_retention_mean):
                ax.annotate(
                    "",
                    xy=(r.fresh_retention_mean, r.fresh_profit_mean),
                    xytext=(r.retention_mean, r.profit_mean),
                    arrowprops={"arrowstyle": "->", "color": "#d62728", "lw": 0.8},
                )
        ax.scatter(
            re["fresh_retention_mean"],
            re["fresh_profit_mean"],
            marker="D",
            facecolors="none",
            edgecolors="#d62728",
            s=30,
            label=t["fig_fresh"],
        )
        ax.axhline(0, color="#424242", lw=0.8)
        ax.axvline(0, color="#424242", lw=0.8)
        ax.set_xlabel(t["fig_retention_axis"])
        ax.set_ylabel(t["fig_profit_axis"])
        ax.yaxis.set_major_formatter(MONEY)
        ax.legend(fontsize=7, loc="best")
        ax.set_title(t["fig_front_title"])
        fig.tight_layout()
        save(fig, path)
        plt.close(fig)
    return path
