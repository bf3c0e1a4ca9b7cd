"""Store Retention Lab: agent-based simulation of customer retention in small-city retail."""

from sim.config import Behaviour, MarketConfig, PlaceSpec, StoreSpec, default_market
from sim.errors import ConfigError
from sim.model import RetailModel

__all__ = [
    "Behaviour",
    "ConfigError",
    "MarketConfig",
    "PlaceSpec",
    "RetailModel",
    "StoreSpec",
    "default_market",
]
