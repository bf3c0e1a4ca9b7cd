"""Market description: tiers, places, stores, customer classes and behaviour parameters.

Plain dataclasses that validate themselves, so a notebook user and a command-line user get
the same one-line `ConfigError` before any simulation work. `MarketConfig.from_dict` builds one
from the nested mapping that Hydra composes (``configs/market/*.yaml``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ConfigError, check, check_positive, check_probability

TIERS: tuple[str, ...] = ("town", "county", "prefecture")
"""Market tiers, lowest first (SEEDS 000). Rank = position; drift goes to higher ranks."""

CLASSES: tuple[str, ...] = (
    "wage_earner",
    "rural",
    "small_business",
    "grassroots_official",
    "business_elite",
    "middle_official",
)
"""Customer classes of SEEDS 000 (main customers and big customers of county/prefecture stores)."""

ELITE_CLASSES = frozenset({"business_elite", "middle_official"})
BRANDS: tuple[str, ...] = ("local", "national")
TICKS: dict[str, int] = {"day": 1, "week": 7}


@dataclass(frozen=True)
class ClassProfile:
    """Heterogeneity of one customer class; means of per-customer draws.

    Elites buy more and bigger, have transport and status needs, and drift upward
    (SEEDS 000: "big customers drift"; "upward consumption drift"; celebrity/status needs of
    county business elites and middle officials; education needs of all elites).
    """

    occasions_per_year: float
    spend_per_purchase: float
    price_sensitivity: float
    promo_affinity: float
    status_seeking: float
    education_need: float
    brand_aspiration: float
    tier_preference: float
    drift_per_year: float


DEFAULT_CLASS_PROFILES: dict[str, ClassProfile] = {
    "wage_earner": ClassProfile(1.3, 2200, 1.0, 0.55, 0.15, 0.35, 0.30, -0.2, 0.02),
    "rural": ClassProfile(0.9, 1800, 1.3, 0.65, 0.10, 0.30, 0.15, -0.5, 0.0),
    "small_business": ClassProfile(1.6, 4500, 0.7, 0.35, 0.35, 0.40, 0.45, 0.0, 0.05),
    "grassroots_official": ClassProfile(1.4, 3500, 0.7, 0.30, 0.30, 0.50, 0.45, 0.0, 0.05),
    "business_elite": ClassProfile(2.2, 15000, 0.3, 0.10, 0.85, 0.60, 0.75, 0.15, 0.18),
    "middle_official": ClassProfile(2.0, 11000, 0.35, 0.10, 0.75, 0.65, 0.70, 0.1, 0.15),
}

DEFAULT_CLASS_MIX: dict[str, dict[str, float]] = {
    # Shares of residents by home tier (SEEDS 000 lists who lives where; shares are assumptions).
    "town": {
        "wage_earner": 0.25,
        "rural": 0.50,
        "small_business": 0.13,
        "grassroots_official": 0.08,
        "business_elite": 0.03,
        "middle_official": 0.01,
    },
    "county": {
        "wage_earner": 0.42,
        "rural": 0.18,
        "small_business": 0.18,
        "grassroots_official": 0.12,
        "business_elite": 0.06,
        "middle_official": 0.04,
    },
    "prefecture": {
        "wage_earner": 0.50,
        "rural": 0.06,
        "small_business": 0.20,
        "grassroots_official": 0.12,
        "business_elite": 0.07,
        "middle_official": 0.05,
    },
}


@dataclass(frozen=True)
class PlaceSpec:
    """A town, county seat or prefecture city; `parent` is the next tier up (None at the top)."""

    id: str
    tier: str
    parent: str | None = None
    population_share: float = 0.1


@dataclass(frozen=True)
class StoreSpec:
    """A store: where it is, what it sells at which price, how well it serves, what it runs."""

    id: str
    place: str
    brand: str = "local"
    price_level: float = 1.0
    margin: float = 0.4
    service_quality: float = 0.0
    managers: int = 2
    complaint_resolution: float = 0.5
    attractiveness: float = 0.0
    policies: tuple[Any, ...] = ()


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

    complaint_probability: float = 1 / 25
    negative_wom_min: int = 10
    negative_wom_max: int = 20
    positive_wom_min: int = 1
    positive_wom_max: int = 5
    wom_new_per_satisfied_year: float = 0.25
    resolved_stay_probability: float = 0.60
    unresolved_stay_probability: float = 0.20
    wom_positive_shift: float = 0.08
    wom_negative_shift: float = 0.15
    satisfied_threshold: float = 0.25
    dissatisfied_threshold: float = -0.9
    service_noise: float = 0.7
    satisfaction_learning: float = 0.4
    loyalty_learning: float = 0.35
    loyalty_half_life_years: float = 1.5
    dropout_a: float = 0.5
    dropout_b: float = 10.0
    dissatisfied_attrition_multiplier: float = 3.0
    natural_entry_per_year: float = 0.06
    rate_shape: float = 0.6
    ticket_shape: float = 3.0
    spend_shape: float = 5.0
    prospect_share: float = 0.25
    mean_degree: float = 12.0
    homophily_same_group: float = 0.6
    homophily_same_place: float = 0.3
    beta_brand: float = 1.2
    beta_tier: float = 1.0
    beta_loyalty: float = 2.2
    beta_satisfaction: float = 1.0
    beta_travel: float = 0.9
    beta_price: float = 1.5
    beta_promo: float = 1.5
    beta_friends: float = 1.0
    outside_utility: float = 0.3
    outside_option: bool = True
    brand_drift_per_year: float = 0.04
    festival_amplitude: float = 1.0
    active_days: int = 180
    sleeping_days: int = 365

    def validate(self, prefix: str = "market.behaviour") -> None:
        for name in (
            "complaint_probability",
            "resolved_stay_probability",
            "unresolved_stay_probability",
            "prospect_share",
            "homophily_same_group",
            "homophily_same_place",
            "satisfaction_learning",
            "loyalty_learning",
        ):
            check_probability(getattr(self, name), f"{prefix}.{name}")
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
            check(
                isinstance(a, int) and a >= 0,
                f"{prefix}.{lo}",
                f"must be an integer >= 0, got {a!r}",
            )
            check(
                isinstance(b, int) and b >= a,
                f"{prefix}.{hi}",
                f"must be an integer >= {lo} ({a}), got {b!r}",
            )
        for name in (
            "wom_new_per_satisfied_year",
            "natural_entry_per_year",
            "wom_positive_shift",
            "wom_negative_shift",
            "service_noise",
            "dissatisfied_attrition_multiplier",
            "festival_amplitude",
            "brand_drift_per_year",
        ):
            check_positive(getattr(self, name), f"{prefix}.{name}", allow_zero=True)
        for name in (
            "rate_shape",
            "dropout_a",
            "dropout_b",
            "ticket_shape",
            "loyalty_half_life_years",
            "mean_degree",
        ):
            check_positive(getattr(self, name), f"{prefix}.{name}")
        check(
            isinstance(self.spend_shape, (int, float)) and self.spend_shape > 1,
            f"{prefix}.spend_shape",
            f"must be a number > 1 (the mean spend is finite only then), got {self.spend_shape!r}",
        )
        check(
            isinstance(self.outside_option, bool),
            f"{prefix}.outside_option",
            f"must be true or false, got {self.outside_option!r}",
        )
        check(
            self.dissatisfied_threshold < self.satisfied_threshold,
            f"{prefix}.dissatisfied_threshold",
            "must be below satisfied_threshold",
        )
        check(
            isinstance(self.active_days, int) and 0 < self.active_days < self.sleeping_days,
            f"{prefix}.active_days",
            "must be an integer in (0, sleeping_days)",
        )


@dataclass(frozen=True)
class MarketConfig:
    """A whole market: places, stores, population and behaviour; one store is the focal store."""

    name: str = "county_prefecture"
    n_customers: int = 20_000
    years: float = 3
    tick: str = "week"
    start_date: str = "2024-01-01"
    focal_store: str = "focal"
    places: tuple[PlaceSpec, ...] = ()
    stores: tuple[StoreSpec, ...] = ()
    class_mix: dict[str, dict[str, float]] = field(default_factory=lambda: DEFAULT_CLASS_MIX)
    class_profiles: dict[str, ClassProfile] = field(default_factory=lambda: DEFAULT_CLASS_PROFILES)
    behaviour: Behaviour = field(default_factory=Behaviour)
    elite_home_up_share: float = 0.6
    """Share of town/county elites whose family home is one tier up (SEEDS 000, urbanisation)."""
    member_history_years: float = 10.0
    """Years of customer turnover behind the initial members: they start as the survivors of
    that history (`sim.population.settle_members`); 0 draws them afresh."""
    burn_in_years: int = 1
    """Years the market runs before the measured period (not counted anywhere), so that the
    run starts from the market's steady state rather than from the initial guess."""

    # ----------------------------------------------------------------- derived facts
    @property
    def tick_days(self) -> int:
        return TICKS[self.tick]

    @property
    def n_ticks(self) -> int:
        return int(round(self.years * (365 // self.tick_days)))

    @property
    def place_ids(self) -> list[str]:
        return [p.id for p in self.places]

    @property
    def store_ids(self) -> list[str]:
        return [s.id for s in self.stores]

    def replace(self, **changes: Any) -> MarketConfig:
        """A validated copy with some fields changed."""
        new = dataclasses.replace(self, **changes)
        new.validate()
        return new

    # ----------------------------------------------------------------- validation
    def validate(self) -> MarketConfig:
        p = "market"
        check(
            isinstance(self.n_customers, int)
            and not isinstance(self.n_customers, bool)
            and self.n_customers > 0,
            f"{p}.n_customers",
            f"must be a positive integer, got {self.n_customers!r}",
        )
        check(
            isinstance(self.years, (int, float)) and self.years > 0,
            f"{p}.years",
            f"must be a number > 0, got {self.years!r}",
        )
        check(self.tick in TICKS, f"{p}.tick", f"must be one of {sorted(TICKS)}, got {self.tick!r}")
        check(self.n_ticks >= 1, f"{p}.years", "is shorter than one tick")
        try:
            dt.date.fromisoformat(str(self.start_date))
        except ValueError:
            raise ConfigError(
                f"{p}.start_date", f"must be an ISO date like 2024-01-01, got {self.start_date!r}"
            ) from None
        check(len(self.places) > 0, f"{p}.places", "must list at least one place")
        ids = [pl.id for pl in self.places]
        check(len(set(ids)) == len(ids), f"{p}.places", f"place ids must be unique, got {ids}")
        for i, pl in enumerate(self.places):
            check(
                pl.tier in TIERS,
                f"{p}.places[{i}].tier",
                f"must be one of {list(TIERS)}, got {pl.tier!r}",
            )
            check(
                pl.parent is None or pl.parent in ids,
                f"{p}.places[{i}].parent",
                f"must be one of {ids} or null, got {pl.parent!r}",
            )
            if pl.parent is not None:
                parent = next(q for q in self.places if q.id == pl.parent)
                check(
                    TIERS.index(parent.tier) > TIERS.index(pl.tier),
                    f"{p}.places[{i}].parent",
                    f"must be a higher tier than {pl.tier!r}, got {parent.tier!r}",
                )
            check_positive(
                pl.population_share, f"{p}.places[{i}].population_share", allow_zero=True
            )
        check(
            sum(pl.population_share for pl in self.places) > 0,
            f"{p}.places",
            "population shares must not all be zero",
        )
        check(len(self.stores) > 0, f"{p}.stores", "must list at least one store")
        sids = [s.id for s in self.stores]
        check(len(set(sids)) == len(sids), f"{p}.stores", f"store ids must be unique, got {sids}")
        for i, s in enumerate(self.stores):
            q = f"{p}.stores[{i}]"
            check(s.place in ids, f"{q}.place", f"must be one of {ids}, got {s.place!r}")
            check(
                s.brand in BRANDS, f"{q}.brand", f"must be one of {list(BRANDS)}, got {s.brand!r}"
            )
            check_positive(s.price_level, f"{q}.price_level")
            check(
                isinstance(s.margin, (int, float)) and 0 <= s.margin < 1,
                f"{q}.margin",
                f"must be in [0, 1), got {s.margin!r}",
            )
            check(
                isinstance(s.managers, int) and s.managers >= 0,
                f"{q}.managers",
                f"must be an integer >= 0, got {s.managers!r}",
            )
            check_probability(s.complaint_resolution, f"{q}.complaint_resolution")
        check(
            self.focal_store in sids,
            f"{p}.focal_store",
            f"must be one of {sids}, got {self.focal_store!r}",
        )
        for tier, mix in self.class_mix.items():
            check(tier in TIERS, f"{p}.class_mix", f"unknown tier {tier!r}; allowed {list(TIERS)}")
            for c, share in mix.items():
                check(
                    c in CLASSES,
                    f"{p}.class_mix.{tier}",
                    f"unknown class {c!r}; allowed {list(CLASSES)}",
                )
                check_positive(share, f"{p}.class_mix.{tier}.{c}", allow_zero=True)
            check(sum(mix.values()) > 0, f"{p}.class_mix.{tier}", "shares must not all be zero")
        for pl in self.places:
            check(pl.tier in self.class_mix, f"{p}.class_mix", f"has no entry for tier {pl.tier!r}")
        for c in CLASSES:
            check(c in self.class_profiles, f"{p}.class_profiles", f"missing class {c!r}")
        check_probability(self.elite_home_up_share, f"{p}.elite_home_up_share")
        check_positive(self.member_history_years, f"{p}.member_history_years", allow_zero=True)
        check(
            isinstance(self.burn_in_years, int)
            and not isinstance(self.burn_in_years, bool)
            and self.burn_in_years >= 0,
            f"{p}.burn_in_years",
            f"must be a whole number of years >= 0, got {self.burn_in_years!r}",
        )
        self.behaviour.validate(f"{p}.behaviour")
        return self

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarketConfig:
        """Build and validate from a plain mapping (e.g. a resolved Hydra config).

        Unknown keys are errors naming the allowed ones, so a typo never goes unnoticed.
        """
        data = dict(data)
        allowed = {f.name for f in dataclasses.fields(cls)}
        _reject_unknown(data, allowed, "market")
        if "places" in data:
            data["places"] = tuple(
                _build(PlaceSpec, d, f"market.places[{i}]") for i, d in enumerate(data["places"])
            )
        if "stores" in data:
            stores = []
            for i, d in enumerate(data["stores"]):
                d = dict(d)
                d["policies"] = tuple(d.get("policies") or ())
                stores.append(_build(StoreSpec, d, f"market.stores[{i}]"))
            data["stores"] = tuple(stores)
        if "behaviour" in data:
            data["behaviour"] = _build(Behaviour, data["behaviour"] or {}, "market.behaviour")
        if "class_profiles" in data:
            profiles = dict(DEFAULT_CLASS_PROFILES)
            for c, d in (data["class_profiles"] or {}).items():
                check(
                    c in CLASSES,
                    "market.class_profiles",
                    f"unknown class {c!r}; allowed {list(CLASSES)}",
                )
                base = dataclasses.asdict(profiles[c])
                base.update(d or {})
                profiles[c] = _build(ClassProfile, base, f"market.class_profiles.{c}")
            data["class_profiles"] = profiles
        if "class_mix" in data:
            data["class_mix"] = {t: dict(m) for t, m in (data["class_mix"] or {}).items()}
        try:
            market = cls(**data)
        except TypeError as exc:  # pragma: no cover - guarded by _reject_unknown
            raise ConfigError("market", str(exc)) from None
        return market.validate()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly mapping (policies rendered by name and parameters)."""
        d = dataclasses.asdict(self)
        for s, spec in zip(d["stores"], self.stores, strict=True):
            s["policies"] = [describe_policy(pol) for pol in spec.policies]
        return d


def describe_policy(policy: Any) -> Any:
    """A policy as JSON: its name and parameters (dicts pass through)."""
    if isinstance(policy, dict):
        return dict(policy)
    describe = getattr(policy, "describe", None)
    return describe() if describe else repr(policy)


def _reject_unknown(data: dict[str, Any], allowed: set[str], prefix: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(
            f"{prefix}.{unknown[0]}", f"unknown field; allowed: {', '.join(sorted(allowed))}"
        )


def _build(kind: type, data: dict[str, Any], prefix: str) -> Any:
    data = dict(data)
    _reject_unknown(data, {f.name for f in dataclasses.fields(kind)}, prefix)
    types = {f.name: f.type for f in dataclasses.fields(kind)}
    for key, value in data.items():
        if types[key] in ("int",) and isinstance(value, float) and value.is_integer():
            data[key] = int(value)
        if types[key] in ("float",) and isinstance(value, bool):
            raise ConfigError(f"{prefix}.{key}", f"must be a number, got {value!r}")
        if types[key] in ("float",) and not isinstance(value, (int, float)):
            raise ConfigError(f"{prefix}.{key}", f"must be a number, got {value!r}")
        if types[key] in ("int",) and not isinstance(value, int):
            raise ConfigError(f"{prefix}.{key}", f"must be an integer, got {value!r}")
    return kind(**data)


def default_market(**changes: Any) -> MarketConfig:
    """The default market ``county_prefecture``: 1 prefecture city, 2 counties, 4 towns.

    The focal store is a local-brand county store (SEEDS 000: county store whose big customers
    drift to the prefecture city), competing with another county store, a national-brand
    prefecture store, a local prefecture store and town shops.
    """
    places = (
        PlaceSpec("prefecture_city", "prefecture", None, 0.34),
        PlaceSpec("county_a", "county", "prefecture_city", 0.16),
        PlaceSpec("county_b", "county", "prefecture_city", 0.14),
        PlaceSpec("town_a1", "town", "county_a", 0.09),
        PlaceSpec("town_a2", "town", "county_a", 0.09),
        PlaceSpec("town_b1", "town", "county_b", 0.09),
        PlaceSpec("town_b2", "town", "county_b", 0.09),
    )
    stores = (
        StoreSpec("focal", "county_a", "local", 1.0, 0.40, 0.0, 3, 0.5, 0.0),
        StoreSpec("county_rival", "county_a", "local", 0.95, 0.38, -0.05, 2, 0.4, 0.0),
        StoreSpec("county_b_store", "county_b", "local", 1.0, 0.40, 0.0, 2, 0.5, 0.0),
        StoreSpec("pref_national", "prefecture_city", "national", 1.2, 0.45, 0.25, 5, 0.6, 0.2),
        StoreSpec("pref_local", "prefecture_city", "local", 1.0, 0.40, 0.0, 3, 0.5, 0.0),
        StoreSpec("town_a_shop", "town_a1", "local", 0.85, 0.35, -0.15, 1, 0.3, -0.2),
        StoreSpec("town_b_shop", "town_b1", "local", 0.85, 0.35, -0.15, 1, 0.3, -0.2),
    )
    market = MarketConfig(places=places, stores=stores)
    return market.replace(**changes) if changes else market.validate()
