"""Figures of a policy comparison (PNG, English or Chinese): pure functions of the tidy frames
the comparison writes; each returns the PNG path. Style, fonts, money axis and the atomic save
come from the report toolkit (`experiments.report.plot`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from experiments.report.plot import (
    BASELINE_COLOR,
    HORIZONTAL,
    MONEY,
    height,
    money_tick,
    save,
    style,
)
from experiments.report.vocab import SEGMENT_LABELS, in_currency
from experiments.studies.comparison.vocab import FIGURE_TEXT as TEXT

SEGMENT_DIRECTION = {
    "high_total_spend": 1,
    "high_ticket": 1,
    "high_loyalty": 1,
    "sleeping": -1,
    "silent": -1,
    "promo_only": -1,
}
"""Is more of a segment good (+1) or bad (-1) for the store? Others (0) are neutral."""
BETTER_WORSE = matplotlib.colors.LinearSegmentedColormap.from_list(
    "better_worse", ["#c62828", "#ffffff", "#2e7d32"]
)


# --------------------------------------------------------------------------- figures
def profit_difference(
    table: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
    level: float = 0.95,
    meta: dict | None = None,
) -> Path:
    """Forest plot: paired profit difference vs the baseline, mean and CI, best on top."""
    t = in_currency(TEXT[lang], meta)
    rows = table[(table["kpi"] == "profit") & (table["policy"] != baseline)].set_index("policy")
    pols = [p for p in order if p in rows.index]
    with style(lang):
        fig = Figure(figsize=(7.5, height(len(pols))))
        ax = fig.add_subplot()
        y = np.arange(len(pols))[::-1]
        for yi, p in zip(y, pols, strict=True):
            r = rows.loc[p]
            lo, hi = r["diff_ci_low"], r["diff_ci_high"]
            color = "#2e7d32" if lo > 0 else "#c62828" if hi < 0 else "#757575"
            if np.isfinite(lo) and np.isfinite(hi):
                ax.plot([lo, hi], [yi, yi], color=color, lw=2.5, solid_capstyle="round")
            ax.plot(r["diff_mean"], yi, "o", color=color, ms=7)
        ax.axvline(0, color=BASELINE_COLOR, lw=1, ls="--")
        ax.set_yticks(y, [labels[p] for p in pols])
        ax.set_xlabel(t["diff_x"])
        ax.xaxis.set_major_formatter(MONEY)
        ax.set_title(
            t["diff_title"].format(base=labels[baseline], level=f"{level:.0%}"), loc="left"
        )
        if not pols:
            ax.set_yticks([])
        fig.tight_layout()
        return save(fig, path)


def profit_distribution(
    runs: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    colors: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
    meta: dict | None = None,
) -> Path:
    """Box plot and the individual replications (strip) of profit per policy."""
    t = in_currency(TEXT[lang], meta)
    pols = list(order)
    data = [runs.loc[runs["policy"] == p, "profit"].to_numpy(float) for p in pols]
    with style(lang):
        fig = Figure(figsize=(7.5, height(len(pols))))
        ax = fig.add_subplot()
        y = np.arange(len(pols))[::-1]
        ax.boxplot(
            data,
            positions=y,
            widths=0.55,
            showfliers=False,
            **HORIZONTAL,
            medianprops={"color": BASELINE_COLOR},
            boxprops={"color": "#9e9e9e"},
            whiskerprops={"color": "#9e9e9e"},
            capprops={"color": "#9e9e9e"},
        )
        jitter = np.random.default_rng(0)
        for yi, p, vals in zip(y, pols, data, strict=True):
            ax.scatter(
                vals,
                yi + jitter.uniform(-0.15, 0.15, vals.size),
                s=14,
                alpha=0.8,
                color=colors[p],
                zorder=3,
                linewidths=0,
            )
        base = runs.loc[runs["policy"] == baseline, "profit"].mean()
        ax.axvline(
            base,
            color=BASELINE_COLOR,
            lw=1,
            ls="--",
            label=t["baseline_mean"].format(base=labels[baseline]),
        )
        ax.set_yticks(y, [labels[p] for p in pols])
        ax.set_xlabel(t["dist_x"])
        ax.xaxis.set_major_formatter(MONEY)
        ax.set_title(t["dist_title"], loc="left")
        ax.legend(loc="lower right", frameon=False)
        fig.tight_layout()
        return save(fig, path)


def _t_band(groups: Any, col: str, level: float) -> pd.DataFrame:
    """Mean and Student-t CI of `col` per group (NaN bounds with fewer than two values)."""
    from scipy import stats as sps

    agg = groups[col].agg(["mean", "std", "count"])
    n = agg["count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = sps.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = q * agg["std"].to_numpy(float) / np.sqrt(n)
    return agg.assign(low=agg["mean"] - half, high=agg["mean"] + half)


def retention_curves(
    series: pd.DataFrame,
    yearly: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    colors: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
    level: float = 0.95,
    meta: dict | None = None,
) -> Path:
    """Three panels. Top: the focal store's active customers over time (mean over
    replications); bottom left: the paired difference from the baseline (same seed, same tick)
    with its CI band; bottom right: yearly retention, mean with CI bars."""
    t = in_currency(TEXT[lang], meta)
    active = (
        series.groupby(["policy", "tick"], sort=False)
        .agg(date=("date", "first"), active=("active", "mean"))
        .reset_index()
    )
    base = series[series["policy"] == baseline].set_index(["replication", "tick"])["active"]
    delta = series.join(base.rename("base_active"), on=["replication", "tick"])
    delta = delta.assign(d=delta["active"] - delta["base_active"])
    dates = delta.groupby(["policy", "tick"], sort=False)["date"].first()
    delta = _t_band(delta.groupby(["policy", "tick"], sort=False), "d", level).join(dates)
    delta = delta.reset_index()
    y = yearly.assign(rate=lambda d: d["retained"] / d["base"].where(d["base"] > 0))
    rate = _t_band(y.groupby(["policy", "year"]), "rate", level).reset_index()
    n_reps = int(series.groupby("policy")["replication"].nunique().max()) if len(series) else 0
    band = t["band"].format(level=f"{level:.0%}")
    with style(lang):
        fig = Figure(figsize=(11, 7.6))
        grid = fig.add_gridspec(2, 2, width_ratios=[1.6, 1], height_ratios=[1, 1])
        ax1 = fig.add_subplot(grid[0, :])
        ax3 = fig.add_subplot(grid[1, 0], sharex=ax1)
        ax2 = fig.add_subplot(grid[1, 1])
        pols = list(order)
        for i, p in enumerate(pols[::-1]):  # baseline drawn last, on top
            lw, ls = (2.2, "--") if p == baseline else (1.4, "-")
            a = active[active["policy"] == p]
            ax1.plot(
                pd.to_datetime(a["date"]),
                a["active"],
                color=colors[p],
                lw=lw,
                ls=ls,
                label=labels[p],
            )
            d = delta[delta["policy"] == p]
            when = pd.to_datetime(d["date"])
            ax3.plot(when, d["mean"], color=colors[p], lw=lw, ls=ls)
            if p != baseline:
                ax3.fill_between(when, d["low"], d["high"], color=colors[p], alpha=0.15, lw=0)
            r = rate[rate["policy"] == p]
            if len(r):
                offset = (i - (len(pols) - 1) / 2) * 0.04  # side by side, not on top
                err = np.vstack([r["mean"] - r["low"], r["high"] - r["mean"]])
                ax2.errorbar(
                    r["year"] + offset,
                    r["mean"],
                    yerr=np.where(np.isfinite(err), err, 0.0),
                    marker="o",
                    ms=4,
                    capsize=2,
                    color=colors[p],
                    lw=lw,
                    ls=ls,
                )
        ax1.set_title(t["active_title"] + " · " + t["mean_of"].format(n=n_reps), loc="left")
        ax1.set_ylabel(t["active_y"])
        ax1.yaxis.set_major_formatter(MONEY)
        ax3.set_title(t["delta_title"].format(base=labels[baseline]) + " · " + band, loc="left")
        ax3.set_ylabel(t["active_y"])
        ax3.axhline(0, color=BASELINE_COLOR, lw=1, ls="--")
        ax2.set_title(t["yearly_title"] + " · " + band, loc="left")
        ax2.set_ylabel(t["yearly_y"])
        ax2.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        years = sorted(rate["year"].unique())
        if years:
            ax2.set_xticks(years, [t["year_tick"].format(a=int(k), b=int(k) + 1) for k in years])
            ax2.set_xlim(min(years) - 0.4, max(years) + 0.4)
        handles, names = ax1.get_legend_handles_labels()
        fig.legend(
            handles[::-1], names[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False
        )
        fig.tight_layout()
        return save(fig, path)


def cost_breakdown(
    runs: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    path: Path,
    lang: str = "en",
    meta: dict | None = None,
) -> Path:
    """Stacked bars of the mean ``cost_<policy>`` components per policy."""
    t = in_currency(TEXT[lang], meta)
    cols = [c for c in runs.columns if c.startswith("cost_")]
    means = runs.groupby("policy")[cols].mean().reindex(list(order)).fillna(0.0) if cols else None
    with style(lang):
        fig = Figure(figsize=(7.5, height(len(order))))
        ax = fig.add_subplot()
        y = np.arange(len(order))[::-1]
        if means is None or not (means.to_numpy() > 0).any():
            ax.text(0.5, 0.5, t["no_cost"], ha="center", va="center", transform=ax.transAxes)
        else:
            used = [c for c in cols if (means[c] > 0).any()]
            cmap = matplotlib.colormaps["tab20"]
            left = np.zeros(len(order))
            for i, c in enumerate(used):
                vals = means[c].to_numpy()
                name = c.removeprefix("cost_")
                ax.barh(
                    y,
                    vals,
                    left=left,
                    color=cmap(i % cmap.N),
                    height=0.6,
                    label=labels.get(name, name),
                )
                left += vals
            for yi, total in zip(y, left, strict=True):
                if total > 0:
                    ax.text(total, yi, " " + money_tick(total), va="center", fontsize=8)
            ax.legend(loc="lower right", frameon=False, fontsize=8)
            ax.xaxis.set_major_formatter(MONEY)
            ax.set_xlim(0, left.max() * 1.18)
        ax.set_yticks(y, [labels[p] for p in order])
        ax.set_xlabel(t["cost_x"])
        ax.set_title(t["cost_title"], loc="left")
        fig.tight_layout()
        return save(fig, path)


def segment_shifts(
    segments: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
    meta: dict | None = None,
) -> Path:
    """Heatmap: each segment's share of members at the last year end, minus the baseline's.

    The numbers are the signed change; the colour says whether the change is good for the
    store (green: more valuable or loyal members, fewer sleeping, silent or promotion-only
    ones; red: the opposite; white: neutral segments)."""
    t = in_currency(TEXT[lang], meta)
    k = 0 if lang == "en" else 1
    last = segments[segments["year"] == segments["year"].max()] if len(segments) else segments
    share = last.groupby(["policy", "segment"])["share_of_members"].mean().unstack()
    segs = [s for s in SEGMENT_LABELS if s in share.columns]
    segs += [s for s in share.columns if s not in segs]
    share = share.reindex(index=list(order), columns=segs)
    base = share.loc[baseline]
    others = [p for p in order if p != baseline]
    diff = (share.loc[others] - base) * 100 if others else share.iloc[:0]
    seg_names = [SEGMENT_LABELS.get(s, (s, s))[k] for s in segs]
    direction = np.array([SEGMENT_DIRECTION.get(s, 0) for s in segs], dtype=float)
    with style(lang):
        size = (max(7.5, 1.05 * len(segs) + 2.5), height(len(others) + 1, 0.45, 2.2))
        fig = Figure(figsize=size)
        ax = fig.add_subplot()
        if diff.size and np.isfinite(diff.to_numpy(dtype=float)).any():  # none: horizon < 1 year
            goodness = diff.to_numpy(dtype=float) * direction[None, :]
            lim = max(float(np.nanmax(np.abs(diff.to_numpy(dtype=float)))), 0.5)
            im = ax.imshow(goodness, cmap=BETTER_WORSE, vmin=-lim, vmax=lim, aspect="auto")
            for i in range(diff.shape[0]):
                for j in range(diff.shape[1]):
                    v = round(float(diff.iat[i, j]), 1) + 0.0  # no "-0.0"
                    if np.isfinite(v):
                        ax.text(
                            j,
                            i,
                            f"{v:+.1f}",
                            ha="center",
                            va="center",
                            fontsize=8,
                            color="white" if abs(goodness[i, j]) > 0.6 * lim else "black",
                        )
            bar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
            bar.set_label(t["seg_bar"], fontsize=8)
            bar.set_ticks([])
            ax.set_yticks(range(len(others)), [labels[p] for p in others])
        else:
            ax.set_yticks([])
        ax.set_xticks(
            range(len(segs)),
            [f"{n}\n({v:.0%})" for n, v in zip(seg_names, base.fillna(0.0), strict=True)],
            fontsize=8,
        )
        ax.set_xlabel(t["seg_base"].format(base=labels[baseline]))
        ax.set_title(t["seg_title"].format(base=labels[baseline]), loc="left")
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        return save(fig, path)
