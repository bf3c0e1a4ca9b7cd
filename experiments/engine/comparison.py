"""Kept for `experiments.study_options` (owned elsewhere), which imports `check_count` from
here: the comparison moved to `experiments.studies.comparison`, `check_count` to
`experiments.engine.specs`. Delete this module once nothing imports it."""

from experiments.engine.specs import check_count

__all__ = ["check_count"]
