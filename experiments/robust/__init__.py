"""Robustness of policy recommendations under uncertain assumptions (issue 11), no Hydra.

`ranges` (validated ranges of the assumptions), `design` (scenario sampling), `analysis`
(probabilities, regret, robust ranking), `drivers` (Sobol' / Morris / rank regression),
`discovery` (failure conditions), `fdr` (Benjamini–Hochberg for the comparison), `figures`,
`section` (report HTML, EN / ZH) and `study` (plan, run through the engine, write outputs).
"""

from experiments.engine.fdr import fdr_adjust, paired_pvalues
from experiments.robust.analysis import robust_ranking, scenario_deltas, scenario_means
from experiments.robust.design import DESIGNS, Design, sample
from experiments.robust.ranges import Range, parse_ranges
from experiments.robust.study import (
    RobustPlan,
    RobustResult,
    analyse,
    make_robust_plan,
    robustness,
    robustness_meta,
    run_robustness,
    write_robustness,
)

__all__ = [
    "DESIGNS",
    "Design",
    "Range",
    "RobustPlan",
    "RobustResult",
    "analyse",
    "fdr_adjust",
    "make_robust_plan",
    "paired_pvalues",
    "parse_ranges",
    "robust_ranking",
    "robustness",
    "robustness_meta",
    "run_robustness",
    "sample",
    "scenario_deltas",
    "scenario_means",
    "write_robustness",
]
