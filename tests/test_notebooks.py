"""The notebooks run top to bottom in a real Jupyter kernel (nbclient + ipykernel, headless), and
the trainer's and the consultant's tell one story about one store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_EXECUTED: dict[str, tuple[object, dict | None]] = {}


def test_the_trainer_notebook_is_there():
    assert "trainer.ipynb" in [p.name for p in NOTEBOOKS]


def _execute(path: Path):
    """Run a notebook once per test session: (the executed notebook, its `headline` dict if it
    defines one). A last cell added here prints the headline as JSON; it is not part of the
    notebook's own outputs checked below."""
    if path.name in _EXECUTED:
        return _EXECUTED[path.name]
    nbformat = pytest.importorskip("nbformat", reason="needs the notebooks extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the notebooks extra")
    nb = nbformat.read(path, as_version=4)
    n_own = len(nb.cells)
    probe = (
        "import json as _json\n"
        "print('HEADLINE=' + _json.dumps(globals().get('headline'), default=float))"
    )
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    # the notebook backend (figures become outputs) and this checkout's code
    inline = "module://matplotlib_inline.backend_inline"
    env = dict(os.environ, MPLBACKEND=inline, PYTHONPATH=str(ROOT))
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute(env=env)
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    headline = json.loads(text.split("HEADLINE=", 1)[1]) if "HEADLINE=" in text else None
    nb.cells = nb.cells[:n_own]
    _EXECUTED[path.name] = (nb, headline)
    return _EXECUTED[path.name]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path):
    nb, _ = _execute(path)
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    images = sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    code_cells = sum(cell.cell_type == "code" for cell in nb.cells)
    assert code_cells and (path.name != "trainer.ipynb" or images >= 4)


def _interval(values: list[float]) -> tuple[float, float]:
    from scipy import stats

    x = np.asarray(values, dtype=float)
    return float(x.mean()), float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))


@pytest.mark.slow
def test_trainer_and_consultant_tell_one_story():
    """The trainer's and the consultant's notebooks are about the same store and reach the
    same verdict on the VIP programme (customers kept valued), each within the other's noise."""
    from sim import default_market

    _, trainer = _execute(ROOT / "notebooks" / "trainer.ipynb")
    _, consultant = _execute(ROOT / "notebooks" / "consultant.ipynb")
    assert trainer and consultant, "each notebook defines a `headline` dict"
    # one store: the default market, in both notebooks
    size = default_market().n_customers
    assert trainer["market_customers"] == consultant["market_customers"] == size
    # the calibrated twin sells what the store sells (within 15% a year)
    t_rev, c_rev = trainer["store_revenue_per_year"], consultant["store_revenue_per_year"]
    assert abs(c_rev / t_rev - 1) < 0.15, (t_rev, c_rev)
    # the trainer's single future (the dashboard's twin) is the first of its eight futures
    gains = trainer["vip_gain"]
    assert trainer["vip_gain_seed1"] == pytest.approx(gains[0], rel=1e-9)
    # the same verdict: same sign, and the two means differ by less than their noise
    t_mean, t_half = _interval(gains)
    c_mean, c_half = _interval(consultant["vip_gain"])
    assert np.sign(t_mean) == np.sign(c_mean), (t_mean, c_mean)
    assert abs(t_mean - c_mean) < np.hypot(t_half, c_half), (t_mean, t_half, c_mean, c_half)
    # the command the consultant's notebook prints points at a folder that exists
    market_file = Path(consultant["config_dir"]) / "market" / "my_store.yaml"
    assert market_file.is_file()
