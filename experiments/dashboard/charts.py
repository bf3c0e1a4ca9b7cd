"""The dashboard's pictures (PNG bytes), in English or Chinese.

Rendered inside `experiments.figures.style(lang)` so Chinese labels use the bundled CJK font, and
returned as PNG bytes: the page shows them as images, and the browser needs no font of its own.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from experiments.dashboard import text
from experiments.dashboard.story import Story
from experiments.dashboard.twin import METRICS, ObservedModel
from experiments.figures import BASELINE_COLOR, style
from sim.config import TIERS

CHOSEN_COLOR = "#1565c0"
UP, DOWN = "#2e7d32", "#c62828"
TIER_COLORS = {"town": "#a5d6a7", "county": "#90caf9", "prefecture": "#ef9a9a"}
DPI = 90
BIN = pd.Timedelta(weeks=13)
"""Width of one period of the tier shares (market_view.spend_by_tier's quarters)."""


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _dates(ax) -> None:
    locator = mdates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _yuan(x: float, _pos=None) -> str:
    return f"{x:,.0f}"


class DistinctTicks(Formatter):
    """Tick labels with just enough decimals that no two ticks of an axis read the same, and
    never "−0": a difference axis near zero reads "−0.5 0 0.5", not "−0 −0 0 0 0"."""

    def __init__(self, percent: bool = False) -> None:
        self.percent = percent
        self._ticks: list[float] = []

    def set_locs(self, locs) -> None:
        """Matplotlib passes the axis's tick positions before asking for their labels."""
        self._ticks = [float(x) for x in locs]

    def _decimals(self) -> int:
        """The fewest decimals that write every tick exactly (so no two read the same)."""
        locs = np.asarray(self._ticks, dtype=float) * (100 if self.percent else 1)
        for d in range(5):
            if np.all(np.abs(np.round(locs, d) - locs) <= 1e-6 * np.maximum(1.0, np.abs(locs))):
                return d
        return 4

    def __call__(self, x: float, pos=None) -> str:
        v = float(x) * (100 if self.percent else 1)
        d = self._decimals()
        v = round(v, d) + 0.0  # + 0.0 turns -0.0 into 0.0
        text_ = f"{v:,.{d}f}"
        return text_ + ("%" if self.percent else "")


def _tidy_axis(ax, values: np.ndarray, *, percent: bool = False, integer: bool = True) -> None:
    """Distinct tick labels; a flat series (e.g. every difference at week 0) gets a small
    symmetric range around its value instead of matplotlib's ±0.05, whose ticks round to 0."""
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=integer and not percent))
    ax.yaxis.set_major_formatter(DistinctTicks(percent))
    v = values[np.isfinite(values)]
    if not v.size and percent:
        ax.set_ylim(0.0, 1.0)  # nothing to show yet: the whole range a share can take
    elif v.size and np.ptp(v) == 0:
        pad = 0.01 if percent else max(1.0, abs(float(v[0])) * 0.01)
        ax.set_ylim(float(v[0]) - pad, float(v[0]) + pad)


def overlay(
    history: pd.DataFrame, lang: str, end: pd.Timestamp | None = None, profile: Any = None
) -> bytes:
    """Top row: each KPI with the policy and the baseline overlaid; bottom row: the running
    difference (policy minus baseline), green where the policy is ahead. The time axis spans
    the whole run (to `end`) so the lines grow across it. At week 0 each value is one point:
    drawn as a dot, with a note that the lines start there."""
    return overlay_with_ticks(history, lang, end, profile)[0]


