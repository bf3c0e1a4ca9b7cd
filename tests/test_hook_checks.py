"""A policy hook that returns NaN, inf or a wrongly shaped array stops the run with one line
naming the policy, its store and the hook (instead of silently skewing every choice)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import ConfigError, RetailModel, default_market
from sim.errors import PolicyError
from sim.policies import StorePolicy

TINY = default_market(n_customers=500, years=0.25)


class NanUtility(StorePolicy):
    name = "nan_utility"

    def utility(self, rows):
        return np.full(len(rows), np.nan)


class ShortDiscount(StorePolicy):
    name = "short_discount"

    def discount(self, t, rows, list_amounts):
        return np.zeros(len(rows) + 1)


class InfMultiplier(StorePolicy):
    name = "inf_multiplier"

    def recruit_multiplier(self):
        return float("inf")


@pytest.mark.parametrize(
    "policy, hook",
    [(NanUtility, "utility"), (ShortDiscount, "discount"), (InfMultiplier, "recruit_multiplier")],
)
def test_bad_hook_returns_are_named(policy, hook):
    model = RetailModel(market=TINY, policies=[policy()], seed=1)
    with pytest.raises(PolicyError) as err:
        model.run()
    msg = str(err.value)
    assert isinstance(err.value, ConfigError) and "\n" not in msg
    assert msg.startswith(f"policy.{policy.name}: hook {hook}() of the policy at store 'focal'")


def test_a_competitor_is_named_by_its_store():
    from dataclasses import replace

    stores = list(TINY.stores)
    stores[3] = replace(stores[3], policies=(NanUtility(),))
    market = TINY.replace(stores=tuple(stores))
    with pytest.raises(PolicyError, match="at store 'pref_national'"):
        RetailModel(market=market, seed=1).run()


class NanTerm(StorePolicy):
    """A published utility term (`StorePolicy.utility_term`) is checked as the hook is."""

    name = "nan_term"
    movable_hooks = frozenset({"utility"})
    publishes_utility = True

    def reset(self):
        self.term = np.full(self.model.pop.n, np.nan)

    def utility(self, rows):
        return self.term[rows]

    def utility_term(self, t):
        return self.term


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_a_bad_published_utility_term_is_named(engine):
    from sim import kernels

    if engine == "numba":
        pytest.importorskip("numba")
    with kernels.use(engine), pytest.raises(PolicyError) as err:
        RetailModel(market=TINY, policies=[NanTerm()], seed=1).run()
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("policy.nan_term: hook utility")
    assert "at store 'focal'" in msg
