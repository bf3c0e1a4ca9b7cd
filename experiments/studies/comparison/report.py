"""A self-contained HTML report of a policy comparison, for a store owner (English / 简体中文).

`write_report` draws the figures (`figures`) into the output directory and writes
``report.html`` (``report_zh.html``) through the toolkit's page shell (`experiments.report`): every
image embedded as base64 and a subset of the bundled CJK font embedded too, so the file can be
mailed on its own, opened on a machine without Chinese fonts, and printed to a clean PDF.

It can also be rebuilt from a finished comparison directory, e.g. in another language::

    python -m experiments.report outputs/compare/2025-01-01_12-00-00 --lang zh
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.analysis.statistics import wide
from experiments.engine.store import atomic_write_text
from experiments.report import lang_suffix, report_name
from experiments.report.blocks import figure as figure_html
from experiments.report.blocks import money as money_text
from experiments.report.blocks import number, percent, with_ci
from experiments.report.blocks import table as table_block
from experiments.report.page import render_page, section
from experiments.report.plot import policy_colors
from experiments.report.vocab import LANGS, STORE_NAMES_ZH, policy_labels
from experiments.studies.base import Page
from experiments.studies.comparison import figures
from experiments.studies.comparison.vocab import REPORT_TEXT as T

FIGURES = (
    "profit_vs_baseline",
    "profit_distribution",
    "retention_curves",
    "cost_breakdown",
    "segment_shifts",
)


def store_name(meta: dict[str, Any], lang: str, store: str | None = None) -> str:
    """Display name of a store (the focal one by default): its config `name`, never its id."""
    store = store or meta.get("focal_store")
    names = meta.get("store_names") or {}
    name = names.get(store)
    if name is None:
        for spec in (meta.get("market_config") or {}).get("stores") or []:
            if spec.get("id") == store:
                name = spec.get("name")
    if not name:
        return T[lang]["your_store"] if store == meta.get("focal_store") else str(store)
    return STORE_NAMES_ZH.get(name, name) if lang == "zh" else name


# --------------------------------------------------------------------------- formatting
class Fmt:
    """Number formatting in the report's language (what "not available" and durations read),
    through the toolkit's blocks."""

    def __init__(self, lang: str) -> None:
        self.t = T[lang]
        self.na = self.t["na"]

    def money(self, v: float, signed: bool = False) -> str:
        return money_text(v, signed=signed, na=self.na)

    def pct(self, v: float, signed: bool = False, digits: int = 1) -> str:
        return percent(v, digits=digits, signed=signed, na=self.na)

    def num(self, v: float, digits: int = 2, signed: bool = False) -> str:
        return number(v, digits=digits, signed=signed, na=self.na)

    def duration(self, seconds: Any) -> str:
        """Rounded: whole seconds under two minutes, else minutes with one decimal."""
        try:
            s = float(seconds)
        except (TypeError, ValueError):
            return self.na
        if not np.isfinite(s):
            return self.na
        if s < 120:
            return self.t["seconds"].format(v=max(1, round(s)) if s >= 0.5 else f"{s:.1f}")
        return self.t["minutes"].format(v=f"{s / 60:.1f}")

    def cell(self, value: str, lo: float, hi: float, fmt: Callable[[float], str]) -> str:
        """A table cell (HTML): the mean and, on its own line, the CI."""
        return with_ci(value, lo, hi, fmt)


def _years(meta: dict[str, Any]) -> float:
    try:
        return float(meta.get("years") or 1)
    except (TypeError, ValueError):
        return 1.0


