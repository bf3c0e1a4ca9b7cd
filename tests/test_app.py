"""The trainers' dashboard (`solara run experiments/app.py`) builds and renders headless."""

from __future__ import annotations

import pytest

solara = pytest.importorskip("solara", reason="the dashboard needs the viz extra")


def test_dashboard_renders_and_steps():
    from experiments.app import DashboardModel, build_page

    model = DashboardModel(n_customers=1000, years=1, policy="gift_budget", seed=2)
    solara.render(build_page(model), handle_error=False)
    for _ in range(10):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert {"focal_active", "focal_profit", "members", "prospects", "churned"} <= set(frame)
    assert len(frame) == 10 and frame["focal_profit"].iloc[-1] > 0
    assert [p.name for p in model.focal_policies] == ["gift_budget"]
