"""The "Write your own policy" example of docs/policies.md, run exactly as documented.

The example lives in examples/thank_you_call.py and examples/configs/policy/thank_you_call.yaml; the
docs quote both verbatim (checked here), and the policy passes the same contract as the
built-in ones (it inherits `PolicyTestCase`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st
from test_policies import PolicyTestCase, bound

from examples.thank_you_call import ThankYouCall
from experiments.common import jsonable
from sim import RetailModel, default_market
from sim.policies import BUILTIN_POLICIES, all_policies, get_policy_class

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "thank_you_call.py"
CONFIG = ROOT / "examples" / "configs" / "policy" / "thank_you_call.yaml"
DOC = ROOT / "docs" / "policies.md"


def doc_blocks(lang: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_docs_quote_the_example_verbatim_and_it_is_short():
    code = EXAMPLE.read_text(encoding="utf-8")
    assert code in doc_blocks("python")
    assert CONFIG.read_text(encoding="utf-8") in doc_blocks("yaml")
    assert len(code.splitlines()) < 40


def test_registered_and_selected_from_python():
    assert get_policy_class("thank_you_call") is ThankYouCall
    assert ThankYouCall in all_policies and ThankYouCall not in BUILTIN_POLICIES
    market = default_market(n_customers=2000, years=1)
    by_name = RetailModel(market=market, policies=["thank_you_call"], seed=1).run()
    by_object = RetailModel(market=market, policies=[ThankYouCall(lift=0.1)], seed=1).run()
    same = [json.dumps(jsonable(m.summary()["focal"])) for m in (by_name, by_object)]
    assert same[0] == same[1]
    focal = by_name.summary()["focal"]
    assert focal["cost_thank_you_call"] > 0
    assert focal["cost_thank_you_call"] == pytest.approx(bound(by_name, "thank_you_call").spent)
    # A competitor can run it too, named in the market config.
    import dataclasses

    stores = list(market.stores)
    stores[1] = dataclasses.replace(stores[1], policies=({"name": "thank_you_call", "lift": 0.2},))
    model = RetailModel(market=market.replace(stores=tuple(stores)), policies=[], seed=1).run()
    assert model.summary()["stores"]["county_rival"]["cost_thank_you_call"] > 0


def test_calls_raise_buyers_satisfaction():
    market = default_market(n_customers=2000, years=1)
    base = RetailModel(market=market, policies=[], seed=2)
    calls = RetailModel(market=market, policies=[ThankYouCall(lift=0.3)], seed=2)
    for _ in range(4):  # the first weeks, before the runs drift apart
        base.step()
        calls.step()
    f = base.focal
    buyers = np.flatnonzero(calls.pop.last_visit[:, f] >= 0)
    assert buyers.size > 0
    gap = calls.pop.satisfaction[buyers, f] - base.pop.satisfaction[buyers, f]
    assert gap.mean() > 0.1


def test_selected_via_the_config_file(tmp_path):
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            "--config-dir",
            "examples/configs",
            "policy=thank_you_call",
            "policy.budget=800",
            "market.n_customers=2000",
            "market.years=1",
            "output.progress=false",
            f"hydra.run.dir={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert 0 < summary["focal"]["cost_thank_you_call"] <= 800
    assert summary["config"]["focal_policies"][0]["name"] == "thank_you_call"


class TestThankYouCall(PolicyTestCase):
    """The documented example meets the contract of the built-in policies."""

    policy_class = ThankYouCall
    user_config_dir = ROOT / "examples" / "configs"
    budget_params = {"yearly_budget": st.floats(0, 3_000), "cost_per_call": st.floats(0, 20)}
    bad_params = [({"cost_per_call": -1}, "cost_per_call"), ({"lift": "high"}, "lift")]

