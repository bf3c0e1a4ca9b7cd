"""Robustness of policy recommendations under uncertain assumptions (issue 11), no Hydra.

`ranges` (validated ranges of the assumptions), `design` (scenario sampling), `analysis`
(probabilities, regret, robust ranking), `drivers` (Sobol' / Morris / rank regression),
`discovery` (failure conditions), `figures`, `section` (report HTML), `vocab` (its words, EN /
ZH) and `study` (plan, specs and the `Robustness` specialisation of `Study`). The FDR helpers
re-exported here live with the analyses (`experiments.analysis.fdr`).
"""

from experiments.analysis.fdr import fdr_adjust, paired_pvalues
from experiments.studies.robustness.analysis import robust_ranking, scenario_deltas, scenario_means
from experiments.studies.robustness.design import DESIGNS, Design, sample
from experiments.studies.robustness.ranges import Range, parse_ranges
from experiments.studies.robustness.study import (
    ROBUSTNESS,
    Robustness,
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
    "ROBUSTNESS",
    "DESIGNS",
    "Robustness",
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
