"""Policy design: search a policy's levers for the setting that pays best, robustly.

    from experiments.studies.design import make_design_plan, run_design
    plan = make_design_plan({"policy": "gift_budget", "trials": 40}, market=my_market)
    result = run_design(plan, "out/design")

See docs/design.md for the method, the figures and the limits.
"""

from experiments.studies.design.plan import DesignPlan, make_design_plan
from experiments.studies.design.search import DesignResult
from experiments.studies.design.study import engine_runner, run_design
from experiments.studies.design.study_class import DESIGN, DesignStudy

__all__ = [
    "DESIGN",
    "DesignPlan",
    "DesignResult",
    "DesignStudy",
    "engine_runner",
    "make_design_plan",
    "run_design",
]
