"""Shared fixtures: small markets and finished runs reused across tests (runs are costly)."""

from __future__ import annotations

import os
import tempfile

import pytest

from sim import RetailModel, default_market

os.environ.setdefault("RAY_TMPDIR", tempfile.mkdtemp(prefix="ray_"))
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def default_run() -> RetailModel:
    """The default market (20,000 customers, 3 years, weekly), seed 1, baseline policy."""
    return RetailModel(market=default_market(), seed=1).run()


@pytest.fixture(scope="session")
def five_year_runs() -> list[RetailModel]:
    """Three 5-year runs of the default market (drift and cohort facts need time)."""
    return [RetailModel(market=default_market(years=5), seed=s).run() for s in (11, 12, 13)]


@pytest.fixture
def small_market():
    return default_market(n_customers=2000, years=1)
