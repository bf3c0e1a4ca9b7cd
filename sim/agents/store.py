"""Stores: the Mesa agent and the per-store arrays the vectorized rules read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import RetailAgent
from sim.config import BRANDS, MarketConfig
from sim.population import Geography

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel
    from sim.policies.base import StorePolicy

MANAGER_ATTENTION = 0.04
"""Service-experience points each manager adds (more managers, more personal attention)."""


@dataclass(frozen=True)
class StoreArrays:
    """Store attributes as arrays indexed by store, for the batch rules."""

    place: np.ndarray
    tier: np.ndarray
    brand_sign: np.ndarray  # -1 local, +1 national
    price_level: np.ndarray
    margin: np.ndarray
    service: np.ndarray  # service quality + managers' attention
    resolution: np.ndarray
    attractiveness: np.ndarray

    @classmethod
    def from_market(cls, market: MarketConfig, geo: Geography) -> StoreArrays:
        ss = market.stores

        def arr(attr: str) -> np.ndarray:
            return np.array([float(getattr(s, attr)) for s in ss])

        return cls(
            place=geo.store_place,
            tier=geo.store_tier,
            brand_sign=np.array([2.0 * BRANDS.index(s.brand) - 1.0 for s in ss]),
            price_level=arr("price_level"),
            margin=arr("margin"),
            service=arr("service_quality") + MANAGER_ATTENTION * arr("managers"),
            resolution=arr("complaint_resolution"),
            attractiveness=arr("attractiveness"),
        )


class Store(RetailAgent):
    """A store in the market: its spec, its policies, and its books (views of the ledger)."""

    def __init__(self, model: RetailModel, index: int, policies: list[StorePolicy]) -> None:
        super().__init__(model)
        self.index = index
        self.spec = model.market.stores[index]
        self.policies = policies

    @property
    def store_id(self) -> str:
        return self.spec.id

    @property
    def is_focal(self) -> bool:
        return self.index == self.model.focal

    @property
    def revenue(self) -> float:
        return float(self.model.ledger.flows["revenue"][:, self.index].sum())

    @property
    def profit(self) -> float:
        return float(self.model.ledger.profit()[:, self.index].sum())

    def step(self) -> None:
        """Stores act through their policies' hooks, called by the model."""

    def __repr__(self) -> str:
        names = [p.name for p in self.policies] or ["none"]
        return f"Store({self.spec.id!r}, {self.spec.place}, {self.spec.brand}, policies={names})"
