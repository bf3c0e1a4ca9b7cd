"""The store behind an export: reading it as written, amounts when it has none, its profile.

Kept apart from the fits (``core``) and the market search (``market``): the pipeline calls
``read_store_log`` -> ``with_amounts`` -> (fits) -> ``assumed_spend_fit`` when the log has no
amounts -> ``store_profile``. Everything that is assumed rather than read is listed by
``assumptions`` for fit.json and calibration.html.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import MarketConfig
from sim.customer_base.fitting import FitResult
from sim.errors import ConfigError
from sim.store_profile import CURRENCIES, StoreProfile, format_money
from sim.translog import ExportOptions, read_log

__all__ = [
    "StoreInputs",
    "apply_profile",
    "assumed_spend_fit",
    "assumptions",
    "check_currency",
    "market_spend_per_visit",
    "read_store_log",
    "spend_warnings",
    "store_profile",
    "with_amounts",
]

#: Currency marks an export may use -> the ISO codes they can stand for.
MARK_CURRENCIES: dict[str, tuple[str, ...]] = {
    "¥": ("CNY", "JPY"),
    "￥": ("CNY", "JPY"),
    "元": ("CNY",),
    "RMB": ("CNY",),
    "CNY": ("CNY",),
    "円": ("JPY",),
    "JPY": ("JPY",),
    "$": ("USD", "HKD", "TWD", "SGD", "AUD", "CAD", "NZD", "MOP"),
    "US$": ("USD",),
    "USD": ("USD",),
    "HK$": ("HKD",),
    "HKD": ("HKD",),
    "NT$": ("TWD",),
    "TWD": ("TWD",),
    "€": ("EUR",),
    "EUR": ("EUR",),
    "£": ("GBP",),
    "GBP": ("GBP",),
    "₩": ("KRW",),
    "S$": ("SGD",),
    "A$": ("AUD",),
    "AU$": ("AUD",),
    "C$": ("CAD",),
    "NZ$": ("NZD",),
}


@dataclass(frozen=True)
class StoreInputs:
    """What the user says about the store and its export (all optional)."""

    options: ExportOptions = dataclasses.field(default_factory=ExportOptions)
    strict: bool = True
    currency: str = "CNY"
    spend_per_visit: float | None = None  # used only when the log has no amounts
    margin: float | None = None  # the store's own gross margin, if known
    store_name: str | None = None
    currency_given: bool = False
    """``--currency`` was passed (any currency but the default counts as given)."""

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ConfigError(
                "--currency",
                f"{self.currency!r} is not a known currency code (known: {', '.join(CURRENCIES)})",
            )
        spend = self.spend_per_visit
        if spend is not None and not (np.isfinite(spend) and spend > 0):
            raise ConfigError("--spend-per-visit", f"must be a number > 0, got {spend!r}")
        if self.margin is not None and not (np.isfinite(self.margin) and 0 <= self.margin <= 1):
            raise ConfigError("--margin", f"must be in [0, 1], got {self.margin!r}")
        if self.store_name is not None and not self.store_name.strip():
            raise ConfigError("--store-name", "must not be empty")

    @property
    def currency_source(self) -> str:
        """``given`` (by the user) or ``assumed`` (the default CNY, never confirmed)."""
        return "given" if self.currency_given or self.currency != "CNY" else "assumed"


def read_store_log(path: str | Path, inputs: StoreInputs, report) -> pd.DataFrame:
    """The export, read with the user's options; amounts may be missing (counts only)."""
    options = dataclasses.replace(inputs.options, require_amount=False)
    log = read_log(path, strict=inputs.strict, report=report, options=options)
    check_currency(log.attrs.get("currency_marks", []), inputs.currency)
    return log


def check_currency(marks: list[str], currency: str) -> None:
    """Refuse amounts written in another currency than ``--currency`` says (dollar data
    reported as yuan was the issue's first complaint)."""
    for mark in marks:
        codes = MARK_CURRENCIES.get(mark, ())
        if codes and currency not in codes:
            raise ConfigError(
                "--currency",
                f"the export writes amounts with {mark!r}, which is "
                f"not {currency}; pass --currency {codes[0]}"
                + (f" (or {', '.join(codes[1:])})" if len(codes) > 1 else ""),
            )


def market_spend_per_visit(base: MarketConfig) -> float:
    """The base market's mean spend per visit: class spends weighted by the focal store's
    home tier's class mix (the market default for a log without amounts)."""
    focal = next(s for s in base.stores if s.id == base.focal_store)
    tier = next(p.tier for p in base.places if p.id == focal.place)
    mix = base.class_mix[tier]
    total = sum(mix.values())
    return float(
        sum(share * base.class_profiles[c].spend_per_purchase for c, share in mix.items()) / total
    )


def with_amounts(
    log: pd.DataFrame, inputs: StoreInputs, base: MarketConfig, report
) -> tuple[pd.DataFrame, float | None]:
    """A log without amounts gets the assumed spend on each customer-day's first line (0 on
    any other line that day, so a visit is worth one spend); returns (log, assumed spend or
    None when the log has its own amounts)."""
    if "amount" in log.columns:
        return log, None
    if inputs.spend_per_visit is None and inputs.currency != base.profile.currency:
        default = format_money(market_spend_per_visit(base), base.profile, signed=False)
        raise ConfigError(
            "--spend-per-visit",
            f"the log has no amounts, and the market's default spend per visit ({default}) "
            f"is in {base.profile.currency}, not {inputs.currency}: give the store's own, "
            "e.g. --spend-per-visit 35",
        )
    spend = inputs.spend_per_visit or market_spend_per_visit(base)
    where = "--spend-per-visit" if inputs.spend_per_visit else "the market default"
    day = log["date"].dt.normalize()
    first = ~pd.DataFrame({"c": log["customer_id"], "d": day}).duplicated().to_numpy()
    log = log.assign(amount=np.where(first, spend, 0.0))
    cols = [
        c
        for c in ("customer_id", "date", "amount", "store_id", "promo", "discount")
        if c in log.columns
    ]
    report(f"no amounts in the log: counts only; spend per visit {spend:,.2f} assumed ({where})")
    return log[cols], float(spend)


