"""Live dashboard for trainers: `solara run experiments/app.py` (needs the `viz` extra).

A Mesa SolaraViz page: pick a policy, a market size and a seed, then step or play the market
week by week and watch the focal store's active customers, profit and the market's members,
prospects and churned customers change.
"""

from __future__ import annotations

import logging

from mesa.visualization import SolaraViz, make_plot_component

from sim import RetailModel, default_market
from sim.policies import policy_names

logging.getLogger("MESA").setLevel(logging.WARNING)


class DashboardModel(RetailModel):
    """`RetailModel` with flat keyword parameters, as SolaraViz's parameter widgets need."""

    def __init__(
        self,
        *,
        n_customers: int = 5000,
        years: float = 3,
        tick: str = "week",
        policy: str = "none",
        activation: str = "batch",
        seed: int = 1,
    ) -> None:
        market = default_market(n_customers=int(n_customers), years=years, tick=tick)
        super().__init__(market=market, policies=[policy], activation=activation, seed=int(seed))


MODEL_PARAMS = {
    "policy": {
        "type": "Select",
        "value": "none",
        "values": policy_names(),
        "label": "Focal store policy",
    },
    "n_customers": {
        "type": "SliderInt",
        "value": 5000,
        "min": 1000,
        "max": 50000,
        "step": 1000,
        "label": "Customers",
    },
    "years": {"type": "SliderInt", "value": 3, "min": 1, "max": 5, "step": 1, "label": "Years"},
    "seed": {"type": "InputText", "value": 1, "label": "Seed"},
    "tick": "week",
    "activation": "batch",
}

COMPONENTS = [
    make_plot_component("focal_active"),
    make_plot_component("focal_profit"),
    make_plot_component({"members": "tab:blue", "prospects": "tab:gray", "churned": "tab:red"}),
]


def build_page(model: RetailModel | None = None):
    """The SolaraViz page (a fresh default model unless one is given)."""
    return SolaraViz(
        model or DashboardModel(),
        components=COMPONENTS,
        model_params=MODEL_PARAMS,
        name="Store Retention Lab",
    )


page = build_page()
