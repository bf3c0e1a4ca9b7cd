"""Refund lines (negative amounts): netted against the customer's purchase, or dropped.

``net``: each refund is taken off that customer's purchases on or before its day: a purchase
of exactly the refunded amount first (the latest such), else the latest purchases in turn. A
purchase refunded in full is no purchase (the customer took the goods back), so it leaves the
log with its refund; a partial refund lowers the amount. A refund larger than everything the
customer bought before it is a bad row (it cannot be netted; ``--refunds drop`` leaves
refunds out). ``drop``: refund lines leave the log, purchases stay as bought. Both are
counted in the read's summary line.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

__all__ = ["RefundResult", "apply_refunds"]

UNMATCHED = "refund larger than the customer's earlier purchases (or use --refunds drop)"


class RefundResult:
    """Rows to leave out (refund lines and fully refunded purchases), rows that cannot be
    netted (bad rows), the new amounts and the summary note."""

    def __init__(
        self, amounts: np.ndarray, removed: np.ndarray, unmatched: np.ndarray, note: str | None
    ) -> None:
        self.amounts, self.removed, self.unmatched, self.note = amounts, removed, unmatched, note


def apply_refunds(
    rule: str, ids: np.ndarray, days: np.ndarray, amounts: np.ndarray, bad: np.ndarray
) -> RefundResult:
    """Apply ``rule`` ("net" or "drop") to the rows not already ``bad``."""
    amounts = amounts.copy()
    refund = (amounts < 0) & ~bad
    removed = refund.copy()
    unmatched = np.zeros(len(amounts), dtype=bool)
    n = int(refund.sum())
    if n == 0:
        return RefundResult(amounts, removed, unmatched, None)
    total = float(-amounts[refund].sum())
    if rule == "drop":
        note = f"{n} refund lines (negative amounts, {total:,.2f} in all) left out (--refunds drop)"
        return RefundResult(amounts, removed, unmatched, note)
    purchases: dict[object, list[int]] = defaultdict(list)
    buy = np.flatnonzero((amounts > 0) & ~bad)
    for i in buy[np.lexsort((buy, days[buy]))]:  # by day, then file order
        purchases[ids[i]].append(int(i))
    before = amounts.copy()
    r_idx = np.flatnonzero(refund)
    for r in r_idx[np.lexsort((r_idx, days[r_idx]))]:
        want = -amounts[r]
        mine = [i for i in purchases.get(ids[r], ()) if days[i] <= days[r] and amounts[i] > 0]
        exact = [i for i in mine if np.isclose(amounts[i], want, rtol=0, atol=5e-3)]
        order = [exact[-1]] if exact else mine[::-1]
        snapshot = amounts[order].copy()
        for i in order:
            take = min(amounts[i], want)
            amounts[i] -= take
            want -= take
            if want <= 5e-3:
                break
        if want > 5e-3:
            unmatched[r] = True
            removed[r] = False
            amounts[order] = snapshot  # this refund changes nothing
    full = (before > 0) & (amounts <= 5e-3) & ~bad
    removed |= full
    amounts[full] = 0.0
    n_net = int((refund & ~unmatched).sum())
    total = float(-before[refund & ~unmatched].sum())
    partial = int(((before > 0) & (amounts < before) & ~full).sum())
    note = (
        f"{n_net} refund lines ({total:,.2f} in all) netted against their purchases: "
        f"{int(full.sum())} purchases refunded in full left out, {partial} lowered "
        "(--refunds net)"
    )
    return RefundResult(amounts, removed, unmatched, note)
