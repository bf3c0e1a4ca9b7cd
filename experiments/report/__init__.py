"""The report toolkit every study uses (no Hydra, no study logic):

- `page`: the self-contained page shell (styles, print sheet, embedded CJK font subset);
- `blocks`: money, percent, a mean with its CI, tables, embedded figures;
- `vocab`: `LANGS` and the shared names (policies, stores, segments) in both languages;
- `plot`: figure style, fonts, colours, the money axis and the one atomic PNG save.

File names follow one rule for every study (`report_name`): ``report.html`` in English,
``report_zh.html`` in Chinese, and each figure of a Chinese report ends in ``_zh`` too, so
both languages can sit in one output directory.

``python -m experiments.report RUN_DIR --lang zh`` rebuilds a comparison's report
(`experiments.studies.comparison.report`).
"""

from __future__ import annotations

from typing import Any

from experiments.report.vocab import (
    LANGS,
    POLICY_LABELS,
    SEGMENT_LABELS,
    STORE_NAMES_ZH,
    policy_labels,
)

__all__ = [
    "LANGS",
    "POLICY_LABELS",
    "SEGMENT_LABELS",
    "STORE_NAMES_ZH",
    "lang_suffix",
    "policy_labels",
    "report_name",
]


def lang_suffix(lang: str) -> str:
    """The file-name suffix of a report's files: none for English, ``_zh`` for Chinese."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    return "" if lang == "en" else f"_{lang}"


def report_name(lang: str) -> str:
    """``report.html`` (English) or ``report_zh.html`` (Chinese), for every study."""
    return f"report{lang_suffix(lang)}.html"


def __getattr__(name: str) -> Any:
    """The comparison report's functions, as `experiments.report` offered them before the
    toolkit became a package (``write_report``, ``report_from_dir``, ``main`` ...)."""
    if name in ("write_report", "report_from_dir", "main", "Fmt", "store_name", "report_html"):
        from experiments.studies.comparison import report

        return getattr(report, name)
    raise AttributeError(f"module 'experiments.report' has no attribute {name!r}")
