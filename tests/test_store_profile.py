"""The store profile: validation, carried by the market config, and the one money formatter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.config import MarketConfig, default_market
from sim.errors import ConfigError
from sim.store_profile import CURRENCIES, MINUS, StoreProfile, format_money

USD = StoreProfile(
    name="Music store", currency="USD", members=2357, mean_ticket=35.0, ticket_source="data"
)


@pytest.mark.parametrize(
    "value, profile, kw, text",
    [
        (1234.4, None, {}, "+¥1,234"),
        (-35, USD, {}, f"{MINUS}$35"),
        (35.5, USD, {"signed": False, "decimals": 2}, "$35.50"),
        (0.2, USD, {}, "$0"),
        (12.5, StoreProfile(currency="HKD"), {"signed": False, "decimals": 1}, "HK$12.5"),
        (float("nan"), None, {}, "n/a"),
        (5, StoreProfile(currency="XAF", symbol="FCFA "), {"signed": False}, "FCFA 5"),
    ],
)
def test_format_money(value, profile, kw, text):
    assert format_money(value, profile, **kw) == text


@given(st.floats(-1e9, 1e9), st.sampled_from(sorted(CURRENCIES)))
def test_format_money_reads_back(value, code):
    profile = StoreProfile(currency=code)
    text = format_money(value, profile, decimals=2)
    symbol = profile.currency_symbol
    assert symbol in text
    number = float(text.replace(symbol, "").replace(",", "").replace(MINUS, "-"))
    assert number == pytest.approx(round(value, 2), abs=0.006)


def test_default_market_carries_the_default_county_store_in_cny():
    p = default_market().profile
    assert (p.currency, p.currency_symbol, p.name) == ("CNY", "¥", "Your county store")
    assert p.margin_source == "assumed" and p.members is None


def test_profile_round_trips_through_the_market_config():
    market = default_market(profile=USD)
    back = MarketConfig.from_dict(market.to_dict())
    assert back.profile == USD and back == market


@pytest.mark.parametrize(
    "profile, field",
    [
        ({"currency": "usd"}, "market.profile.currency"),
        ({"currency": "XAF"}, "market.profile.currency"),
        ({"margin": 1.5}, "market.profile.margin"),
        ({"members": -1}, "market.profile.members"),
        ({"ticket_source": "guess"}, "market.profile.ticket_source"),
        ({"curency": "USD"}, "market.profile.curency"),
    ],
)
def test_bad_profile_is_one_line_naming_the_field(profile, field):
    data = default_market().to_dict()
    data["profile"] = profile
    with pytest.raises(ConfigError) as err:
        MarketConfig.from_dict(data)
    assert str(err.value).startswith(field) and "\n" not in str(err.value)
