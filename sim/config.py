"""Market description: tiers, places, stores, customer classes and behaviour parameters.

Plain dataclasses that validate themselves, so a notebook user and a command-line user get
the same one-line `ConfigError` before any simulation work. `MarketConfig.from_dict` builds one
from the nested mapping that Hydra composes (``configs/market/*.yaml``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sim.behaviour import Behaviour
from sim.errors import ConfigError, check
from sim.schema import (
    Spec,
    check_list,
    check_mapping,
    check_memory,
    check_record,
    check_value,
    declared,
    field_specs,
    record_values,
    reject_unknown,
    run_memory_estimate,
)
from sim.store_profile import StoreProfile

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
TICK_WORDS: dict[str, str] = {"day": "daily", "week": "weekly"}
"""How output names a tick length (``weekly ticks``)."""


@dataclass(frozen=True)
class ClassProfile:
    """Heterogeneity of one customer class; means of per-customer draws.

    Elites buy more and bigger, have transport and status needs, and drift upward
    (SEEDS 000: "big customers drift"; "upward consumption drift"; celebrity/status needs of
    county business elites and middle officials; education needs of all elites).
    """

    occasions_per_year: float = declared(
        kind="number", low=0, high=365, low_open=True, unit="per year",
        doc="mean purchase occasions per customer (gamma-heterogeneous)",
    )
    spend_per_purchase: float = declared(
        kind="number", low=0, high=1e7, low_open=True, unit="yuan",
        doc="mean spend per purchase (lognormal across customers)",
    )
    price_sensitivity: float = declared(
        kind="number", low=0, high=10, doc="mean weight of a store's price level in choice"
    )
    promo_affinity: float = declared(
        kind="number", low=0, high=1, doc="mean response to promotions (0 = none, 1 = strong)"
    )
    status_seeking: float = declared(
        kind="number", low=0, high=1, doc="mean taste for status events (galas, celebrities)"
    )
    education_need: float = declared(
        kind="number", low=0, high=1, doc="share with children at school (education events)"
    )
    brand_aspiration: float = declared(
        kind="number", low=0, high=1, doc="mean taste for national brands (0.5 = indifferent)"
    )
    tier_preference: float = declared(
        kind="number", low=-5, high=5, doc="mean taste for higher-tier stores (utility units)"
    )
    drift_per_year: float = declared(
        kind="number", low=-1, high=1, unit="per year",
        doc="yearly growth of the tier preference (upward consumption drift)",
    )


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


MAX_PLACES = 1000
MAX_STORES = 1000
MAX_CUSTOMERS = 100_000_000
MAX_YEARS = 100
SHARE_TOLERANCE = 0.01
"""Population shares may sum to 1 +- this (rounded shares); the model normalises them."""


@dataclass(frozen=True)
class PlaceSpec:
    """A town, county seat or prefecture city; `parent` is the next tier up (None at the top)."""

    id: str = declared(kind="text", doc="unique name of the place")
    tier: str = declared(kind="choice", choices=TIERS, doc="the place's tier")
    parent: str | None = declared(
        None, kind="text", nullable=True, doc="id of the place one tier up (null at the top)"
    )
    population_share: float = declared(
        0.1, kind="number", low=0, high=1,
        doc="share of the market's population living there (the places' shares sum to 1)",
    )


@dataclass(frozen=True)
class StoreSpec:
    """A store: where it is, what it sells at which price, how well it serves, what it runs."""

    id: str = declared(kind="text", doc="unique name of the store")
    place: str = declared(kind="text", doc="id of the place the store is in")
    brand: str = declared("local", kind="choice", choices=BRANDS, doc="brand grade")
    price_level: float = declared(
        1.0, kind="number", low=0, high=10, low_open=True,
        doc="prices relative to the market (1 = average)",
    )
    margin: float = declared(
        0.4, kind="number", low=0, high=1, high_open=True, doc="gross margin as a share of revenue"
    )
    service_quality: float = declared(
        0.0, kind="number", low=-10, high=10, doc="mean service-experience score offset"
    )
    managers: int = declared(
        2, kind="integer", low=0, high=1000, doc="store and counter managers (personal attention)"
    )
    complaint_resolution: float = declared(
        0.5, kind="number", low=0, high=1, noun="a probability",
        doc="probability that a complaint is resolved",
    )
    attractiveness: float = declared(
        0.0, kind="number", low=-10, high=10, doc="utility offset of the store (location, size)"
    )
    policies: tuple[Any, ...] = declared(
        (), kind="list", type_name="policy names or entries",
        doc="the store's policies (names or entries as in configs/policy); the focal store's "
        "come from `policy` in the commands",
    )
    name: str | None = declared(
        None, kind="text", nullable=True,
        doc='display name in reports and the dashboard (e.g. "Your county store"); null: the id',
    )


@dataclass(frozen=True)
class MarketConfig:
    """A whole market: places, stores, population and behaviour; one store is the focal store."""

    name: str = declared("county_prefecture", kind="text", doc="the market's name")
    n_customers: int = declared(
        20_000, kind="integer", low=1, high=MAX_CUSTOMERS, unit="customers",
        doc="population simulated (members and prospects); also limited by this machine's memory",
    )
    years: float = declared(
        3, kind="number", low=0, high=MAX_YEARS, low_open=True, unit="years",
        doc="simulated horizon (at least one tick)",
    )
    tick: str = declared("week", kind="choice", choices=tuple(TICKS), doc="length of one step")
    start_date: str = declared("2024-01-01", kind="date", doc="calendar date of the first tick")
    focal_store: str = declared(
        "focal", kind="text", doc="id of the user's store (the one `policy` applies to)"
    )
    places: tuple[PlaceSpec, ...] = declared(
        (), kind="list", min_items=1, max_items=MAX_PLACES, doc="the places of the market",
        item=Spec("node", "one place", type_name="places (mappings)"),
    )
    stores: tuple[StoreSpec, ...] = declared(
        (), kind="list", min_items=1, max_items=MAX_STORES, doc="the stores of the market",
        item=Spec("node", "one store", type_name="stores (mappings)"),
    )
    class_mix: dict[str, dict[str, float]] = declared(
        kind="node", factory=lambda: DEFAULT_CLASS_MIX, type_name="tier -> class -> share",
        doc="shares of residents by class, per home tier (shares >= 0, normalised per tier)",
    )
    class_profiles: dict[str, ClassProfile] = declared(
        kind="node", factory=lambda: DEFAULT_CLASS_PROFILES, type_name="class -> profile",
        doc="per-class means (partial entries override the defaults)",
    )
    behaviour: Behaviour = declared(
        kind="node", factory=Behaviour, type_name="behaviour", doc="customer rule parameters"
    )
    elite_home_up_share: float = declared(
        0.6, kind="number", low=0, high=1,
        doc="share of town/county elites whose family home is one tier up (SEEDS 000)",
    )
    member_history_years: float = declared(
        10.0, kind="number", low=0, high=1000, unit="years",
        doc="years of customer turnover behind the initial members (they start as its "
        "survivors; 0 draws them afresh)",
    )
    burn_in_years: int = declared(
        1, kind="integer", low=0, high=100, unit="years",
        doc="years the market runs before the measured period, uncounted (a steady start)",
    )
    profile: StoreProfile = declared(
        kind="node", factory=StoreProfile, type_name="store profile",
        doc="the focal store's name, currency, members, revenue, mean ticket and margin, each "
        "marked as data or assumed (written by experiments.calibrate; reports print money in "
        "its currency)",
    )
    members: str | None = declared(
        None, kind="text", nullable=True,
        doc="member-twin file (members.parquet written by experiments.calibrate): the focal "
        "store's customers are the store's own members with posterior traits (sim.twin), "
        "reached by its policies (sim.members); null: the focal store is served by the "
        "simulated residents",
    )

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
        """Check every field (declared specs) and the cross-field rules; returns self."""
        p = "market"
        nested = ("places", "stores", "class_mix", "class_profiles", "behaviour", "profile")
        check_record(self, p, skip=nested)
        check(self.n_ticks >= 1, f"{p}.years", f"is shorter than one tick ({self.tick})")
        check_list(self.places, f"{p}.places", field_specs(MarketConfig)["places"])
        check_list(self.stores, f"{p}.stores", field_specs(MarketConfig)["stores"])
        for i, pl in enumerate(self.places):
            check(isinstance(pl, PlaceSpec), f"{p}.places[{i}]", f"must be a PlaceSpec, got {pl!r}")
            check_record(pl, f"{p}.places[{i}]")
        ids = [pl.id for pl in self.places]
        check(len(set(ids)) == len(ids), f"{p}.places", f"place ids must be unique, got {ids}")
        by_id = {pl.id: pl for pl in self.places}
        for i, pl in enumerate(self.places):
            check(
                pl.parent is None or pl.parent in by_id,
                f"{p}.places[{i}].parent",
                f"must be one of {ids} or null, got {pl.parent!r}",
            )
            if pl.parent is not None:
                parent = by_id[pl.parent]
                check(
                    TIERS.index(parent.tier) > TIERS.index(pl.tier),
                    f"{p}.places[{i}].parent",
                    f"must be a higher tier than {pl.tier!r}, got {parent.tier!r}",
                )
        total = sum(pl.population_share for pl in self.places)
        check(
            abs(total - 1.0) <= SHARE_TOLERANCE,
            f"{p}.places",
            f"population shares must sum to 1 (each is a share of the population), got "
            f"{total:.4g}",
        )
        for i, s in enumerate(self.stores):
            check(isinstance(s, StoreSpec), f"{p}.stores[{i}]", f"must be a StoreSpec, got {s!r}")
            check_record(s, f"{p}.stores[{i}]", skip=("policies",))
            check(
                s.place in ids, f"{p}.stores[{i}].place", f"must be one of {ids}, got {s.place!r}"
            )
        sids = [s.id for s in self.stores]
        check(len(set(sids)) == len(sids), f"{p}.stores", f"store ids must be unique, got {sids}")
        check(
            self.focal_store in sids,
            f"{p}.focal_store",
            f"must be one of {sids}, got {self.focal_store!r}",
        )
        check_mapping(self.class_mix, f"{p}.class_mix")
        share = Spec("number", "share", low=0, high=1e6)
        for tier, mix in self.class_mix.items():
            reject_unknown([tier], TIERS, f"{p}.class_mix")
            mix = check_mapping(mix, f"{p}.class_mix.{tier}")
            reject_unknown(mix, CLASSES, f"{p}.class_mix.{tier}")
            for c, value in mix.items():
                check_value(share, value, f"{p}.class_mix.{tier}.{c}")
            check(sum(mix.values()) > 0, f"{p}.class_mix.{tier}", "shares must not all be zero")
        for pl in self.places:
            check(pl.tier in self.class_mix, f"{p}.class_mix", f"has no entry for tier {pl.tier!r}")
        check_mapping(self.class_profiles, f"{p}.class_profiles")
        reject_unknown(self.class_profiles, CLASSES, f"{p}.class_profiles")
        for c in CLASSES:
            check(c in self.class_profiles, f"{p}.class_profiles", f"missing class {c!r}")
            prof = self.class_profiles[c]
            check(
                isinstance(prof, ClassProfile),
                f"{p}.class_profiles.{c}",
                f"must be a ClassProfile, got {prof!r}",
            )
            check_record(prof, f"{p}.class_profiles.{c}")
        check(
            isinstance(self.behaviour, Behaviour),
            f"{p}.behaviour",
            f"must be a Behaviour, got {self.behaviour!r}",
        )
        self.behaviour.validate(f"{p}.behaviour")
        check(
            isinstance(self.profile, StoreProfile),
            f"{p}.profile",
            f"must be a StoreProfile, got {self.profile!r}",
        )
        self.profile.validate(f"{p}.profile")
        check_memory(
            run_memory_estimate(self),
            f"{p}.n_customers",
            f"{self.n_customers:,} customers over {self.n_ticks:,} ticks",
        )
        return self

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: Any) -> MarketConfig:
        """Build and validate from a plain mapping (e.g. a resolved Hydra config).

        Every node's shape is checked before its values are read; unknown keys are errors
        with a "did you mean" suggestion, so a typo never goes unnoticed.
        """
        data = record_values(
            cls, data, "market",
            skip=("places", "stores", "behaviour", "class_profiles", "class_mix", "profile"),
        )
        specs = field_specs(cls)
        if "places" in data:
            places = check_list(data["places"], "market.places", specs["places"])
            data["places"] = tuple(
                PlaceSpec(
                    **_required(
                        PlaceSpec, record_values(PlaceSpec, d, f"market.places[{i}]"),
                        f"market.places[{i}]",
                    )
                )
                for i, d in enumerate(places)
            )
        if "stores" in data:
            stores = []
            for i, d in enumerate(check_list(data["stores"], "market.stores", specs["stores"])):
                values = record_values(StoreSpec, d, f"market.stores[{i}]", skip=("policies",))
                pols = values.get("policies")
                pols = [] if pols is None else check_list(pols, f"market.stores[{i}].policies")
                values["policies"] = tuple(pols)
                stores.append(StoreSpec(**_required(StoreSpec, values, f"market.stores[{i}]")))
            data["stores"] = tuple(stores)
        if "behaviour" in data:
            values = record_values(Behaviour, data["behaviour"] or {}, "market.behaviour")
            data["behaviour"] = Behaviour(**values)
        if "profile" in data:
            data["profile"] = StoreProfile.from_dict(data["profile"], "market.profile")
        if "class_profiles" in data:
            profiles = dict(DEFAULT_CLASS_PROFILES)
            given = check_mapping(data["class_profiles"] or {}, "market.class_profiles")
            reject_unknown(given, CLASSES, "market.class_profiles")
            for c, d in given.items():
                values = record_values(ClassProfile, d or {}, f"market.class_profiles.{c}")
                profiles[c] = dataclasses.replace(profiles[c], **values)
            data["class_profiles"] = profiles
        if "class_mix" in data:
            mix = check_mapping(data["class_mix"] or {}, "market.class_mix")
            data["class_mix"] = {
                t: check_mapping(m, f"market.class_mix.{t}") for t, m in mix.items()
            }
        return cls(**data).validate()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly mapping (policies rendered by name and parameters)."""
        d = dataclasses.asdict(self)
        d["profile"] = self.profile.to_dict()
        for s, spec in zip(d["stores"], self.stores, strict=True):
            s["policies"] = [describe_policy(pol) for pol in spec.policies]
        return d


def describe_policy(policy: Any) -> Any:
    """A policy as JSON: its name and parameters (dicts pass through, and a policy given by
    name stays that name, so the market can be rebuilt from its own description)."""
    if isinstance(policy, str):
        return policy
    if isinstance(policy, dict):
        return dict(policy)
    describe = getattr(policy, "describe", None)
    return describe() if describe else repr(policy)


def _required(kind: type, values: dict[str, Any], prefix: str) -> dict[str, Any]:
    """`values` with every field that has no default present (e.g. a store's `id`)."""
    for f in dataclasses.fields(kind):
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if no_default and f.name not in values:
            raise ConfigError(f"{prefix}.{f.name}", "is required")
    return values


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
    names = {
        "focal": "Your county store",
        "county_rival": "Rival county store",
        "county_b_store": "County B store",
        "pref_national": "National-brand city store",
        "pref_local": "Local city store",
        "town_a_shop": "Town A shop",
        "town_b_shop": "Town B shop",
    }
    stores = tuple(dataclasses.replace(s, name=names[s.id]) for s in stores)
    market = MarketConfig(places=places, stores=stores)
    return market.replace(**changes) if changes else market.validate()