def assumed_spend_fit(spend: float, base: MarketConfig, n: float) -> FitResult:
    """A Gamma-Gamma "fit" that is an assumption: the base market's ticket and spend shapes
    (p, q) with the scale that gives a mean spend per visit of ``spend``."""
    p, q = base.behaviour.ticket_shape, base.behaviour.spend_shape
    gamma = spend * (q - 1.0) / p
    nan = np.full(3, np.nan)
    return FitResult(
        "gammagamma",
        ("p", "q", "gamma"),
        np.array([p, q, gamma]),
        nan,
        nan,
        nan,
        float("nan"),
        n,
        extra={"assumed": True, "note": f"no amounts: mean spend {spend:g} assumed"},
    )


def store_profile(
    log: pd.DataFrame,
    inputs: StoreInputs,
    *,
    name: str,
    source: str,
    assumed_spend: float | None,
    base: MarketConfig,
) -> StoreProfile:
    """Members, last-365-day revenue and mean ticket of the (one-store) log, in its currency."""
    end = log["date"].max()
    last_year = log["date"] > end - pd.Timedelta(days=365)
    visits = log.assign(d=log["date"].dt.normalize()).groupby(["customer_id", "d"])["amount"].sum()
    qs = (0, 10, 25, 50, 75, 90, 95, 99, 100)
    pct = {str(q): round(float(v), 2) for q, v in zip(qs, np.percentile(visits, qs), strict=True)}
    focal = next(s for s in base.stores if s.id == base.focal_store)
    return StoreProfile(
        name=inputs.store_name or name,
        currency=inputs.currency,
        members=int(log["customer_id"].nunique()),
        yearly_revenue=float(log.loc[last_year, "amount"].sum()),
        mean_ticket=float(log["amount"].sum() / max(len(visits), 1)),
        ticket_percentiles=pct,
        ticket_source="assumed" if assumed_spend is not None else "data",
        margin=inputs.margin if inputs.margin is not None else focal.margin,
        margin_source="given" if inputs.margin is not None else "assumed",
        source=source,
    ).validate()


def apply_profile(market: MarketConfig, profile: StoreProfile) -> MarketConfig:
    """The calibrated market carries the profile, and its focal store the profile's margin
    (the same unless ``--margin`` was given)."""
    stores = tuple(
        dataclasses.replace(s, margin=profile.margin, name=profile.name)
        if s.id == market.focal_store
        else s
        for s in market.stores
    )
    return market.replace(profile=profile, stores=stores)


def assumptions(
    profile: StoreProfile, assumed_spend: float | None, currency_source: str = "given"
) -> list[str]:
    """The inputs that are not from the export, in plain words (fit.json, the report)."""
    out = []
    if currency_source == "assumed":
        out.append(f"currency {profile.currency} (the default; set --currency)")
    if assumed_spend is not None:
        out.append(
            f"spend per visit {profile.money(assumed_spend, decimals=2)} (the log has no "
            "amounts; revenue and spend figures follow from it)"
        )
    if profile.margin_source == "assumed":
        out.append(f"gross margin {profile.margin:.0%} (the market default; set --margin)")
    return out


#: Gamma-Gamma p or q above this describes (almost) no spread: the spend fit is degenerate.
DEGENERATE_SHAPE = 1_000.0


def spend_warnings(gg: FitResult, log: pd.DataFrame, profile: StoreProfile) -> list[dict]:
    """Name a degenerate spend fit (constant amounts, a parameter at its bound, no spread):
    ``{"kind", "text", ...figures}`` each (the report words them in either language); empty
    for a healthy fit or an assumed spend."""
    if gg.extra.get("assumed"):
        return []
    out = []
    lines = log["amount"]
    spread = float(lines.std()) if len(lines) > 1 else 0.0
    mean = float(lines.mean())
    if spread <= 1e-9 * max(mean, 1.0):  # every line the same amount
        spend = profile.money(mean, decimals=2)
        out.append(
            {
                "kind": "constant",
                "spend": spend,
                "text": (
                    f"every line spends {spend} (constant amounts): the Gamma-Gamma spend "
                    "model has nothing to fit, so spend per visit is in effect fixed (is the "
                    "amount column a price list?)"
                ),
            }
        )
    if gg.at_bound:
        names = ", ".join(gg.at_bound)
        out.append(
            {
                "kind": "bound",
                "params": names,
                "text": (
                    f"the Gamma-Gamma spend fit ends with {names} at the bound of its search: "
                    "the log cannot tell how spend varies; treat spend figures as rough"
                ),
            }
        )
    elif not out and max(gg["p"], gg["q"]) > DEGENERATE_SHAPE:
        out.append(
            {
                "kind": "degenerate",
                "p": gg["p"],
                "q": gg["q"],
                "text": (
                    f"the Gamma-Gamma spend fit is degenerate (p = {gg['p']:,.0f}, "
                    f"q = {gg['q']:,.0f}): almost no spread of spend between visits or customers"
                ),
            }
        )
    return out
