"""Scenario discovery: under which assumptions does a policy lose money?

A shallow classification tree (depth <= 2, Gini impurity, written with NumPy) separates the
scenarios where a policy's Δprofit is negative from the others; each leaf where most scenarios
lose becomes a box of at most two conditions, reported as in PRIM with its *density* (share
of the box's scenarios that lose) and *coverage* (share of all losing scenarios inside it),
and stated in plain words: "gift_budget loses money when gift_budget.satisfaction_gain < 0.1".
A split whose two sides reach the same verdict is pruned. When a policy loses in most
scenarios, the boxes describe where it *pays* instead ("loses money in 61 of 64 scenarios; it
pays only when ...").

Thresholds are midpoints between neighbouring sampled values, so with S scenarios spread over
a range (Latin hypercube) a threshold is located to about 1/S of that range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MIN_FAILURES = 3


@dataclass(frozen=True)
class Condition:
    parameter: str
    op: str  # "<" or ">="
    threshold: float

    def holds(self, x: pd.Series) -> np.ndarray:
        v = x.to_numpy(float)
        return v < self.threshold if self.op == "<" else v >= self.threshold

    def words(self, lang: str = "en") -> str:
        return f"{self.parameter} {self.op} {_num(self.threshold)}"


@dataclass(frozen=True)
class Rule:
    """A box of conditions (all must hold) where a policy mostly loses money."""

    conditions: tuple[Condition, ...]
    density: float
    coverage: float
    scenarios: int
    failures: int
    extra: dict = field(default_factory=dict)

    def words(self) -> str:
        return " and ".join(c.words() for c in self.conditions)


def _num(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"


def _gini(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    p = np.divide(k, n, out=np.zeros_like(k, dtype=float), where=n > 0)
    return 2 * p * (1 - p)


def best_split(x: pd.DataFrame, fail: np.ndarray, min_leaf: int) -> tuple[str, float, float] | None:
    """(parameter, threshold, impurity decrease) of the best single split, or None."""
    n = len(fail)
    parent = float(_gini(np.array([fail.sum()]), np.array([n]))[0])
    best: tuple[str, float, float] | None = None
    for col in x.columns:
        v = x[col].to_numpy(float)
        order = np.argsort(v, kind="stable")
        vs, fs = v[order], fail[order].astype(float)
        k_left = np.cumsum(fs)[:-1]
        n_left = np.arange(1, n)
        k_right = fs.sum() - k_left
        n_right = n - n_left
        ok = (vs[1:] > vs[:-1]) & (n_left >= min_leaf) & (n_right >= min_leaf)
        if not ok.any():
            continue
        child = (n_left * _gini(k_left, n_left) + n_right * _gini(k_right, n_right)) / n
        gain = np.where(ok, parent - child, -np.inf)
        i = int(np.argmax(gain))
        if gain[i] > 1e-12 and (best is None or gain[i] > best[2] + 1e-12):
            best = (str(col), float((vs[i] + vs[i + 1]) / 2), float(gain[i]))
    return best


def _leaves(
    x: pd.DataFrame, fail: np.ndarray, depth: int, min_leaf: int, min_density: float = 0.5
) -> list[tuple[tuple[Condition, ...], np.ndarray]]:
    """Leaves of a greedy tree: (conditions, boolean mask over rows). A split whose two sides
    end in leaves of the same verdict (both mostly losing, or both not) says nothing and is
    pruned back to its parent."""

    def label(mask: np.ndarray) -> bool:
        return bool(fail[mask].mean() >= min_density) if mask.any() else False

    def grow(
        mask: np.ndarray, conds: tuple[Condition, ...], level: int
    ) -> list[tuple[tuple[Condition, ...], np.ndarray]]:
        f = fail[mask]
        split = None
        if level < depth and 0 < f.sum() < len(f) and len(f) >= 2 * min_leaf:
            split = best_split(x[mask], f, min_leaf)
        if split is None:
            return [(conds, mask)]
        col, thr, _ = split
        below = x[col].to_numpy(float) < thr
        leaves = grow(mask & below, conds + (Condition(col, "<", thr),), level + 1)
        leaves += grow(mask & ~below, conds + (Condition(col, ">=", thr),), level + 1)
        if len({label(m) for _, m in leaves}) == 1:
            return [(conds, mask)]
        return leaves

    return grow(np.ones(len(fail), bool), (), 0)


def _simplify(conds: tuple[Condition, ...]) -> tuple[Condition, ...]:
    """Keep the tightest bound per parameter and direction."""
    keep: dict[tuple[str, str], Condition] = {}
    for c in conds:
        k = (c.parameter, c.op)
        if k not in keep:
            keep[k] = c
        elif (c.op == "<") == (c.threshold < keep[k].threshold):
            keep[k] = c
    return tuple(keep.values())


def failure_rules(
    values: pd.DataFrame,
    fail: Sequence[bool] | np.ndarray,
    *,
    depth: int = 2,
    min_leaf: int | None = None,
    min_density: float = 0.5,
) -> list[Rule]:
    """Boxes where the failure share is at least `min_density`, largest coverage first.

    `values` holds the assumptions that can move the policy (one column each, real units),
    `fail` whether the policy lost money in each scenario. `min_leaf` defaults to 5% of the
    scenarios (at least 3).
    """
    fail = np.asarray(fail, bool)
    n, total = len(fail), int(np.asarray(fail).sum())
    if total == 0 or total == n:
        return []
    min_leaf = min_leaf or max(3, int(round(0.05 * n)))
    rules = []
    for conds, mask in _leaves(values.reset_index(drop=True), fail, depth, min_leaf, min_density):
        k, m = int(fail[mask].sum()), int(mask.sum())
        if not conds or m == 0 or k / m < min_density:
            continue
        rules.append(Rule(_simplify(conds), k / m, k / total, m, k))
    return sorted(rules, key=lambda r: (-r.coverage, -r.density))


def describe_failures(
    policy: str,
    values: pd.DataFrame,
    d_profit: Sequence[float] | np.ndarray,
    **kw,
) -> dict:
    """A policy's failure summary: share of losing scenarios, rules, and one plain sentence."""
    d = np.asarray(d_profit, float)
    fail, pays = d < 0, d > 0  # the robust ranking's counts: a tie (Δ = 0) neither loses nor pays
    n, k, m = len(d), int(fail.sum()), int(pays.sum())
    out = {"policy": policy, "scenarios": n, "losing": k, "p_loss": k / n if n else np.nan}
    out["paying"] = m
    if k == 0:
        out.update(
            rules=[], kind="never", sentence=f"{policy} does not lose money in any scenario."
        )
    elif k == n:
        out.update(rules=[], kind="always", sentence=f"{policy} loses money in every scenario.")
    elif k < MIN_FAILURES:
        out.update(
            rules=[],
            kind="rare",
            sentence=f"{policy} loses money in {k} of {n} scenarios: too few to describe.",
        )
    elif k > n / 2 and m == 0:  # losses, and no difference in the others
        out.update(
            rules=[],
            kind="no_gain",
            sentence=(
                f"{policy} loses money in {k} of {n} scenarios and makes more in none "
                f"(no difference in the other {n - k})."
            ),
        )
    elif k > n / 2:  # mostly losing: say when it pays (more profit, as the ranking counts)
        wins = failure_rules(values, pays, **kw)
        if wins:
            cover = sum(r.coverage for r in wins)
            out.update(
                rules=wins,
                kind="mostly",
                sentence=(
                    f"{policy} loses money in {k} of {n} scenarios; it pays only when "
                    + " or when ".join(r.words() for r in wins)
                    + f" ({cover:.0%} of its {m} scenarios with more profit)."
                ),
            )
        else:
            out.update(
                rules=[],
                kind="scattered",
                sentence=(
                    f"{policy} loses money in {k} of {n} scenarios, with no simple condition "
                    "for the others."
                ),
            )
    else:
        rules = failure_rules(values, fail, **kw)
        if rules:
            parts = [r.words() for r in rules]
            cover = sum(r.coverage for r in rules)
            out.update(
                rules=rules,
                kind="rule",
                sentence=(
                    f"{policy} loses money when "
                    + " or when ".join(parts)
                    + f" ({cover:.0%} of its {k} losing scenarios; "
                    + ", ".join(f"{r.density:.0%}" for r in rules)
                    + " of the scenarios in "
                    + ("that box" if len(rules) == 1 else "those boxes")
                    + " lose)."
                ),
            )
        else:
            out.update(
                rules=[],
                kind="scattered",
                sentence=(
                    f"{policy} loses money in {k} of {n} scenarios, with no simple condition "
                    "on the assumptions (losses look like noise or a mix of causes)."
                ),
            )
    return out


def rules_frame(summaries: Sequence[dict]) -> pd.DataFrame:
    """failures.csv: one row per rule (or one per policy without a rule)."""
    rows = []
    for s in summaries:
        base = {k: s[k] for k in ("policy", "scenarios", "losing", "p_loss", "kind")}
        base["box"] = "pays" if s["kind"] == "mostly" else "loses"
        if s["rules"]:
            for i, r in enumerate(s["rules"], 1):
                rows.append(
                    {
                        **base,
                        "rule": i,
                        "conditions": r.words(),
                        "density": r.density,
                        "coverage": r.coverage,
                        "box_scenarios": r.scenarios,
                        "sentence": s["sentence"],
                        **{
                            f"cond{j}_{a}": getattr(c, a)
                            for j, c in enumerate(r.conditions, 1)
                            for a in ("parameter", "op", "threshold")
                        },
                    }
                )
        else:
            rows.append(
                {
                    **base,
                    "rule": 0,
                    "conditions": "",
                    "density": np.nan,
                    "coverage": np.nan,
                    "box_scenarios": 0,
                    "sentence": s["sentence"],
                }
            )
    return pd.DataFrame(rows)
