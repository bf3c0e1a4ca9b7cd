"""The dashboard's scale check: would the policy being shown still pay (or still lose) in a store
half or twice this size? One plain sentence, English or Chinese, under the comparison charts.

Computed live from the policy's fixed cost a year (events, campaigns:
`StorePolicy.yearly_fixed_cost`, resolved against the store profile) against its yearly gain
so far, by the comparison report's own rule (`comparison.scale_text.scale_sentence`): no extra
simulation, so it works offline in a classroom and never holds the page up. The gain is judged
once a full year has run (before that, a week's noise would decide).
"""

from __future__ import annotations

import html
import json
from functools import lru_cache

import solara

from experiments.dashboard import text
from experiments.dashboard.catalog import focal_policies, policy_configs
from experiments.dashboard.twin import Twin
from experiments.report.blocks import money
from experiments.studies.comparison.scale_text import scale_sentence, yearly_fixed_cost
from sim.store_profile import StoreProfile


@lru_cache(maxsize=64)
def _fixed_cost(policy: str, profile_json: str) -> float:
    entries = focal_policies(policy)
    profile = StoreProfile.from_dict(json.loads(profile_json))
    return yearly_fixed_cost(entries, profile) if entries else 0.0


def fixed_cost(policy: str, profile: StoreProfile) -> float:
    """The policy config's fixed cost a year on a store with this profile (cached)."""
    return _fixed_cost(policy, json.dumps(profile.to_dict(), sort_keys=True))


def scale_note(twin: Twin, lang: str, diff_profit: float) -> str:
    """The scale-check sentence for the twin's policy at its current week (plain text);
    `diff_profit` is the profit gap so far (chosen minus baseline)."""
    model = twin.chosen
    profile = model.market.profile
    symbol = profile.currency_symbol
    label = text.policy_label(twin.policy, lang, policy_configs().get(twin.policy))
    fixed = fixed_cost(twin.policy, profile)
    per_year = model.calendar.ticks_per_year
    if fixed <= 0:
        return text.tr(lang, "scale_no_fixed", label=label)
    if twin.t < per_year:
        return text.tr(lang, "scale_wait", label=label, fixed=money(fixed, symbol=symbol))
    gain = float(diff_profit) * per_year / twin.t
    t = {k: text.tr(lang, k) for k in ("scale_half", "scale_double")}
    line = scale_sentence(label, fixed, gain, symbol, t)
    if line:
        return text.tr(lang, "scale_prefix") + line
    return text.tr(
        lang,
        "scale_holds",
        label=label,
        fixed=money(fixed, symbol=symbol),
        diff=money(gain, signed=True, symbol=symbol),
    )


@solara.component
def SizeNotes(twin: Twin, lang: str, diff_profit: float) -> None:
    """The market's size, then the scale check (class ``lab-scale``)."""
    size = text.size_note(lang, twin.chosen.market, twin.chosen.initial_focal.size)
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(size), classes=["lab-note", "lab-size"])
    solara.HTML(
        tag="div",
        unsafe_innerHTML=html.escape(scale_note(twin, lang, diff_profit)),
        classes=["lab-note", "lab-scale"],
    )
