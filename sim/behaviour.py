"""Behaviour parameters of the customer rules (SEEDS 001 and the customer-base core), one place.

`Behaviour` validates itself like every market part (`sim.config`), so a wrong value is one
`ConfigError` line before any simulation work; `MarketConfig.behaviour` holds one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import check
from sim.schema import check_record, declared


@dataclass(frozen=True)
class Behaviour:
    """Behaviour parameters of the customer rules, with their sources.

    Numbers quoted by SEEDS 001: 1 complaint per 25 dissatisfied customers; a dissatisfied
    customer tells 10-20 people; a satisfied one tells 1-5; 100 satisfied customers bring 25 new
    ones; 60% of complainers whose complaint is resolved stay. Others are modelling assumptions
    documented in docs/ODD.md.

    The customer-base core is BG/NBD + Gamma-Gamma (docs/ODD.md 7.1, 7.2, 7.4): purchase rate
    ~ Gamma(`rate_shape`, rate_shape / class mean rate); a per-customer probability of leaving
    the category after each repeat purchase ~ Beta(`dropout_a`, `dropout_b`), independent of
    the rate and multiplied by `dissatisfied_attrition_multiplier` after a dissatisfying visit;
    spend per visit ~ Gamma(`ticket_shape`, nu) with nu ~ Gamma(`spend_shape`, gamma) and gamma
    set so that the class's `spend_per_purchase` is the mean spend. `outside_option` false
    removes the outside option (buying outside the market) from the store choice.
    """

    complaint_probability: float = declared(
        1 / 25, kind="number", low=0, high=1, noun="a probability",
        doc="chance that a dissatisfied customer complains (SEEDS 001: 1 in 25)",
    )
    negative_wom_min: int = declared(
        10, kind="integer", low=0, high=1000, unit="people",
        doc="fewest people a dissatisfied customer tells (SEEDS 001: 10-20)",
    )
    negative_wom_max: int = declared(
        20, kind="integer", low=0, high=1000, unit="people",
        doc="most people a dissatisfied customer tells (>= negative_wom_min)",
    )
    positive_wom_min: int = declared(
        1, kind="integer", low=0, high=1000, unit="people",
        doc="fewest people a satisfied customer tells (SEEDS 001: 1-5)",
    )
    positive_wom_max: int = declared(
        5, kind="integer", low=0, high=1000, unit="people",
        doc="most people a satisfied customer tells (>= positive_wom_min)",
    )
    wom_new_per_satisfied_year: float = declared(
        0.25, kind="number", low=0, high=100, unit="per year",
        doc="new customers brought per satisfied customer and year (SEEDS 001: 25 per 100)",
    )
    resolved_stay_probability: float = declared(
        0.60, kind="number", low=0, high=1, noun="a probability",
        doc="chance that a complainer whose complaint is resolved stays (SEEDS 001: 60%)",
    )
    unresolved_stay_probability: float = declared(
        0.20, kind="number", low=0, high=1, noun="a probability",
        doc="chance that a complainer whose complaint is not resolved stays",
    )
    wom_positive_shift: float = declared(
        0.08, kind="number", low=0, high=10,
        doc="satisfaction gained by a listener of good word of mouth",
    )
    wom_negative_shift: float = declared(
        0.15, kind="number", low=0, high=10,
        doc="satisfaction lost by a listener of bad word of mouth",
    )
    satisfied_threshold: float = declared(
        0.25, kind="number", low=-10, high=10,
        doc="service experience above which a buyer is satisfied",
    )
    dissatisfied_threshold: float = declared(
        -0.9, kind="number", low=-10, high=10,
        doc="service experience below which a buyer is dissatisfied (< satisfied_threshold)",
    )
    service_noise: float = declared(
        0.7, kind="number", low=0, high=10,
        doc="standard deviation of the service experience of one visit",
    )
    satisfaction_learning: float = declared(
        0.4, kind="number", low=0, high=1,
        doc="weight of the latest experience in satisfaction",
    )
    loyalty_learning: float = declared(
        0.35, kind="number", low=0, high=1,
        doc="share of the way to 1 that loyalty moves after a good visit",
    )
    loyalty_half_life_years: float = declared(
        1.5, kind="number", low=0, high=100, low_open=True, unit="years",
        doc="half-life of loyalty without visits",
    )
    dropout_a: float = declared(
        0.5, kind="number", low=0, high=1e6, low_open=True,
        doc="Beta a of the per-customer chance of leaving the category after a repeat purchase",
    )
    dropout_b: float = declared(
        10.0, kind="number", low=0, high=1e6, low_open=True,
        doc="Beta b of that chance (mean a / (a + b); BG/NBD dropout)",
    )
    dissatisfied_attrition_multiplier: float = declared(
        3.0, kind="number", low=0, high=100,
        doc="factor on the dropout chance after a dissatisfying visit (SEEDS 001)",
    )
    natural_entry_per_year: float = declared(
        0.06, kind="number", low=0, high=50, unit="per year",
        doc="rate at which prospects enter the category on their own",
    )
    rate_shape: float = declared(
        0.6, kind="number", low=0, high=1000, low_open=True,
        doc="gamma shape r of the purchase-occasion rate across customers (BG/NBD)",
    )
    ticket_shape: float = declared(
        3.0, kind="number", low=0, high=1e6, low_open=True,
        doc="Gamma-Gamma p: gamma shape of one ticket around the customer's mean spend",
    )
    spend_shape: float = declared(
        5.0, kind="number", low=1, high=1e6, low_open=True,
        doc="Gamma-Gamma q: heterogeneity of mean spend across customers (> 1: finite mean)",
    )
    prospect_share: float = declared(
        0.25, kind="number", low=0, high=1,
        doc="share of the population not yet in the category at the start",
    )
    mean_degree: float = declared(
        12.0, kind="number", low=0, high=1000, low_open=True, unit="ties",
        doc="mean number of social ties per customer",
    )
    homophily_same_group: float = declared(
        0.6, kind="number", low=0, high=1,
        doc="share of ties within the same class (with the next, <= 1)",
    )
    homophily_same_place: float = declared(
        0.3, kind="number", low=0, high=1,
        doc="share of ties within the same place",
    )
    beta_brand: float = declared(
        1.2, kind="number", low=0, high=50,
        doc="choice weight of brand match (aspiration x brand grade)",
    )
    beta_tier: float = declared(
        1.0, kind="number", low=0, high=50,
        doc="choice weight of tier preference x tier gap",
    )
    beta_loyalty: float = declared(
        2.2, kind="number", low=0, high=50,
        doc="choice weight of loyalty to the store",
    )
    beta_satisfaction: float = declared(
        1.0, kind="number", low=0, high=50,
        doc="choice weight of satisfaction with the store",
    )
    beta_travel: float = declared(
        0.9, kind="number", low=0, high=50,
        doc="choice weight of travel (hops between places)",
    )
    beta_price: float = declared(
        1.5, kind="number", low=0, high=50,
        doc="choice weight of price sensitivity x price level",
    )
    beta_promo: float = declared(
        1.5, kind="number", low=0, high=50,
        doc="choice weight of promotions",
    )
    beta_friends: float = declared(
        1.0, kind="number", low=0, high=50,
        doc="choice weight of the share of friends using the store",
    )
    outside_utility: float = declared(
        0.3, kind="number", low=-50, high=50,
        doc="utility of buying outside the market",
    )
    outside_option: bool = declared(
        True, kind="boolean", doc="false removes buying outside the market from the store choice"
    )
    brand_drift_per_year: float = declared(
        0.04, kind="number", low=0, high=1, unit="per year",
        doc="yearly growth of national-brand aspiration",
    )
    festival_amplitude: float = declared(
        1.0, kind="number", low=0, high=10,
        doc="scale of the festival peaks of purchase occasions",
    )
    active_days: int = declared(
        180, kind="integer", low=1, high=3650, unit="days",
        doc="days without a purchase after which a member is silent (< sleeping_days)",
    )
    sleeping_days: int = declared(
        365, kind="integer", low=2, high=3650, unit="days",
        doc="days without a purchase after which a member is sleeping",
    )

    def validate(self, prefix: str = "market.behaviour") -> None:
        check_record(self, prefix)
        check(
            self.homophily_same_group + self.homophily_same_place <= 1.0,
            f"{prefix}.homophily_same_group",
            "homophily_same_group + homophily_same_place must be <= 1",
        )
        for lo, hi in (
            ("negative_wom_min", "negative_wom_max"),
            ("positive_wom_min", "positive_wom_max"),
        ):
            a, b = getattr(self, lo), getattr(self, hi)
            check(b >= a, f"{prefix}.{hi}", f"must be an integer >= {lo} ({a}), got {b!r}")
        check(
            self.dissatisfied_threshold < self.satisfied_threshold,
            f"{prefix}.dissatisfied_threshold",
            f"must be below satisfied_threshold ({self.satisfied_threshold:g}), "
            f"got {self.dissatisfied_threshold!r}",
        )
        check(
            self.active_days < self.sleeping_days,
            f"{prefix}.active_days",
            f"must be below sleeping_days ({self.sleeping_days}), got {self.active_days!r}",
        )
