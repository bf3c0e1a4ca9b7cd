"""Figures of a policy comparison (PNG), in English or simplified Chinese.

Pure functions of the tidy frames `experiments.compare` writes; each returns the PNG path. Uses
matplotlib's object API (no pyplot state), so it is safe in worker processes and tests.

Chinese text needs a CJK font. `find_cjk_font` looks, in order, at the file named by the
environment variable ``STORE_LAB_CJK_FONT``, at the fonts matplotlib already knows (system fonts,
e.g. from ``apt-get install fonts-noto-cjk``), and at font files shipped by pip packages
(``noto-cjk-sans-otc``, ``mplfonts``). Nothing is downloaded at run time. Without one, Chinese
figures still render (as boxes) after a single clear warning.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.font_manager as fm
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.stats import t_interval

log = logging.getLogger(__name__)

CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Sarasa Gothic SC",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
"""CJK font families that carry simplified Chinese, most preferred first."""
FONT_ENV = "STORE_LAB_CJK_FONT"
FONT_HINT = (
    "pip install noto-cjk-sans-otc (or apt-get install fonts-noto-cjk), or point "
    f"{FONT_ENV} at a .ttf/.otf/.ttc file"
)
BASELINE_COLOR = "#222222"
_MPL = tuple(int(v) for v in matplotlib.__version__.split(".")[:2])
HORIZONTAL: dict[str, Any] = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}
DPI = 110

SEGMENT_LABELS = {
    "sleeping": ("Sleeping", "沉睡"),
    "silent": ("Silent", "沉默"),
    "promo_only": ("Promo-only\n(low value)", "低价低频"),
    "high_total_spend": ("High total\nspend", "高消费总额"),
    "high_ticket": ("High ticket", "高客单价"),
    "high_loyalty": ("High loyalty", "高忠诚"),
    "promo_frequent": ("Promo,\nfrequent", "低价高频"),
    "regular": ("Regular", "普通"),
}
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

TEXT = {
    "en": {
        "diff_title": "Extra profit vs {base} (mean and {level} CI, paired by seed)",
        "diff_x": "Difference in profit over the run (yuan)",
        "dist_title": "Profit of your store in each replication",
        "dist_x": "Profit over the run (yuan)",
        "active_title": "Active customers (bought in the last 180 days)",
        "active_y": "customers",
        "yearly_title": "Year-over-year retention",
        "delta_title": "Active customers: difference vs {base} (same seeds)",
        "yearly_y": "customers kept",
        "year_tick": "Y{a}→Y{b}",
        "cost_title": "What each policy spends (mean over replications)",
        "cost_x": "Policy cost over the run (yuan)",
        "no_cost": "No policy spends anything",
        "seg_title": "Member segments at the last year end: change vs {base} (percentage points)",
        "seg_base": "{base}: share of members",
        "seg_bar": "green: better for your store · red: worse (pp)",
        "band": "{level} CI",
        "mean_of": "mean of {n} replications",
        "baseline_mean": "{base} (mean)",
    },
    "zh": {
        "diff_title": "相对“{base}”多赚的利润（均值与{level}置信区间，按种子配对）",
        "diff_x": "整个模拟期利润差额（元）",
        "dist_title": "每次重复模拟中您门店的利润",
        "dist_x": "整个模拟期利润（元）",
        "active_title": "活跃顾客数（近180天内有购买）",
        "active_y": "顾客数",
        "yearly_title": "逐年留存率",
        "delta_title": "活跃顾客数：与“{base}”之差（相同种子）",
        "yearly_y": "留住的顾客比例",
        "year_tick": "第{a}→{b}年",
        "cost_title": "各策略的花费构成（各次重复的均值）",
        "cost_x": "整个模拟期策略成本（元）",
        "no_cost": "所有策略都没有花费",
        "seg_title": "最后一个年末的会员分群：相对“{base}”的变化（百分点）",
        "seg_base": "{base}：会员占比",
        "seg_bar": "绿色：对门店更有利 · 红色：更不利（百分点）",
        "band": "{level}置信区间",
        "mean_of": "{n}次重复的均值",
        "baseline_mean": "{base}（均值）",
    },
}


# --------------------------------------------------------------------------- fonts
@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """Family name of a CJK-capable font registered with matplotlib, or None."""
    candidates: list[Path] = []
    env = os.environ.get(FONT_ENV)
    if env:
        candidates.append(Path(env))
    for path in candidates:
        if path.is_file():
            try:
                fm.fontManager.addfont(str(path))
                return fm.FontProperties(fname=str(path)).get_name()
            except Exception as exc:  # a bad user file: warn and go on
                log.warning("cannot load %s=%s: %s", FONT_ENV, path, exc)
    known = {f.name for f in fm.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in packaged_font_files():
        try:
            fm.fontManager.addfont(str(path))
        except Exception:  # skip unreadable files
            continue
    known = {f.name for f in fm.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    return None


def packaged_font_files() -> list[Path]:
    """CJK font files shipped inside installed pip packages (nothing is downloaded)."""
    files: list[Path] = []
    for module, pattern in (
        ("noto_cjk_sans_otc", "*.tt[cf]"),
        ("mplfonts", "fonts/*Sans*SC*"),
        ("mplfonts", "fonts/*CJKsc*"),
        ("mplfonts", "fonts/SimHei.ttf"),
    ):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            files.extend(sorted(Path(root).glob(pattern)))
    return files


_warned = False


@contextmanager
def style(lang: str):
    """matplotlib rc settings for the language (a CJK font first for zh, DejaVu as fallback)."""
    global _warned
    rc: dict[str, Any] = {
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "font.size": 9,
        "figure.dpi": DPI,
        "savefig.bbox": "tight",
    }
    if lang == "zh":
        family = find_cjk_font()
        if family is None:
            if not _warned:
                warnings.warn(
                    f"no CJK font found: Chinese text in figures will show as boxes; {FONT_HINT}",
                    stacklevel=2,
                )
                _warned = True
        else:
            rc["font.family"] = "sans-serif"
            rc["font.sans-serif"] = [family, "DejaVu Sans"]
            rc["axes.unicode_minus"] = False
            rc["axes.titleweight"] = "normal"  # CJK fonts shipped in one (regular) weight
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


# --------------------------------------------------------------------------- helpers
def policy_colors(policies: Sequence[str], baseline: str) -> dict[str, str]:
    """A fixed colour per policy (baseline dark grey), the same in every figure."""
    others = [p for p in policies if p != baseline]
    cmap = matplotlib.colormaps["tab10" if len(others) <= 10 else "tab20"]
    colors = {p: matplotlib.colors.to_hex(cmap(i % cmap.N)) for i, p in enumerate(others)}
    colors[baseline] = BASELINE_COLOR
    return colors


def _yuan(x: float, _pos: Any = None) -> str:
    return f"{x:,.0f}"


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI)
    return path


def _height(n: int, per: float = 0.42, extra: float = 1.4) -> float:
    return max(2.6, extra + per * n)


# --------------------------------------------------------------------------- figures
def profit_difference(
    table: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
    level: float = 0.95,
) -> Path:
    """Forest plot: paired profit difference vs the baseline, mean and CI, best on top."""
    t = TEXT[lang]
    rows = table[(table["kpi"] == "profit") & (table["policy"] != baseline)].set_index("policy")
    pols = [p for p in order if p in rows.index]
    with style(lang):
        fig = Figure(figsize=(7.5, _height(len(pols))))
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
        ax.xaxis.set_major_formatter(FuncFormatter(_yuan))
        ax.set_title(
            t["diff_title"].format(base=labels[baseline], level=f"{level:.0%}"), loc="left"
        )
        if not pols:
            ax.set_yticks([])
        fig.tight_layout()
        return _save(fig, path)


def profit_distribution(
    runs: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    colors: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
) -> Path:
    """Box plot and the individual replications (strip) of profit per policy."""
    t = TEXT[lang]
    pols = list(order)
    data = [runs.loc[runs["policy"] == p, "profit"].to_numpy(float) for p in pols]
    with style(lang):
        fig = Figure(figsize=(7.5, _height(len(pols))))
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
        ax.xaxis.set_major_formatter(FuncFormatter(_yuan))
        ax.set_title(t["dist_title"], loc="left")
        ax.legend(loc="lower right", frameon=False)
        fig.tight_layout()
        return _save(fig, path)


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
) -> Path:
    """Three panels. Top: the focal store's active customers over time (mean over
    replications); bottom left: the paired difference from the baseline (same seed, same tick)
    with its CI band; bottom right: yearly retention, mean with CI bars."""
    t = TEXT[lang]
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
        ax1.yaxis.set_major_formatter(FuncFormatter(_yuan))
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
        return _save(fig, path)


def cost_breakdown(
    runs: pd.DataFrame, order: Sequence[str], labels: dict[str, str], path: Path, lang: str = "en"
) -> Path:
    """Stacked bars of the mean ``cost_<policy>`` components per policy."""
    t = TEXT[lang]
    cols = [c for c in runs.columns if c.startswith("cost_")]
    means = runs.groupby("policy")[cols].mean().reindex(list(order)).fillna(0.0) if cols else None
    with style(lang):
        fig = Figure(figsize=(7.5, _height(len(order))))
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
                    ax.text(total, yi, " " + _yuan(total), va="center", fontsize=8)
            ax.legend(loc="lower right", frameon=False, fontsize=8)
            ax.xaxis.set_major_formatter(FuncFormatter(_yuan))
            ax.set_xlim(0, left.max() * 1.18)
        ax.set_yticks(y, [labels[p] for p in order])
        ax.set_xlabel(t["cost_x"])
        ax.set_title(t["cost_title"], loc="left")
        fig.tight_layout()
        return _save(fig, path)


def segment_shifts(
    segments: pd.DataFrame,
    order: Sequence[str],
    labels: dict[str, str],
    baseline: str,
    path: Path,
    lang: str = "en",
) -> Path:
    """Heatmap: each segment's share of members at the last year end, minus the baseline's.

    The numbers are the signed change; the colour says whether the change is good for the
    store (green: more valuable or loyal members, fewer sleeping, silent or promotion-only
    ones; red: the opposite; white: neutral segments)."""
    t = TEXT[lang]
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
        size = (max(7.5, 1.05 * len(segs) + 2.5), _height(len(others) + 1, 0.45, 2.2))
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
        return _save(fig, path)


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
            ax.yaxis.set_major_formatter(FuncFormatter(_yuan))
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
        return _save(fig, path)
