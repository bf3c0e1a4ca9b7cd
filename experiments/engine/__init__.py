"""The study engine (no Hydra): runs as content-keyed specs, executors, a resumable run store,
and the statistics of comparisons. Every command is one call into it; so can a notebook be."""

from experiments.engine.comparison import (
    ComparisonResult,
    Plan,
    compare,
    make_plan,
    run_comparison,
    select_policies,
    write_comparison,
)
from experiments.engine.executors import EXECUTORS, default_workers
from experiments.engine.runner import RunFailure, run_spec
from experiments.engine.specs import (
    RunSpec,
    apply_overrides,
    available_policies,
    load_policy_config,
    policy_entries,
    replicate,
    with_store_policies,
)
from experiments.engine.statistics import comparison_table, format_ranked, wide
from experiments.engine.store import (
    OutputError,
    RunStore,
    atomic_to_csv,
    atomic_to_parquet,
    atomic_write_bytes,
    atomic_write_text,
)
from experiments.engine.study import Interrupted, StudyError, StudyResult, run_study

__all__ = [
    "EXECUTORS",
    "ComparisonResult",
    "Interrupted",
    "OutputError",
    "Plan",
    "RunFailure",
    "RunSpec",
    "RunStore",
    "StudyError",
    "StudyResult",
    "apply_overrides",
    "atomic_to_csv",
    "atomic_to_parquet",
    "atomic_write_bytes",
    "atomic_write_text",
    "available_policies",
    "compare",
    "comparison_table",
    "default_workers",
    "format_ranked",
    "load_policy_config",
    "make_plan",
    "policy_entries",
    "replicate",
    "run_comparison",
    "run_spec",
    "run_study",
    "select_policies",
    "wide",
    "with_store_policies",
    "write_comparison",
]
