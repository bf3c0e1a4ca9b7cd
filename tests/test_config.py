"""Market config: validation errors name the field; the YAML default equals the Python one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from sim import ConfigError, MarketConfig, RetailModel, default_market
from sim.config import Behaviour

ROOT = Path(__file__).resolve().parents[1]


def market_dict(**changes):
    d = yaml.safe_load((ROOT / "configs/market/county_prefecture.yaml").read_text())
    d.update(changes)
    return d


def test_yaml_default_market_equals_python_default():
    assert MarketConfig.from_dict(market_dict()) == default_market()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"n_customers": -5}, "market.n_customers"),
        ({"n_customers": 0}, "market.n_customers"),
        ({"years": 0}, "market.years"),
        ({"years": -1}, "market.years"),
        ({"tick": "month"}, "market.tick"),
        ({"start_date": "yesterday"}, "market.start_date"),
        ({"focal_store": "nope"}, "market.focal_store"),
        ({"colour": "red"}, "market.colour"),
    ],
)
def test_bad_market_values_name_the_field(changes, field):
    with pytest.raises(ConfigError) as err:
        MarketConfig.from_dict(market_dict(**changes))
    assert str(err.value).startswith(field)
    assert "\n" not in str(err.value)


def test_bad_place_store_and_probability():
    d = market_dict()
    d["places"][0]["tier"] = "village"
    with pytest.raises(ConfigError, match=r"market.places\[0\].tier: must be one of"):
        MarketConfig.from_dict(d)
    d = market_dict()
    d["stores"][1]["place"] = "atlantis"
    with pytest.raises(ConfigError, match=r"market.stores\[1\].place: must be one of"):
        MarketConfig.from_dict(d)
    d = market_dict()
    d["behaviour"]["complaint_probability"] = 1.5
    with pytest.raises(
        ConfigError, match=r"market.behaviour.complaint_probability: must be a probability"
    ):
        MarketConfig.from_dict(d)
    d = market_dict()
    d["stores"][0]["complaint_resolution"] = -0.1
    with pytest.raises(ConfigError, match=r"complaint_resolution: must be a probability"):
        MarketConfig.from_dict(d)
    d = market_dict()
    d["stores"][0]["margin"] = "high"
    with pytest.raises(ConfigError, match=r"market.stores\[0\].margin: must be a number"):
        MarketConfig.from_dict(d)


def test_behaviour_ranges():
    with pytest.raises(ConfigError, match="negative_wom_max"):
        default_market().replace(behaviour=Behaviour(negative_wom_min=10, negative_wom_max=5))
    with pytest.raises(ConfigError, match="homophily"):
        Behaviour(homophily_same_group=0.8, homophily_same_place=0.5).validate()


def test_model_rejects_bad_activation_and_seed():
    with pytest.raises(ConfigError, match="activation"):
        RetailModel(market=default_market(n_customers=10), activation="parallel")
    with pytest.raises(ConfigError, match="seed"):
        RetailModel(market=default_market(n_customers=10), seed=-1)


def test_unknown_policy_lists_available():
    with pytest.raises(ConfigError, match="available: none"):
        RetailModel(market=default_market(n_customers=10), policies=["magic"])


def test_config_round_trips_through_dict():
    m = default_market(n_customers=123, tick="day")
    d = m.to_dict()
    d.pop("class_profiles")
    assert MarketConfig.from_dict(d) == m
    assert dataclasses.replace(m, years=2).n_ticks == 730


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"burn_in_years": -1}, "market.burn_in_years"),
        ({"burn_in_years": 0.5}, "market.burn_in_years"),
        ({"burn_in_years": True}, "market.burn_in_years"),
        ({"member_history_years": -2.0}, "market.member_history_years"),
    ],
)
def test_bad_start_fields_name_the_field(changes, field):
    with pytest.raises(ConfigError) as err:
        MarketConfig.from_dict(market_dict(**changes))
    assert str(err.value).startswith(field)


@pytest.mark.parametrize(
    "name, value",
    [
        ("dropout_a", 0.0),
        ("dropout_b", -1.0),
        ("rate_shape", 0.0),
        ("ticket_shape", 0.0),
        ("spend_shape", 1.0),  # the Gamma-Gamma mean spend is finite only for q > 1
        ("outside_option", "no"),
        ("attrition_per_year", 0.06),  # replaced by dropout_a / dropout_b
        ("spend_sigma", 1.0),  # replaced by spend_shape
        ("ticket_sigma", 0.35),  # replaced by ticket_shape
    ],
)
def test_bad_bgnbd_parameters_name_the_field(name, value):
    d = market_dict()
    d["behaviour"][name] = value
    with pytest.raises(ConfigError) as err:
        MarketConfig.from_dict(d)
    assert str(err.value).startswith(f"market.behaviour.{name}")
