"""Build the member twin from the calibration period, choose its timing model, dock it.

Everything here reads the calibration-period columns of the RFM summary only (x, t_x, T,
litt, repeat spend, first purchase day): the holdout never reaches the fit, the choice of
model or the twin (``tests/test_twin.py`` shuffles the holdout and gets the same twin).

**Model choice** (documented rule): among BG/NBD, Pareto/NBD and MBG/CNBD-k (k = 1..6, the
likelihood's best k), the lowest AIC on the calibration period, AIC = 2 (parameters - LL), with
k counted as a fifth parameter. The three likelihoods are densities of the same data (every
purchase time after the first), so they are comparable; the exponential models are the k = 1
timing case.

**Docking**: the twin's baseline holdout (mean over seeds, no new members: the conditional
expectation describes the calibration cohort) against the chosen model's conditional
expectation, in total and per calibration frequency 0..6, 7+.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.core import UNIT_DAYS, Calibration
from sim.customer_base import bgnbd, mbgcnbd, paretonbd
from sim.customer_base.fitting import FitResult
from sim.twin import TwinSpec, run_twin

__all__ = [
    "ACQUISITION_WEEKS",
    "Choice",
    "acquisition",
    "build_twin",
    "choose_model",
    "conditional_expected",
    "dock",
]

#: New members per week continue at their mean rate over the calibration period's last 13
#: weeks (a quarter): recent enough to follow a growing store, long enough to average noise.
ACQUISITION_WEEKS = 13
DOCK_SEEDS = 20


@dataclass(frozen=True)
class Choice:
    model: str
    k: int
    fit: FitResult
    aic: dict[str, float]
    mbgcnbd_loglik: dict[int, float]


def _arrays(rfm: pd.DataFrame) -> tuple[np.ndarray, ...]:
    return tuple(rfm[c].to_numpy(np.float64) for c in ("frequency", "recency", "T", "litt"))


def choose_model(cal: Calibration, *, k_max: int = mbgcnbd.K_MAX) -> Choice:
    """Fit MBG/CNBD-k and pick the lowest-AIC model (module doc)."""
    x, t_x, T, litt = _arrays(cal.rfm)
    mb, lls = mbgcnbd.fit(x, t_x, T, litt, k_max=k_max)
    fits = {"bgnbd": (cal.bgnbd, 4), "mbgcnbd": (mb, 5)}
    if cal.paretonbd is not None:
        fits["paretonbd"] = (cal.paretonbd, 4)
    aic = {name: 2.0 * (p - f.loglik) for name, (f, p) in fits.items()}
    best = min(aic, key=aic.get)
    k = int(mb.extra["k"]) if best == "mbgcnbd" else 1
    return Choice(best, k, fits[best][0], aic, lls)


def conditional_expected(choice: Choice, t: float, rfm: pd.DataFrame) -> np.ndarray:
    """The chosen model's E[Y(t) | history] per customer (closed form or exact series)."""
    x, t_x, T, litt = _arrays(rfm)
    if choice.model == "bgnbd":
        return bgnbd.conditional_expected(choice.fit.params, t, x, t_x, T)
    if choice.model == "paretonbd":
        return paretonbd.conditional_expected(choice.fit.params, t, x, t_x, T)
    return mbgcnbd.conditional_expected(choice.fit.params, choice.k, t, x, t_x, T, litt)