def overlay_with_ticks(
    history: pd.DataFrame, lang: str, end: pd.Timestamp | None = None, profile: Any = None
) -> tuple[bytes, dict[str, list[str]]]:
    """`overlay` and the y tick labels each panel shows (panel name -> labels in view); money
    in the currency of the store's `profile` (default: yuan)."""
    ticks: dict[str, list[str]] = {}
    with style(lang):
        fig = Figure(figsize=(12, 5.6))
        axes = fig.subplots(2, 3, sharex=True)
        when = pd.to_datetime(history["date"])
        one = len(history) == 1
        marker = "o" if one else None
        for j, k in enumerate(METRICS):
            top, bottom = axes[0, j], axes[1, j]
            top.plot(
                when,
                history[f"base_{k}"],
                color=BASELINE_COLOR,
                ls="--",
                lw=1.6,
                marker=marker,
                label=text.tr(lang, "baseline"),
            )
            top.plot(
                when,
                history[k],
                color=CHOSEN_COLOR,
                lw=1.8,
                marker=marker,
                markersize=4,
                label=text.tr(lang, "chosen"),
            )
            top.set_title(text.money(text.tr(lang, k), profile), loc="left")
            d = history[f"diff_{k}"].to_numpy(float)
            bottom.axhline(0, color=BASELINE_COLOR, lw=0.8)
            bottom.fill_between(
                when, d, 0, where=d >= 0, color=UP, alpha=0.35, lw=0, interpolate=True
            )
            bottom.fill_between(
                when, d, 0, where=d < 0, color=DOWN, alpha=0.35, lw=0, interpolate=True
            )
            bottom.plot(when, d, color="#424242", lw=1, marker=marker, markersize=4)
            bottom.set_title(text.tr(lang, "diff"), loc="left", fontsize=9)
            both = history[[k, f"base_{k}"]].to_numpy(float).ravel()
            percent = k == "vip_retention"
            _tidy_axis(top, both, percent=percent)
            _tidy_axis(bottom, np.append(d, 0.0), percent=percent)
            if not np.isfinite(both).any():
                top.text(
                    0.5,
                    0.5,
                    text.tr(lang, "no_value_yet"),
                    transform=top.transAxes,
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color="#616161",
                    wrap=True,
                )
            _dates(bottom)
            if end is not None:
                bottom.set_xlim(when.iloc[0], max(end, when.iloc[-1]))
        axes[0, 0].legend(loc="upper left", frameon=False, fontsize=8)
        fig.tight_layout()
        fig.canvas.draw()
        for j, k in enumerate(METRICS):
            for row, ax in (("", axes[0, j]), ("diff_", axes[1, j])):
                lo, hi = ax.get_ylim()
                ticks[row + k] = [
                    t.get_text()
                    for t, loc in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)
                    if lo <= loc <= hi
                ]
        return png(fig), ticks


def market_map(model: ObservedModel, places: pd.DataFrame, flows: pd.Series, lang: str) -> bytes:
    """Places as boxes on three rows (prefecture on top), each with its stores; lines to the
    tier above; arrows from the focal store's place to where its original customers spend."""
    with style(lang):
        fig = Figure(figsize=(10, 5.4))
        ax = fig.add_subplot()
        pos: dict[str, tuple[float, float]] = {}
        for rank in range(len(TIERS)):
            here = places[places["rank"] == rank]
            xs = np.linspace(0, 1, len(here) + 2)[1:-1]
            for x, (_, p) in zip(xs, here.iterrows(), strict=True):
                pos[p["place"]] = (float(x), float(rank))
        focal_place = model.market.stores[model.focal].place
        for _, p in places.iterrows():
            x, y = pos[p["place"]]
            if p["parent"]:
                px, py = pos[p["parent"]]
                ax.plot([x, px], [y, py], color="#bdbdbd", lw=1, zorder=1)
        for place, share in flows.items():
            if place == focal_place or share <= 0.005:
                continue
            (x0, y0), (x1, y1) = pos[focal_place], pos[place]
            ax.annotate(
                "",
                xy=(x1, y1 - 0.12 if y1 > y0 else y1 + 0.12 if y1 < y0 else y1),
                xytext=(x0, y0),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "#6a1b9a",
                    "lw": 1 + 14 * float(share),
                    "alpha": 0.55,
                    "connectionstyle": "arc3,rad=0.15",
                    "shrinkA": 18,
                    "shrinkB": 18,
                },
                zorder=2,
            )
            ax.text(
                (x0 + x1) / 2,
                (y0 + y1) / 2 + 0.08,
                f"{share:.0%}",
                color="#6a1b9a",
                fontsize=9,
                ha="center",
                zorder=5,
            )
        for _, p in places.iterrows():
            x, y = pos[p["place"]]
            names = [text.store_label(model.market.stores[s], lang) for s in p["stores"]]
            names = [
                ("★ " if s == model.focal else "") + n
                for s, n in zip(p["stores"], names, strict=True)
            ]
            label = text.place_label(p["place"], lang)
            if p["place"] == focal_place:
                label += f" ({flows.get(focal_place, 0.0):.0%})"
            ax.text(
                x,
                y,
                label + ("\n" + "\n".join(names) if names else ""),
                ha="center",
                va="center",
                fontsize=8.5,
                zorder=4,
                bbox={
                    "boxstyle": "round,pad=0.4",
                    "fc": TIER_COLORS[p["tier"]],
                    "ec": "#6a1b9a" if p["place"] == focal_place else "#757575",
                    "lw": 2 if p["place"] == focal_place else 0.8,
                },
            )
        ax.set_yticks(range(len(TIERS)), [text.tier_label(t, lang) for t in TIERS])
        ax.set_ylim(-0.6, len(TIERS) - 0.4)
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks([])
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_title(text.tr(lang, "map_title"), loc="left")
        fig.tight_layout()
        return png(fig)


