"""Kept importable for code written before the report toolkit (the dashboard, calibration,
collect): plotting lives in `experiments.report.plot`, comparison figures in
`experiments.studies.comparison.figures`, the sweep figure in `experiments.report.sweep`."""

from experiments.report.plot import (  # noqa: F401
    BASELINE_COLOR,
    FONT_ENV,
    FONT_HINT,
    HORIZONTAL,
    find_cjk_font,
    packaged_font_files,
    policy_colors,
    style,
)
from experiments.report.sweep import mean_band, sweep_response  # noqa: F401
from experiments.report.vocab import SEGMENT_LABELS  # noqa: F401
