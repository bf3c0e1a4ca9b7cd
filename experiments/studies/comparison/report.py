"""A self-contained HTML report of a policy comparison, for a store owner (English / 简体中文).

`write_report` draws the figures (`figures`) into the output directory and writes
``report.html`` (``report_zh.html``) through the toolkit's page shell (`experiments.report`): every
image embedded as base64 and a subset of the bundled CJK font embedded too, so the file can be
mailed on its own, opened on a machine without Chinese fonts, and printed to a clean PDF.

It can also be rebuilt from a finished comparison directory, e.g. in another language::

    python -m experiments.report outputs/compare/2025-01-01_12-00-00 --lang zh
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.analysis.statistics import wide
from experiments.arg_parser import OneLineParser
from experiments.engine.store import COMPLETE, atomic_write_text
from experiments.report import lang_suffix, report_name
from experiments.report.blocks import figure as figure_html
from experiments.report.page import render_page, section
from experiments.report.plot import policy_colors
from experiments.report.provenance import meta_size
from experiments.report.vocab import LANGS, in_currency, policy_labels
from experiments.studies.base import Page
from experiments.studies.comparison import figures
from experiments.studies.comparison.text import (
    Fmt,
    answer,
    headlines,
    ranked_rows,
    store_name,
    table_html,
    years_of,
)
from experiments.studies.comparison.vocab import REPORT_TEXT as T
from sim.errors import ConfigError

FIGURES = (
    "profit_vs_baseline",
    "profit_distribution",
    "retention_curves",
    "cost_breakdown",
    "segment_shifts",
)


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
            table, order, labels, baseline, path("profit_vs_baseline"), lang, level, meta=meta
        ),
        "profit_distribution": figures.profit_distribution(
            runs, order, labels, colors, baseline, path("profit_distribution"), lang, meta=meta
        ),
        "retention_curves": figures.retention_curves(
            series,
            yearly,
            order,
            labels,
            colors,
            baseline,
            path("retention_curves"),
            lang,
            level,
            meta=meta,
        ),
        "cost_breakdown": figures.cost_breakdown(
            runs, order, labels, path("cost_breakdown"), lang, meta=meta
        ),
        "segment_shifts": figures.segment_shifts(
            segments, order, labels, baseline, path("segment_shifts"), lang, meta=meta
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
    scale: pd.DataFrame | None = None,
) -> Page:
    """The report's title, intro, sections and footer from the table and the drawn figures
    (`scale`: the scale check's table, ``scale.csv``, when it ran)."""
    t, f = in_currency(T[lang], meta), Fmt(lang)
    w = wide(table)
    baseline = meta["baseline"]
    labels = policy_labels(list(w.index), lang, meta.get("labels"))
    level = f"{meta.get('level', 0.95):.0%}"
    years = years_of(meta)
    years_txt = t["years"](years)
    seeds = meta.get("seeds") or [0]
    store = store_name(meta, lang)
    intro = t["intro"].format(
        customers=meta_size(meta, lang),
        years=years_txt,
        tick=t["ticks"].get(meta.get("tick"), meta.get("tick")),
        reps=meta.get("replications"),
        seed0=seeds[0],
        level=level,
    )
    heads = "".join(f"<li>{h}</li>\n" for h in headlines(w, baseline, labels, lang, meta))
    cols = [c.format(years=years_txt) for c in t["cols"]]
    first = "".join(
        f"<p><b>{html.escape(a)}</b></p>" if i == 0 else f"<p>{html.escape(a)}</p>"
        for i, a in enumerate(answer(w, baseline, labels, lang, meta, scale))
    )
    sections = [
        *([section(t["answer"], first, id="answer")] if first else []),
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
    wall = f.duration(meta.get("wall_seconds"))
    if meta.get("reused_runs") and meta.get("reused_runs") == meta.get("runs", len(runs)):
        wall = t["all_reused"].format(wall=wall)  # every run read back from the run store
    method = t["method_text"].format(
        reps=meta.get("replications"),
        seeds=f"{seeds[0]}–{seeds[-1]}",
        base=labels[baseline],
        roi_method=t["roi_method"].get(meta.get("roi_method", "delta"), "delta"),
        runs=meta.get("runs", len(runs)),
        wall=wall,
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
    """The report page as HTML text (keywords of `page`), rebuilt from a finished comparison's
    files: it ends with the market's provenance as the driver's page does."""
    from experiments.report.provenance import provenance_section, size_intro
    from sim import MarketConfig

    lang = kwargs.get("lang", "en")
    p = page(**kwargs)
    sections = list(p.sections)
    intro = p.intro_html or ""
    market = kwargs["meta"].get("market_config")
    if market:
        market = MarketConfig.from_dict(market)
        sections.append(provenance_section(market, lang))
        intro = size_intro(market, lang) + intro
    return render_page(p.title, sections, lang, intro_html=intro, footer=p.footer)


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
    scale: pd.DataFrame | None = None,
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
    html_text = report_html(table=table, runs=runs, meta=meta, figs=figs, lang=lang, scale=scale)
    return atomic_write_text(outdir / report_name(lang), html_text)


# --------------------------------------------------------------------------- rebuild from files
NEEDED = (
    "meta.json",
    "comparison.csv",
    "runs.parquet",
    "timeseries.parquet",
    "yearly_retention.csv",
    "segments_by_year.csv",
)
"""The files a comparison's report is rebuilt from."""


def _read(path: Path) -> Any:
    """One file of a comparison directory; a damaged one is a one-line error naming it."""
    try:
        if path.suffix == ".json":
            meta = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise ValueError(f"a JSON object was expected, got {type(meta).__name__}")
            return meta
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (OSError, ValueError, ImportError) as exc:  # JSON, CSV and Parquet errors included
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(str(path), f"cannot be read ({detail})") from None


def report_from_dir(outdir: Path, lang: str = "en") -> Path:
    """Rebuild figures and the report from the files of a finished comparison, named by the
    one rule (`experiments.report.report_name`): a Chinese rebuild sits beside the English
    report; an English one rewrites it from the same files. A file that cannot be read, or
    files that do not fit together, are a one-line `ConfigError` naming the directory."""
    outdir = Path(outdir)
    got = {name: _read(outdir / name) for name in NEEDED}
    stamps = {p.name: p.stat().st_mtime_ns for p in outdir.iterdir() if p.is_file()}
    scale = outdir / "scale.csv"
    scale_table = _read(scale) if scale.is_file() else None  # a damaged one named as itself
    try:
        page = write_report(
            outdir,
            table=got["comparison.csv"],
            runs=got["runs.parquet"],
            series=got["timeseries.parquet"],
            yearly=got["yearly_retention.csv"],
            segments=got["segments_by_year.csv"],
            meta=got["meta.json"],
            lang=lang,
            scale=scale_table,
        )
        from experiments.engine.outputs import add_outputs

        written = [
            p.name
            for p in outdir.iterdir()
            if p.is_file() and stamps.get(p.name) != p.stat().st_mtime_ns
        ]
        add_outputs(outdir, written)  # the comparison's next run into outdir removes them
        return page
    except ConfigError:
        raise  # already one line naming its field (a ValueError too: not wrapped below)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        what = f"{type(exc).__name__}: {exc}"
        raise ConfigError(
            str(outdir),
            f"its files do not make a comparison's report ({what}); run the comparison again",
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m experiments.report",
        description="Rebuild report.html from a comparison dir.",
    )
    parser.add_argument("compare_dir", type=Path)
    parser.add_argument("--lang", choices=list(LANGS), default="en")
    args = parser.parse_args(argv)
    missing = [n for n in NEEDED if not (args.compare_dir / n).is_file()]
    if missing:
        print(
            f"error: {args.compare_dir}: not a comparison output directory (missing "
            f"{', '.join(missing)})",
            file=sys.stderr,
        )
        return 2
    if not (args.compare_dir / COMPLETE).is_file():
        print(
            f"note: {args.compare_dir} has no {COMPLETE} marker: the comparison may not have "
            "finished; the report shows its files as they are",
            file=sys.stderr,
        )
    try:
        print(report_from_dir(args.compare_dir, args.lang))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
