"""The comparison study: every selected policy x N replications under common random numbers.

`plan` (validated inputs), `study` (the `Study` specialisation and the notebook call
`compare`), `report` / `figures` / `vocab` (the store owner's page, English and Chinese)."""

from experiments.analysis.statistics import comparison_table, format_ranked, wide
from experiments.studies.comparison.plan import Plan, make_plan, select_policies
from experiments.studies.comparison.study import (
    COMPARISON,
    Comparison,
    ComparisonResult,
    compare,
    run_comparison,
)

__all__ = [
    "COMPARISON",
    "Comparison",
    "ComparisonResult",
    "Plan",
    "compare",
    "comparison_table",
    "format_ranked",
    "make_plan",
    "run_comparison",
    "select_policies",
    "wide",
]
