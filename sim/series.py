"""The weekly series a run records (the model's DataCollector reporters), and the cheap way to
record them from the census the housekeeping already took."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import CHURNED, PROSPECT

if TYPE_CHECKING:  # pragma: no cover
    from sim.agents.weekly import Census
    from sim.model import RetailModel


def focal_active(model: RetailModel) -> int:
    """Customers who bought at the focal store in the last 180 days, still in the category."""
    return int(model.ledger.snapshots["active"][model.t, model.focal])


def focal_profit(model: RetailModel) -> float:
    """The focal store's profit so far (gross margin minus policy costs), in yuan."""
    return model.ledger.store_profit(model.focal, model.t + 1)


def members_in_category(model: RetailModel) -> int:
    s = model.pop.state
    return model.pop.n - np.count_nonzero(s == PROSPECT) - np.count_nonzero(s == CHURNED)


def prospects(model: RetailModel) -> int:
    return np.count_nonzero(model.pop.state == PROSPECT)


def churned_total(model: RetailModel) -> int:
    churned = np.count_nonzero(model.pop.state == CHURNED)
    return churned - (model.twin.waiting() if model.twin is not None else 0)


SERIES = {
    "focal_active": focal_active,
    "focal_profit": focal_profit,
    "members": members_in_category,
    "prospects": prospects,
    "churned": churned_total,
}
"""The weekly series (the model's DataCollector reporters)."""


def record_series(model: RetailModel, counts: Census) -> None:
    """Append the week's row to the DataCollector: the values `SERIES`' reporters return, from
    the census the housekeeping took (Mesa's `collect` with the standard reporters, without
    counting the population again). Any other set of reporters: Mesa's `collect`."""
    dc = model.datacollector
    if dc.model_reporters != SERIES or dc.agent_reporters or dc.agenttype_reporters:
        dc.collect(model)
        return
    active, n_prospects, n_churned = counts
    waiting = model.twin.waiting() if model.twin is not None else 0
    columns = dc.model_vars
    columns["focal_active"].append(int(active[model.focal]))
    columns["focal_profit"].append(focal_profit(model))
    columns["members"].append(model.pop.n - n_prospects - n_churned)
    columns["prospects"].append(n_prospects)
    columns["churned"].append(n_churned - waiting)
