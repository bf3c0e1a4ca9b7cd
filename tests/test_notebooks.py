"""The notebooks run top to bottom in a real Jupyter kernel (nbclient + ipykernel, headless)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_trainer_notebook_is_there():
    assert "trainer.ipynb" in [p.name for p in NOTEBOOKS]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path):
    nbformat = pytest.importorskip("nbformat", reason="needs the notebooks extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the notebooks extra")
    nb = nbformat.read(path, as_version=4)
    # the notebook backend (figures become outputs) and this checkout's code
    inline = "module://matplotlib_inline.backend_inline"
    env = dict(os.environ, MPLBACKEND=inline, PYTHONPATH=str(ROOT))
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute(env=env)
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
