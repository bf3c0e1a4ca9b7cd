"""Best responses and the "rival copies me" diagonal of an empirical game, with how sure we are.

A store's best response to what the others do is the policy with the highest mean payoff over
replications. Two measures say how sure that is, both respecting common random numbers:

- ``share_replications``: in how many replications (same seed for every policy) the best policy
  was also the best one in that replication alone;
- ``share_bootstrap``: in how many bootstrap resamples of whole replications the best policy
  still had the highest mean (the usual "probability of being best").

The gap to the runner-up comes with a paired t-interval over replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.studies.tournament.game import EmpiricalGame, bootstrap_indices, policy_column
from sim.stats import paired_difference, t_interval


def _ties(values: np.ndarray, best: int) -> np.ndarray:
    """Per column (replication): does strategy `best` reach the column maximum?"""
    return values[best] >= values.max(axis=0) - 1e-9 * np.maximum(1.0, np.abs(values).max(axis=0))


def best_responses(
    game: EmpiricalGame, *, level: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """One row per store x combination of the other stores' policies: the best response.

    Columns: ``store``, ``role``, one ``policy_<store>`` column per *other* store (what they
    play; the store's own column is empty), ``best_policy``, its mean and CI, ``runner_up``,
    ``gap_mean``/``gap_ci_low``/``gap_ci_high`` (best minus runner-up, paired), ``tied`` (other
    policies with exactly the best mean), ``share_replications``, ``share_bootstrap``, ``n``.
    """
    boots = bootstrap_indices(game.replications, n_boot, seed)
    rows = []
    for i, store in enumerate(game.players):
        own = game.strategies[i]
        for others in game.others_profiles(i):
            values = game.own_axis(i, others)  # (k_i, R)
            means = values.mean(axis=1)
            best = int(np.argmax(means))
            order = np.argsort(-means, kind="stable")
            runner = int(order[1]) if len(own) > 1 else best
            tol = 1e-9 * max(1.0, float(np.abs(means).max()))
            tied = [own[j] for j in range(len(own)) if j != best and means[j] >= means[best] - tol]
            est = t_interval(values[best], level)
            gap = paired_difference(values[best], values[runner], level)
            share_r = float(_ties(values, best).mean())
            share_b = np.nan
            if n_boot:
                boot_means = values[:, boots].mean(axis=2)  # (k_i, n_boot)
                share_b = float(_ties(boot_means, best).mean())
            other_names = iter(others)
            row = {"store": store, "role": "focal" if i == 0 else "rival"}
            for j, p in enumerate(game.players):
                row[policy_column(p)] = "" if j == i else game.strategies[j][next(other_names)]
            rows.append(
                {
                    **row,
                    "best_policy": own[best],
                    "best_mean": est.mean,
                    "best_ci_low": est.low,
                    "best_ci_high": est.high,
                    "runner_up": own[runner] if runner != best else "",
                    "gap_mean": gap.mean if runner != best else np.nan,
                    "gap_ci_low": gap.low if runner != best else np.nan,
                    "gap_ci_high": gap.high if runner != best else np.nan,
                    "tied": ", ".join(tied),
                    "share_replications": share_r,
                    "share_bootstrap": share_b,
                    "n": game.replications,
                }
            )
    return pd.DataFrame(rows)


def dominant_strategies(game: EmpiricalGame) -> dict[str, str | None]:
    """Each store's (weakly) dominant policy by mean payoff, or None when it has none.

    Dominant: the best response to every combination of the others' policies.
    """
    means = game.means()
    out: dict[str, str | None] = {}
    for i, store in enumerate(game.players):
        winners = None
        for others in game.others_profiles(i):
            index: list[int | slice] = list(others)
            index.insert(i, slice(None))
            col = means[(i, *index)]
            tol = 1e-9 * max(1.0, float(np.abs(col).max()))
            best = set(np.flatnonzero(col >= col.max() - tol).tolist())
            winners = best if winners is None else winners & best
        out[store] = game.strategies[i][min(winners)] if winners else None
    return out


def shared_policies(game: EmpiricalGame) -> list[str]:
    """Policies every store may choose, in the focal store's order."""
    common = set.intersection(*(set(s) for s in game.strategies))
    return [p for p in game.strategies[0] if p in common]


def copy_diagonal(
    game: EmpiricalGame, *, level: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """ "The rival copies me": every store runs the same policy.

    One row per shared policy x store: mean payoff and CI. For the focal store the row also
    says whether this policy is its best when copied (``best_when_copied``) and how sure
    (share of replications / of bootstrap resamples in which it is the best copied policy).
    """
    shared = shared_policies(game)
    if not shared:
        return pd.DataFrame()
    profiles = [tuple(s.index(p) for s in game.strategies) for p in shared]
    values = np.stack([game.payoffs[(slice(None), *prof)] for prof in profiles], axis=1)
    focal = values[0]  # (n_shared, R)
    means = focal.mean(axis=1)
    best = int(np.argmax(means))
    boots = bootstrap_indices(game.replications, n_boot, seed)
    boot_means = focal[:, boots].mean(axis=2) if n_boot else None
    rows = []
    for k, policy in enumerate(shared):
        for i, store in enumerate(game.players):
            est = t_interval(values[i, k], level)
            rows.append(
                {
                    "policy": policy,
                    "store": store,
                    "role": "focal" if i == 0 else "rival",
                    "mean": est.mean,
                    "ci_low": est.low,
                    "ci_high": est.high,
                    "best_when_copied": bool(i == 0 and k == best),
                    "share_replications": float(_ties(focal, k).mean()) if i == 0 else np.nan,
                    "share_bootstrap": float(_ties(boot_means, k).mean())
                    if i == 0 and boot_means is not None
                    else np.nan,
                    "n": est.n,
                }
            )
    return pd.DataFrame(rows)