def acquisition(rfm: pd.DataFrame, calibration_end: int) -> dict:
    """Weekly first purchases over the calibration period and the rate continued after it."""
    first = rfm["first_day"].to_numpy(np.int64)
    start = int(first.min())
    weeks = (calibration_end - first) // int(UNIT_DAYS)  # 0 = the last week before the end
    n_weeks = int((calibration_end - start) // int(UNIT_DAYS)) + 1
    curve = np.bincount(weeks, minlength=n_weeks)[::-1]  # oldest week first
    recent = curve[-ACQUISITION_WEEKS:]
    rate = float(recent.mean()) if recent.size else 0.0
    return {
        "rule": acquisition_rule(rate, "en"),
        "new_per_week": rate,
        "closed_cohort": rate == 0,
        "weekly_first_purchases": [int(v) for v in curve],
    }


def acquisition_rule(rate: float, lang: str) -> str:
    """How new members arrive after the calibration end, in `lang`."""
    if lang == "zh":
        return (
            f"按泊松过程到达，速率取校准期最后 {ACQUISITION_WEEKS} 周的平均每周人数，之后保持不变"
            + ("（没有新会员：封闭的顾客群）" if rate == 0 else "")
        )
    return (
        f"new members arrive as a Poisson process at the mean weekly rate of the "
        f"calibration period's last {ACQUISITION_WEEKS} weeks, held constant"
        + (" (none: a closed cohort)" if rate == 0 else "")
    )


TIMING_RULE = {
    "en": "lowest AIC on the calibration period (BG/NBD, Pareto/NBD, MBG/CNBD-k with k counted "
    "as a parameter)",
    "zh": "校准期内 AIC 最低（在 BG/NBD、Pareto/NBD 与 MBG/CNBD-k 中选择，k 计为一个参数）",
}
STRUCTURE = {
    "en": "single-store twin: the focal store's customers are its members, who follow their "
    "fitted process exactly at baseline; the simulated residents buy at the other stores only "
    "(the market's structure is made optional for the members, not calibrated away); the "
    "focal store's policies reach the members through the lab's rules as changes to that "
    "process: the store's share of their purchases (the market's choice model, from its "
    "baseline share), satisfaction, complaints and dropout (docs/calibration.md, 'How "
    "policies reach the members')",
    "zh": "单店孪生：本店的顾客就是它的会员，在基线下完全按其拟合的购买过程行事；模拟的居民只在"
    "其他门店购买（市场结构对会员不起作用，而不是被校准掉）；本店的政策通过实验室的规则、以改变"
    "这一过程的方式作用于会员：会员购买中本店所占的份额（由市场的选择模型从基线份额算出）、"
    "满意度、投诉和流失（见 docs/calibration.md）",
}
"""The twin's timing rule and structure as fit.json and calibration.html state them."""


def members_frame(rfm: pd.DataFrame) -> pd.DataFrame:
    """One row per member: its calibration-period history (``sim.twin.MEMBER_COLUMNS``)."""
    return pd.DataFrame(
        {
            "customer_id": rfm.index.astype(str),
            "first_day": rfm["first_day"].to_numpy(np.int64),
            "x": rfm["frequency"].to_numpy(np.int64),
            "t_x": rfm["recency"].to_numpy(np.float64),
            "T": rfm["T"].to_numpy(np.float64),
            "litt": rfm["litt"].to_numpy(np.float64),
            "monetary_value": rfm["monetary_value"].to_numpy(np.float64),
            "weight": np.ones(len(rfm)),
        }
    )


def build_twin(cal: Calibration, choice: Choice | None = None) -> tuple[TwinSpec, Choice]:
    """The twin spec of a calibration: members, chosen model, spend model, acquisition."""
    choice = choice or choose_model(cal)
    acq = acquisition(cal.rfm, cal.periods.calibration_end)
    spec = TwinSpec(
        members_frame(cal.rfm),
        choice.model,
        tuple(float(v) for v in choice.fit.params),
        choice.k,
        tuple(float(v) for v in cal.gammagamma.params),
        cal.periods.calibration_end,
        acq["new_per_week"],
        {"acquisition_rule": acq["rule"]},
    )
    return spec, choice


def dock(
    spec: TwinSpec,
    choice: Choice,
    cal: Calibration,
    *,
    seeds: int = DOCK_SEEDS,
    first_seed: int = 1000,
) -> dict:
    """Twin baseline holdout (mean over ``seeds``) vs the chosen model, total and per
    frequency; the actual holdout alongside (reported, never used for any choice)."""
    weeks = cal.periods.holdout_weeks
    model = conditional_expected(choice, weeks, cal.rfm)
    n = spec.n
    runs = np.array(
        [
            run_twin(spec, weeks, first_seed + s, new_members=False).counts(weeks)[:n]
            for s in range(seeds)
        ],
        dtype=np.float64,
    )
    twin = runs.mean(axis=0)
    freq = np.minimum(cal.rfm["frequency"].to_numpy(), 7)
    actual = cal.rfm["holdout_frequency"].to_numpy(np.float64)
    table = pd.DataFrame({"frequency": freq, "twin": twin, "model": model, "actual": actual})
    by = table.groupby("frequency").mean()
    totals = runs.sum(axis=1)
    return {
        "seeds": seeds,
        "holdout_weeks": weeks,
        "twin": float(totals.mean()),
        "twin_seed_sd": float(totals.std(ddof=1)) if seeds > 1 else None,
        "model": float(model.sum()),
        "actual": float(actual.sum()),
        "twin_vs_model": float(totals.mean() / model.sum() - 1.0),
        "twin_vs_actual": float(totals.mean() / actual.sum() - 1.0) if actual.sum() else None,
        "by_frequency": {
            ("7+" if f == 7 else str(int(f))): {
                "customers": int((freq == f).sum()),
                "twin": float(r.twin),
                "model": float(r.model),
                "actual": float(r.actual),
                "twin_vs_model": float(r.twin / r.model - 1.0) if r.model > 0 else None,
            }
            for f, r in by.iterrows()
        },
    }


def twin_block(spec: TwinSpec, choice: Choice, docking: dict, members_file: str | None) -> dict:
    """fit.json's ``twin`` block."""
    return {
        "members": spec.n,
        "members_file": members_file,
        "acquisition": {
            "rule": spec.meta.get("acquisition_rule"),
            "rule_zh": acquisition_rule(spec.new_per_week, "zh"),
            "new_per_week": spec.new_per_week,
        },
        "timing_model": {
            "chosen": choice.model,
            "k": choice.k,
            "rule": TIMING_RULE["en"],
            "rule_zh": TIMING_RULE["zh"],
            "aic": choice.aic,
            "mbgcnbd_loglik_by_k": {str(k): v for k, v in choice.mbgcnbd_loglik.items()},
            "params": choice.fit.to_json(),
        },
        "docking": docking,
        "structure": STRUCTURE["en"],
        "structure_zh": STRUCTURE["zh"],
    }


def dock_seeds(n_members: int) -> int:
    """Enough seeds that the smallest frequency groups' twin means are tight (~250k
    member-runs), between 20 and 200."""
    return int(np.clip(np.ceil(250_000 / max(n_members, 1)), 20, 200))


def twin_outputs(
    cal: Calibration,
    outdir: Path,
    name: str,
    *,
    max_members: int | None = None,
    seed: int = 0,
    report=print,
) -> tuple[TwinSpec, dict]:
    """Choose the timing model, build and dock the twin; the ``twin`` block of fit.json.

    Beyond ``max_members`` the twin keeps a uniform sample of members, each weighted
    n / max_members (docking uses every member)."""
    from experiments.calibration.health import expected_in_sample

    spec, choice = build_twin(cal)
    docking = dock(spec, choice, cal, seeds=dock_seeds(spec.n))
    actual_in = float(cal.rfm["frequency"].sum())
    model_in = expected_in_sample(
        choice.model, choice.fit.params, choice.k, cal.rfm["T"].to_numpy(np.float64)
    )
    block = twin_block(spec, choice, docking, None)  # the file's name once written
    block["in_sample"] = {
        "model": model_in,
        "actual": actual_in,
        "error": model_in / actual_in - 1.0 if actual_in else 0.0,
    }
    kept = spec.sample(max_members, np.random.default_rng(seed))
    block["members_kept"] = kept.n
    report(
        f"twin: {spec.n:,} members, timing {choice.model}"
        + (f" k={choice.k}" if choice.model == "mbgcnbd" else "")
        + f" (lowest AIC), {spec.new_per_week:.3g} new members/week; baseline holdout "
        f"{docking['twin']:,.0f} (model {docking['model']:,.0f}, "
        f"{docking['twin_vs_model']:+.1%}; actual {docking['actual']:,.0f})"
    )
    return kept, block


def save_members(spec: TwinSpec, directory: Path, name: str) -> Path:
    """Write the twin as ``NAME.members.<content hash>.parquet``: the market YAML names the
    file, so a re-calibrated twin is a new config for the run store (never a stale resume)."""
    import hashlib
    import os

    tmp = spec.save(directory / f".{name}.members.parquet")
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:12]
    final = directory / f"{name}.members.{digest}.parquet"
    os.replace(tmp, final)
    return final
