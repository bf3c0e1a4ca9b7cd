"""The study engine (no Hydra, nothing study-specific): runs as content-keyed specs,
executors, a resumable run store. Every study (`experiments.studies`) is one call into it;
so can a notebook be."""

from typing import Any

from experiments.engine.executors import EXECUTORS, default_workers
from experiments.engine.runner import RunFailure, run_spec
from experiments.engine.specs import (
    RunSpec,
    apply_overrides,
    available_policies,
    check_count,
    load_policy_config,
    policy_entries,
    replicate,
    with_store_policies,
)
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
    "Interrupted",
    "OutputError",
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
    "check_count",
    "default_workers",
    "load_policy_config",
    "policy_entries",
    "replicate",
    "run_spec",
    "run_study",
    "with_store_policies",
]

_MOVED = {
    "ComparisonResult": "experiments.studies.comparison",
    "Plan": "experiments.studies.comparison",
    "compare": "experiments.studies.comparison",
    "make_plan": "experiments.studies.comparison",
    "run_comparison": "experiments.studies.comparison",
    "select_policies": "experiments.studies.comparison",
    "comparison_table": "experiments.analysis.statistics",
    "format_ranked": "experiments.analysis.statistics",
    "wide": "experiments.analysis.statistics",
}


def __getattr__(name: str) -> Any:
    """Names that lived here before the studies got their own package, still importable
    (``from experiments.engine import compare, format_ranked`` as older notebooks do); the
    engine itself never imports a study."""
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'experiments.engine' has no attribute {name!r}")
