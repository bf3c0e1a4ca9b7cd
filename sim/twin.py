"""The member twin: a store's own members, each with posterior traits, run forward.

A calibrated market's focal store is made of the export's members (``experiments.calibrate``
writes them next to the market YAML as ``members.parquet`` plus a ``twin`` block of fitted
parameters). One row per member (or a weighted sample beyond a size the user sets), carrying
its observed history: first purchase day, repeat purchases x, recency t_x, age T at the
calibration end, the sum of its log inter-purchase times and its repeat spend. Each run:

1. draws every member's purchase rate, dropout and spend rate from the fitted model's
   posterior given that history (``sim.customer_base.posterior``, exact); a new seed draws
   anew, so the spread over seeds carries the posterior uncertainty;
2. adds new members as the log showed them arriving: Poisson arrivals at the stated weekly
   rate (``acquisition``), each with prior traits from its first purchase;
3. runs everyone forward with the chosen timing model (exponential or Erlang-k gaps).

Vectorised over members (no Python loop over them); 20,000 members over three years take a
fraction of a second (``experiments/calibration/bench_twin.py``). Time is in weeks from the
calibration end; ``purchases`` returns day numbers too. Inside a market (``market.members``)
the members are population rows that the focal store's policies reach (``sim.members``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.customer_base.posterior import (
    MODELS,
    draw_new,
    draw_posterior,
    draw_spend,
    future_purchases,
)

__all__ = ["MEMBER_COLUMNS", "TwinRun", "TwinSpec", "run_twin"]

MEMBER_COLUMNS = ("customer_id", "first_day", "x", "t_x", "T", "litt", "monetary_value", "weight")
UNIT_DAYS = 7.0


@dataclass(frozen=True)
class TwinSpec:
    """What a twin run needs: members, the chosen model and its parameters, the spend model,
    the acquisition rate, and the calibration end (day number) the members' T refers to."""

    members: pd.DataFrame
    model: str
    params: tuple[float, ...]
    k: int
    spend: tuple[float, float, float]
    calibration_end: int
    new_per_week: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"twin.model: {self.model!r} is not one of {', '.join(MODELS)}")
        missing = [c for c in MEMBER_COLUMNS if c not in self.members.columns]
        if missing:
            raise ValueError(f"twin.members: missing column(s) {', '.join(missing)}")
        if not (np.isfinite(self.new_per_week) and self.new_per_week >= 0):
            raise ValueError(f"twin.new_per_week: must be >= 0, got {self.new_per_week!r}")

    @property
    def n(self) -> int:
        return len(self.members)

    def save(self, path: str | Path) -> Path:
        """Members as parquet, the rest (``to_dict``) in its schema metadata under ``twin``:
        one file carries the whole twin. Written atomically (a temporary file renamed)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(self.members.reset_index(drop=True), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"twin"] = json.dumps(self.to_dict()).encode()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TwinSpec:
        """A twin saved by ``save``; ValueError naming the file if it is not one."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"market.members: {path} does not exist")
        try:
            table = pq.read_table(path)
            data = json.loads((table.schema.metadata or {})[b"twin"])
        except (KeyError, OSError, pa.ArrowException, json.JSONDecodeError):
            raise ValueError(
                f"market.members: {path} is not a member-twin file written by "
                "python -m experiments.calibrate"
            ) from None
        return cls.from_dict(table.to_pandas(), data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "params": list(self.params),
            "k": int(self.k),
            "spend": list(self.spend),
            "calibration_end": str(np.datetime64(int(self.calibration_end), "D")),
            "new_per_week": float(self.new_per_week),
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, members: pd.DataFrame, data: dict[str, Any]) -> TwinSpec:
        end = int(np.datetime64(str(data["calibration_end"]), "D").astype(np.int64))
        return cls(
            members,
            str(data["model"]),
            tuple(float(v) for v in data["params"]),
            int(data.get("k", 1)),
            tuple(float(v) for v in data["spend"]),
            end,
            float(data.get("new_per_week", 0.0)),
            dict(data.get("meta", {})),
        )

    def sample(self, max_members: int | None, rng: np.random.Generator) -> TwinSpec:
        """A weighted sample of ``max_members`` members (each weight n / max) when larger."""
        if max_members is None or self.n <= max_members:
            return self
        pick = np.sort(rng.choice(self.n, size=max_members, replace=False))
        m = self.members.iloc[pick].copy()
        m["weight"] = m["weight"] * (self.n / max_members)
        return TwinSpec(
            m.reset_index(drop=True),
            self.model,
            self.params,
            self.k,
            self.spend,
            self.calibration_end,
            self.new_per_week,
            self.meta,
        )


@dataclass(frozen=True)
class TwinRun:
    """Every purchase of one twin run after the calibration end: member row (members first,
    then new members), time in weeks from the calibration end, day number, amount; and each
    row's weight (a sampled member stands for several)."""

    member: np.ndarray
    weeks: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    weight: np.ndarray
    n_members: int
    n_new: int
    first_purchase: np.ndarray  # a new member's first purchase (members' came before)

    def counts(self, weeks: float) -> np.ndarray:
        """Purchases per member row in (0, weeks]."""
        sel = self.weeks <= weeks
        return np.bincount(self.member[sel], minlength=self.n_members + self.n_new)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"member": self.member, "weeks": self.weeks, "day": self.day, "amount": self.amount}
        )


def run_twin(
    spec: TwinSpec, weeks: float, seed: int | np.random.SeedSequence, *, new_members: bool = True
) -> TwinRun:
    """One run of the twin over ``weeks`` after the calibration end (see module doc)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    r_traits, r_new, r_spend, r_buy = (np.random.default_rng(s) for s in ss.spawn(4))
    m = spec.members
    x, t_x, T = (m[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
    params = np.asarray(spec.params, dtype=np.float64)
    traits = draw_posterior(
        spec.model, params, x, t_x, T, r_traits, k=spec.k, litt=m["litt"].to_numpy(np.float64)
    )
    nu = draw_spend(np.asarray(spec.spend), x, m["monetary_value"].to_numpy(np.float64), r_spend)
    cust, when = future_purchases(traits, 0.0, weeks, r_buy)
    is_first = np.zeros(cust.size, dtype=bool)
    n_new = int(r_new.poisson(spec.new_per_week * weeks)) if new_members else 0
    first = np.sort(r_new.uniform(0.0, weeks, n_new))
    if n_new:
        new = draw_new(spec.model, params, n_new, r_new, k=spec.k)
        new_nu = r_new.gamma(spec.spend[1], 1.0 / spec.spend[2], n_new)
        first_drop = np.full(n_new, spec.model == "mbgcnbd")
        c2, w2 = future_purchases(new, first, weeks, r_new, first_drop=first_drop)
        cust = np.concatenate([cust, spec.n + np.arange(n_new), spec.n + c2])
        when = np.concatenate([when, first, w2])
        is_first = np.concatenate([is_first, np.ones(n_new, bool), np.zeros(c2.size, bool)])
        nu = np.concatenate([nu, new_nu])
    amount = r_spend.gamma(spec.spend[0], 1.0, cust.size) / nu[cust]
    order = np.argsort(when, kind="stable")
    cust, when, amount, is_first = cust[order], when[order], amount[order], is_first[order]
    weight = np.concatenate([m["weight"].to_numpy(np.float64), np.ones(n_new)])
    day = spec.calibration_end + np.ceil(when * UNIT_DAYS).astype(np.int64)
    return TwinRun(cust, when, day, amount, weight, spec.n, n_new, is_first)