def headlines(
    w: pd.DataFrame, baseline: str, labels: dict[str, str], lang: str, meta: dict[str, Any]
) -> list[str]:
    """One plain-language sentence (HTML) per policy, best first; the baseline first of all."""
    t, f = T[lang], Fmt(lang)
    level = f"{meta.get('level', 0.95):.0%}"
    years = _years(meta)
    years_txt = t["years"](years)
    b = w.loc[baseline]
    e = html.escape
    out = [
        t["base_line"].format(
            label=e(labels[baseline]),
            profit=f.money(b["profit_mean"]),
            per_year=f.money(b["profit_mean"] / years),
            years=years_txt,
            level=level,
            lo=f.money(b["profit_ci_low"]),
            hi=f.money(b["profit_ci_high"]),
            ret=f.pct(b["retention_mean"], digits=0),
            vip=f.pct(b["vip_retention_mean"], digits=0),
        )
    ]
    for p, r in w.iterrows():
        if p == baseline:
            continue
        cost = r["policy_cost_mean"]
        if np.isfinite(r["roi_mean"]) and cost > 0:
            roi = float(r["roi_mean"])
            roi_txt = t["roi_pos" if roi >= 0 else "roi_neg"].format(v=f.num(abs(roi)))
            cost_txt = t["cost_roi"].format(
                cost=f.money(cost),
                roi=f.num(roi),
                roi_txt=roi_txt,
                roi_lo=f.num(r["roi_ci_low"]),
                roi_hi=f.num(r["roi_ci_high"]),
            )
        elif cost > 0:
            cost_txt = t["cost_only"].format(cost=f.money(cost))
        else:
            cost_txt = t["no_cost"]
        lo, hi = r["profit_diff_ci_low"], r["profit_diff_ci_high"]
        key = "better" if lo > 0 else "worse" if hi < 0 else "unclear"
        if isinstance(r.get("profit_verdict"), str) and r["profit_verdict"] in t:
            key = r["profit_verdict"]  # false discovery rate controlled across the policies
        if r["profit_diff_mean"] == 0 and lo == 0 and hi == 0:
            key = "same"
        verdict = t[key].format(base=e(labels[baseline]), reps=meta.get("replications", ""))
        out.append(
            t["headline"].format(
                label=e(labels[p]),
                pct=f.pct(r["profit_diff_pct"], signed=True),
                level=level,
                lo=f.pct(r["profit_diff_pct_ci_low"], signed=True),
                hi=f.pct(r["profit_diff_pct_ci_high"], signed=True),
                base=e(labels[baseline]),
                diff=f.money(abs(r["profit_diff_mean"])),
                diff_year=f.money(abs(r["profit_diff_mean"]) / years),
                more=t["less" if r["profit_diff_mean"] < 0 else "more"],
                years=years_txt,
                vip=f.pct(r["vip_retention_mean"], digits=0),
                base_vip=f.pct(b["vip_retention_mean"], digits=0),
                ret=f.pct(r["retention_mean"], digits=0),
                cost=cost_txt,
                verdict=verdict,
            )
        )
    return out


def ranked_rows(
    w: pd.DataFrame, labels: dict[str, str], lang: str = "en", years: float = 1.0
) -> list[list[str]]:
    """Rows of the ranked table as HTML cells (mean, CI on its own line)."""
    f = Fmt(lang)

    def signed_money(v: float) -> str:
        return f.money(v, True)

    def pp(v: float) -> str:
        return f.num(v, 1, True)

    rows = []
    for p, r in w.iterrows():
        rows.append(
            [
                str(int(r["rank"])),
                html.escape(labels[p]),
                f.cell(f.money(r["profit_mean"]), r["profit_ci_low"], r["profit_ci_high"], f.money),
                f.cell(
                    f.money(r["profit_mean"] / years),
                    r["profit_ci_low"] / years,
                    r["profit_ci_high"] / years,
                    f.money,
                ),
                f.cell(
                    signed_money(r["profit_diff_mean"]),
                    r["profit_diff_ci_low"],
                    r["profit_diff_ci_high"],
                    signed_money,
                ),
                html.escape(f.pct(r["profit_diff_pct"], True)),
                f.cell(
                    f.pct(r["retention_mean"]),
                    r["retention_ci_low"],
                    r["retention_ci_high"],
                    f.pct,
                ),
                f.cell(
                    pp(100 * r["retention_diff_mean"]),
                    100 * r["retention_diff_ci_low"],
                    100 * r["retention_diff_ci_high"],
                    pp,
                ),
                html.escape(f.pct(r["vip_retention_mean"])),
                html.escape(f.money(r["policy_cost_mean"])),
                f.cell(f.num(r["roi_mean"]), r["roi_ci_low"], r["roi_ci_high"], f.num),
            ]
        )
    return rows


