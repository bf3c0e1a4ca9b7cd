"""One store everywhere: every tool's default market is the same market, size included.

A policy's verdict can change with the size of the store (its fixed costs against its customer
base), so compare, robustness, tournament, the dashboard and the notebooks must all simulate the
one default market unless a user asks otherwise.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from hydra import compose, initialize_config_dir

from experiments.common import build_market
from sim import default_market

ROOT = Path(__file__).resolve().parents[1]


def _composed_size(config_name: str) -> int:
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(config_name=config_name)
    return build_market(cfg["market"]).n_customers


def test_compare_robustness_tournament_and_dashboard_share_one_market_size():
    from experiments.dashboard.page import DEFAULTS
    from experiments.dashboard.twin import Twin

    sizes = {name: _composed_size(name) for name in ("compare", "robustness", "tournament", "run")}
    sizes["dashboard page"] = DEFAULTS["n_customers"]
    twin = Twin(policy="none", years=1)
    sizes["dashboard twin"] = twin.chosen.market.n_customers
    sizes["default_market()"] = default_market().n_customers
    assert len(set(sizes.values())) == 1, sizes


def test_notebooks_use_the_default_market_size():
    """No notebook picks its own market size: the story is told about the one default store."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "n_customers=" not in code.replace(" ", ""), path.name
