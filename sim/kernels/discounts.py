"""Compiled kernels of the discount hooks that run on most purchase batches: what each
purchase of the batch asks for, with the same float64 products as the NumPy code (the budget
then grants it in `BudgetedPolicy.grant_discounts`, and the kept totals are summed by NumPy)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def vip_wanted(rows, list_amounts, vip, birthday, large_purchase, birthday_rate, price_rate):
    """`VipPrivileges.discount`'s request: (0 no VIP in the batch, 1 no privilege applies, 2
    asked; the yuan asked per purchase, max(birthday rate, price rate) x list amount; whether
    the birthday rate is the one that applies, ``bday >= large``)."""
    n = rows.size
    wanted = np.zeros(n)
    from_bday = np.zeros(n, np.bool_)
    any_vip = any_rate = False
    for i in range(n):
        r = rows[i]
        in_bday = birthday[r]
        is_large = vip[r] and list_amounts[i] >= large_purchase
        any_vip = any_vip or vip[r]
        any_rate = any_rate or in_bday or is_large
        bday = birthday_rate if in_bday else 0.0
        large = price_rate if is_large else 0.0
        wanted[i] = max(bday, large) * list_amounts[i]
        from_bday[i] = bday >= large
    return (2 if any_rate else 1) if any_vip else 0, wanted, from_bday


@njit(cache=True)
def offer_wanted(rows, list_amounts, offer_until, t, rate, returned):
    """`Reactivation.discount`'s request: (purchases on an offer at tick t, whose customers are
    marked in `returned`; the yuan asked per purchase, `rate` x list amount on an offer, 0.0
    otherwise)."""
    n = rows.size
    wanted = np.zeros(n)
    on = 0
    for i in range(n):
        if offer_until[rows[i]] >= t:
            returned[rows[i]] = True
            wanted[i] = rate * list_amounts[i]
            on += 1
    return on, wanted