def tier_flows(
    frame: pd.DataFrame, lang: str, span: tuple[pd.Timestamp, pd.Timestamp] | None = None
) -> bytes:
    """Stacked shares of spending by store tier over time: elites and everyone else; the time
    axis covers `span` (the whole run) when given."""
    with style(lang):
        fig = Figure(figsize=(10, 3.6))
        axes = fig.subplots(1, 2, sharey=True)
        for ax, group in zip(axes, ("elites", "others"), strict=True):
            g = frame[frame["group"] == group]
            if len(g):
                wide = g.pivot_table(index="date", columns="tier", values="share", fill_value=0.0)
                tiers = [t for t in TIERS if t in wide.columns]
                # each period's shares as a flat band across it (one period shows too)
                width = wide.index[1] - wide.index[0] if len(wide) > 1 else BIN
                x = wide.index.append(pd.DatetimeIndex([wide.index[-1] + width]))
                ax.stackplot(
                    x,
                    *[np.append(wide[t].to_numpy(), wide[t].iloc[-1]) for t in tiers],
                    colors=[TIER_COLORS[t] for t in tiers],
                    labels=[text.tier_label(t, lang) for t in tiers],
                    step="post",
                )
                _dates(ax)
                if span is not None:
                    ax.set_xlim(*span)
            ax.set_title(text.tr(lang, group), loc="left")
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.set_ylim(0, 1)
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles[::-1], labels[::-1], loc="center right", frameon=False)
        fig.tight_layout(rect=(0, 0, 0.86, 1))
        return png(fig)


def customer_story(model: ObservedModel, s: Story, lang: str) -> bytes:
    """Left: purchases over time by store; right: satisfaction with each store (now)."""
    names = [text.store_label(spec, lang) for spec in model.market.stores]
    with style(lang):
        fig = Figure(figsize=(11, 3.6))
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        cmap = {
            i: c
            for i, c in enumerate(
                ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#8d6e63"]
            )
        }
        if len(s.purchases):
            for st, g in s.purchases.groupby("store"):
                ax1.scatter(
                    g["date"],
                    g["paid"],
                    s=28,
                    color=cmap.get(int(st) % 7),
                    label=names[int(st)],
                    marker="o",
                )
                promo = g[g["promo"]]
                if len(promo):
                    ax1.scatter(
                        promo["date"],
                        promo["paid"],
                        s=70,
                        facecolors="none",
                        edgecolors="#424242",
                        lw=0.8,
                    )
            for _, c in s.complaints.iterrows():
                ax1.axvline(c["date"], color=DOWN, ls=":", lw=1)
            ax1.legend(frameon=False, fontsize=8)
            ax1.yaxis.set_major_formatter(FuncFormatter(_yuan))
            _dates(ax1)
            cal = model.calendar
            start = pd.Timestamp(cal.start)
            ax1.set_xlim(start, start + pd.Timedelta(days=model.n_ticks * cal.tick_days))
        else:
            ax1.text(
                0.5,
                0.5,
                text.tr(lang, "no_purchases"),
                ha="center",
                va="center",
                transform=ax1.transAxes,
            )
        ax1.set_title(text.tr(lang, "purchases"), loc="left")
        ax1.set_ylabel(text.money(text.tr(lang, "amount"), model.market.profile))
        y = np.arange(len(names))[::-1]
        vals = s.satisfaction
        ax2.barh(y, vals, color=[UP if v >= 0 else DOWN for v in vals], height=0.6)
        ax2.axvline(0, color=BASELINE_COLOR, lw=0.8)
        ax2.set_yticks(
            y, [("★ " if i == model.focal else "") + n for i, n in enumerate(names)], fontsize=8
        )
        lim = max(1.0, float(np.abs(vals).max()) * 1.1)
        ax2.set_xlim(-lim, lim)
        ax2.set_title(text.tr(lang, "satisfaction"), loc="left")
        fig.tight_layout()
        return png(fig)
