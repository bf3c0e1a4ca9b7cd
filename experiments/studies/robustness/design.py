"""Scenario designs: which combinations of assumptions to simulate, and which driver analysis
each design supports.

- ``lhs``: Latin hypercube (`scipy.stats.qmc.LatinHypercube`): every range cut into S equal
  slices, each slice sampled once; drivers by rank regression (`drivers.rank_importance`).
- ``sobol``: a scrambled Sobol' sequence (`scipy.stats.qmc.Sobol`), same analysis as ``lhs``.
- ``morris``: SALib's Morris trajectories (r trajectories of D+1 points); drivers by Morris
  screening (mu*, with bootstrap CIs).
- ``saltelli``: SALib's Saltelli/Sobol' sample, N(D+2) points (first- and total-order indices,
  no second order); drivers by Sobol' total-order indices with CIs.
- ``auto``: ``saltelli`` when the budget S gives N >= 32 base points (S >= 32(D+2)), else
  ``morris`` when it gives r >= 4 trajectories (S >= 4(D+1)), else ``lhs``.

Designs are built in the unit cube and scaled to the ranges (integers rounded), so the driver
analyses always work on the unit cube: an index is "per full range" whatever the units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.studies.robustness.ranges import Range
from sim.errors import ConfigError

DESIGNS = ("auto", "lhs", "sobol", "morris", "saltelli")
SALTELLI_MIN_BASE = 32
MORRIS_MIN_TRAJECTORIES = 4
MORRIS_LEVELS = 4


@dataclass
class Design:
    """Sampled scenarios: ``unit`` in [0, 1]^D and ``values`` scaled to the ranges."""

    method: str
    ranges: tuple[Range, ...]
    unit: np.ndarray
    values: pd.DataFrame
    base: int = 0
    """Saltelli: base sample size N; Morris: number of trajectories r; else 0."""

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.ranges]

    @property
    def drivers_method(self) -> str:
        return {"saltelli": "sobol", "morris": "morris"}.get(self.method, "rank")

    def problem(self) -> dict:
        """SALib's problem definition on the unit cube."""
        return {
            "num_vars": len(self.ranges),
            "names": self.names,
            "bounds": [[0.0, 1.0]] * len(self.ranges),
        }


def choose_design(requested: str, scenarios: int, dims: int) -> str:
    if requested not in DESIGNS:
        raise ConfigError("design", f"must be one of {list(DESIGNS)}, got {requested!r}")
    if requested != "auto":
        return requested
    if _saltelli_base(scenarios, dims) >= SALTELLI_MIN_BASE:
        return "saltelli"
    if scenarios // (dims + 1) >= MORRIS_MIN_TRAJECTORIES:
        return "morris"
    return "lhs"


def _saltelli_base(scenarios: int, dims: int) -> int:
    """Largest power of two N with N(D+2) <= scenarios (0 if none)."""
    n = scenarios // (dims + 2)
    return 0 if n < 1 else 2 ** int(np.floor(np.log2(n)))


def check_budget(method: str, scenarios: int, dims: int) -> int:
    """The base size of a `method` design of `scenarios` points over `dims` ranges (Saltelli's
    N, Morris' trajectories r; 0 for lhs and sobol), or a one-line ConfigError naming the
    minimum when not even the smallest complete design fits. Checked before any directory is
    made (`experiments.options.studies.precheck_robustness`) and again when drawing."""
    if method == "saltelli":
        base = _saltelli_base(scenarios, dims)
        if base < 2:
            raise ConfigError(
                "scenarios",
                f"design saltelli needs at least {2 * (dims + 2)} scenarios for {dims} "
                f"ranges (N(D+2) with N >= 2), got {scenarios}",
            )
        return base
    if method == "morris":
        base = scenarios // (dims + 1)
        if base < 2:
            raise ConfigError(
                "scenarios",
                f"design morris needs at least {2 * (dims + 1)} scenarios for {dims} "
                f"ranges (r(D+1) with r >= 2 trajectories), got {scenarios}",
            )
        return base
    return 0


def sample(ranges: Sequence[Range], scenarios: int, design: str = "auto", seed: int = 0) -> Design:
    """Draw the scenarios of a study (deterministic for a given seed).

    ``lhs`` and ``sobol`` give exactly `scenarios` points; ``saltelli`` and ``morris`` give
    the largest complete design that fits (N(D+2) or r(D+1) points), and refuse a budget too
    small for even one (a one-line ConfigError naming the minimum).
    """
    ranges = tuple(ranges)
    d = len(ranges)
    if isinstance(scenarios, bool) or not isinstance(scenarios, int) or scenarios < 2:
        raise ConfigError("scenarios", f"must be an integer >= 2, got {scenarios!r}")
    method = choose_design(design, scenarios, d)
    base = check_budget(method, scenarios, d)  # 0 for lhs and sobol
    if method == "lhs":
        unit = _lhs(d, scenarios, seed)
    elif method == "sobol":
        from scipy.stats import qmc

        unit = qmc.Sobol(d, scramble=True, rng=seed).random(scenarios)
    elif method == "saltelli":
        from SALib.sample import sobol as saltelli

        problem = {"num_vars": d, "names": [r.name for r in ranges], "bounds": [[0, 1]] * d}
        unit = saltelli.sample(problem, base, calc_second_order=False, scramble=True, seed=seed)
    else:  # morris
        from SALib.sample import morris

        problem = {"num_vars": d, "names": [r.name for r in ranges], "bounds": [[0, 1]] * d}
        unit = morris.sample(problem, base, num_levels=MORRIS_LEVELS, seed=seed)
    values = pd.DataFrame(
        {r.name: r.scale(unit[:, j]) for j, r in enumerate(ranges)},
        index=pd.RangeIndex(len(unit), name="scenario"),
    )
    return Design(method, ranges, np.asarray(unit, float), values, base)


def _lhs(d: int, n: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d, rng=seed).random(n)