def table_html(cols: list[str], rows: list[list[str]]) -> str:
    """The ranked table; cells are HTML already, column 2 (names) left-aligned."""
    return table_block(cols, rows, cls="ranked", name_col=1)


# --------------------------------------------------------------------------- the report
def draw_figures(
    outdir: Path,
    *,
    table: pd.DataFrame,
    runs: pd.DataFrame,
    series: pd.DataFrame,
    yearly: pd.DataFrame,
    segments: pd.DataFrame,
    meta: dict[str, Any],
    lang: str = "en",
) -> dict[str, Path]:
    """All PNG figures of the report, ``<name>.png`` (``<name>_zh.png`` in Chinese)."""
    w = wide(table)
    order = list(w.index)
    baseline = meta["baseline"]
    labels = policy_labels(
        list(dict.fromkeys([*order, *_cost_names(runs)])), lang, meta.get("labels")
    )
    colors = policy_colors(meta.get("policies", order), baseline)
    colors.update({p: c for p, c in policy_colors(order, baseline).items() if p not in colors})
    level = float(meta.get("level", 0.95))

    def path(name: str) -> Path:
        return outdir / f"{name}{lang_suffix(lang)}.png"

    return {
        "profit_vs_baseline": figures.profit_difference(
            table, order, labels, baseline, path("profit_vs_baseline"), lang, level
        ),
        "profit_distribution": figures.profit_distribution(
            runs, order, labels, colors, baseline, path("profit_distribution"), lang
        ),
        "retention_curves": figures.retention_curves(
            series, yearly, order, labels, colors, baseline, path("retention_curves"), lang, level
        ),
        "cost_breakdown": figures.cost_breakdown(runs, order, labels, path("cost_breakdown"), lang),
        "segment_shifts": figures.segment_shifts(
            segments, order, labels, baseline, path("segment_shifts"), lang
        ),
    }


def _cost_names(runs: pd.DataFrame) -> list[str]:
    return [c.removeprefix("cost_") for c in runs.columns if c.startswith("cost_")]


def page(
    *,
    table: pd.DataFrame,
    runs: pd.DataFrame,
    meta: dict[str, Any],
    figs: dict[str, Path],
    lang: str = "en",
) -> Page:
    """The report's title, intro, sections and footer from the table and the drawn figures."""
    t, f = T[lang], Fmt(lang)
    w = wide(table)
    baseline = meta["baseline"]
    labels = policy_labels(list(w.index), lang, meta.get("labels"))
    level = f"{meta.get('level', 0.95):.0%}"
    years = _years(meta)
    years_txt = t["years"](years)
    seeds = meta.get("seeds") or [0]
    store = store_name(meta, lang)
    intro = t["intro"].format(
        customers=f"{meta.get('n_customers', 0):,}",
        years=years_txt,
        tick=t["ticks"].get(meta.get("tick"), meta.get("tick")),
        reps=meta.get("replications"),
        seed0=seeds[0],
        level=level,
    )
    heads = "".join(f"<li>{h}</li>\n" for h in headlines(w, baseline, labels, lang, meta))
    cols = [c.format(years=years_txt) for c in t["cols"]]
    sections = [
        section(t["headlines"], f'<ul class="headlines">\n{heads}</ul>'),
        section(
            t["table"].format(store=store),
            table_html(cols, ranked_rows(w, labels, lang, years))
            + '\n<p class="note">'
            + html.escape(t["table_note"].format(level=level, base=labels[baseline]))
            + "</p>",
        ),
    ]
    for name in FIGURES:
        title, caption = t["fig"][name]
        cap = caption.format(level=level, years=years_txt, base=labels[baseline])
        sections.append(figure_html(title, cap, figs[name]))
    method = t["method_text"].format(
        reps=meta.get("replications"),
        seeds=f"{seeds[0]}–{seeds[-1]}",
        base=labels[baseline],
        roi_method=t["roi_method"].get(meta.get("roi_method", "delta"), "delta"),
        runs=meta.get("runs", len(runs)),
        wall=f.duration(meta.get("wall_seconds")),
        workers=meta.get("workers", "?"),
    )
    if "verdict" in table.columns:
        from experiments.analysis.fdr import FDR_NOTE

        method += " " + FDR_NOTE[lang].format(
            alpha=1 - float(meta.get("level", 0.95)),
            m=table["policy"].nunique() - 1,
            base=labels[baseline],
        )
    sections.append(section(t["method"], f'<p class="note">{html.escape(method)}</p>'))
    return Page(
        t["title"].format(store=store),
        sections,
        intro_html=f"<p>{html.escape(intro)}</p>",
        footer=t["footer"],
        files=figs,
    )


def report_html(**kwargs: Any) -> str:
    """The report page as HTML text (keywords of `page`)."""
    lang = kwargs.get("lang", "en")
    p = page(**kwargs)
    return render_page(p.title, p.sections, lang, intro_html=p.intro_html, footer=p.footer)


def write_report(
    outdir: Path,
    *,
    table: pd.DataFrame,
    runs: pd.DataFrame,
    series: pd.DataFrame,
    yearly: pd.DataFrame,
    segments: pd.DataFrame,
    meta: dict[str, Any],
    lang: str = "en",
) -> Path:
    """Figures + the self-contained report in the language (``report.html`` or
    ``report_zh.html``, figures suffixed alike); returns its path."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    outdir = Path(outdir)
    figs = draw_figures(
        outdir,
        table=table,
        runs=runs,
        series=series,
        yearly=yearly,
        segments=segments,
        meta=meta,
        lang=lang,
    )
    html_text = report_html(table=table, runs=runs, meta=meta, figs=figs, lang=lang)
    return atomic_write_text(outdir / report_name(lang), html_text)


# --------------------------------------------------------------------------- rebuild from files
def report_from_dir(outdir: Path, lang: str = "en") -> Path:
    """Rebuild figures and the report from the files of a finished comparison, named by the
    one rule (`experiments.report.report_name`): a Chinese rebuild sits beside the English
    report; an English one rewrites it from the same files."""
    outdir = Path(outdir)
    meta = json.loads((outdir / "meta.json").read_text())
    return write_report(
        outdir,
        table=pd.read_csv(outdir / "comparison.csv"),
        runs=pd.read_parquet(outdir / "runs.parquet"),
        series=pd.read_parquet(outdir / "timeseries.parquet"),
        yearly=pd.read_csv(outdir / "yearly_retention.csv"),
        segments=pd.read_csv(outdir / "segments_by_year.csv"),
        meta=meta,
        lang=lang,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.report",
        description="Rebuild report.html from a comparison dir.",
    )
    parser.add_argument("compare_dir", type=Path)
    parser.add_argument("--lang", choices=list(LANGS), default="en")
    args = parser.parse_args(argv)
    needed = (
        "meta.json",
        "comparison.csv",
        "runs.parquet",
        "timeseries.parquet",
        "yearly_retention.csv",
        "segments_by_year.csv",
    )
    missing = [n for n in needed if not (args.compare_dir / n).is_file()]
    if missing:
        print(
            f"error: {args.compare_dir}: not a comparison output directory (missing "
            f"{', '.join(missing)})",
            file=sys.stderr,
        )
        return 2
    print(report_from_dir(args.compare_dir, args.lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())
