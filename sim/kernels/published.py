"""The hooked pipeline's Python side for published utility terms (`StorePolicy.utility_term`):
which hooks publish, the terms stacked for the kernels, a batch's purchase hooks, and the tick
run in one compiled call from its rows (`sim.kernels.termed_rows`). See `sim.kernels.hooked`."""

from __future__ import annotations

from operator import is_
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import PolicyError
from sim.kernels.pipeline import decay_table
from sim.kernels.termed_rows import termed_rows
from sim.kernels.tick_inputs import tick_arrays
from sim.rng import blocks_ahead, skip_all

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import RetailModel


def publisher(model: RetailModel, hook: Any) -> Any:
    """The policy behind a utility hook when it publishes the hook's term as an array
    (`StorePolicy.utility_term`, defined with or below the `utility` it stands for), else
    None."""
    inner = getattr(hook, "__wrapped__", hook)
    owner = getattr(inner, "__self__", None)
    if owner is None or owner is getattr(model, "twin", None):
        return None
    mro = type(owner).__mro__
    term = next((k for k in mro if "utility_term" in k.__dict__), None)
    util = next((k for k in mro if "utility" in k.__dict__), None)
    if term is None or util is None or not getattr(owner, "publishes_utility", False):
        return None
    return owner if issubclass(term, util) else None


def terms(plan: Any, model: RetailModel, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(store of each term, the terms stacked), the published arrays of this tick; stacked
    again only when one of them is another array than before (arrays are never changed in
    place: `StorePolicy.utility_term`)."""
    arrays = tuple([owner.utility_term(t) for _, owner, _ in plan.publishers])
    got = plan.terms
    if got is not None and all(map(is_, got[0], arrays)):
        return got[1], got[2]
    n = model.pop.n
    stores, stack = [], []
    for (s, owner, _), a in zip(plan.publishers, arrays, strict=True):
        if a is None:
            continue
        arr = np.asarray(a, dtype=np.float64)
        bad = (
            f"returned shape {arr.shape}; expected ({n},)"
            if arr.shape != (n,)
            else None
            if np.isfinite(arr).all()
            else "returned NaN, inf or non-numeric values; expected finite numbers"
        )
        if bad is not None:
            where = f"hook utility_term() of the policy at store {model.store_ids[s]!r}"
            raise PolicyError(f"policy.{owner.name}", f"{where} {bad}")
        stores.append(s)
        stack.append(arr)
    term_store = np.array(stores, dtype=np.int64)
    if len(stack) == 1 and stack[0].flags.writeable:
        terms = stack[0].reshape(1, n)  # the one array itself as a row: no copy of it
    else:
        terms = np.stack(stack) if stack else np.zeros((0, n))
    plan.terms = (arrays, term_store, np.ascontiguousarray(terms))
    return plan.terms[1], plan.terms[2]


def by_store(hooks, stores: np.ndarray, mask: np.ndarray | None = None):
    """(hook, positions) of each hook whose store has rows here (as the rules do); the
    positions of a store are worked out once for all its hooks."""
    seen: dict[int, np.ndarray | None] = {}
    for s, hook in hooks:
        if s not in seen:
            here = stores == s if mask is None else mask & (stores == s)
            seen[s] = here if here.any() else None
        here = seen[s]
        if here is not None:
            yield hook, here


def purchases(model, t, b_rows, b_stores, amount) -> None:
    """A batch's discount hooks, its rows of the log, its purchase hooks."""
    _batch_hooks(model, t, b_rows, b_stores, amount, np.zeros(amount.size), log=True)


def _batch_hooks(model, t, b_rows, b_stores, amount, discount, log: bool) -> None:
    """A batch's discount hooks (adding to `discount`), its rows of the log if `log`, its
    purchase hooks (as `by_store` gives them: each hook its own copy of its store's rows; a
    store's positions found once for the batch, for both kinds of hook)."""
    at: dict[int, np.ndarray | None] = {}
    for s, discount_of in model.hooks("discount"):
        here = at[s] if s in at else _positions(at, s, b_stores)
        if here is not None:
            d = discount_of(t, b_rows[here], amount[here])
            if d is not None:
                discount[here] += d
    if log:
        model.transactions.append(t, b_rows, b_stores, amount, discount)
    for s, on_purchases in model.hooks("on_purchases"):
        here = at[s] if s in at else _positions(at, s, b_stores)
        if here is not None:
            on_purchases(t, b_rows[here], amount[here])


def _positions(at: dict, s: int, stores: np.ndarray) -> np.ndarray | None:
    """The positions of store s in the batch (None: none), remembered in `at`."""
    here = (stores == s).nonzero()[0]  # `np.flatnonzero` of a 1-d mask
    at[s] = got = here if here.size else None
    return got


def tick_from_rows(
    model, plan, t, rows, mode, mask, draws, c, c32, flows, buffers, dt, hl
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, int], int] | None:
    """The batch and the tick's further batches in one compiled call from the rows
    (`termed_rows.termed_rows`: utilities, published terms, complaint look-ahead and
    `termed.termed_tick`), then each batch's discount and purchase hooks in batch order
    (movable: they read nothing the later batches write, and the published terms stay the same
    through the tick). Returns None when the kernels stand aside (a negative age: the
    caller runs NumPy), else (the shoppers' positions, V with the terms added, the decay table
    and its cutoff used, status): status 0 done; 1 a complaint calls a hook (nothing done but
    the terms added: the caller runs the batch phase by phase); `NO_SHOPPERS` nothing done."""
    term_store, terms_ = terms(plan, model, t)
    check = plan.complaint_at is not None
    blocks, pos = blocks_ahead(buffers)
    need = 0
    while True:  # nothing is done while the utilities ask for a longer decay table
        decay, cutoff = decay_table(dt, hl, need)
        idx, V, need, b_rows, b_stores, amount, ends, status, _ = termed_rows(
            t,
            rows,
            term_store,
            terms_,
            check,
            plan.complaint_at if check else plan.no_complaints,
            mode,
            mask,
            draws.clock,
            draws.churn,
            draws.choice,
            draws.ticket,
            draws.service,
            draws.complaint,
            draws.wom,
            *blocks,
            pos,
            *tick_arrays(model),
            c,
            c32,
            decay,
            cutoff,
            flows,
        )
        if need <= 0:
            break
    if need < 0:
        return None
    skip_all(buffers, pos)
    if status == 0 or status == -2:
        _booked(model, t, status, b_rows, b_stores, amount, ends)
    return idx, V, (decay, cutoff), status


def _booked(model, t, status, b_rows, b_stores, amount, ends) -> None:
    """The tick's batches done by the kernel: each batch's discount and purchase hooks in
    batch order, then the tick's rows of the log in one piece (the same rows: movable hooks
    read no log)."""
    if status != 0:
        raise RuntimeError("decay table missed an age the utilities saw")  # pragma: no cover
    if not b_rows.size:
        return
    discount = np.zeros(b_rows.size)
    if model.hooks("discount") or model.hooks("on_purchases"):
        lo = 0
        for hi in ends.tolist():
            if hi > lo:
                part = slice(lo, hi)
                _batch_hooks(
                    model, t, b_rows[part], b_stores[part], amount[part], discount[part], False
                )
            lo = hi
    model.transactions.append(t, b_rows, b_stores, amount, discount)
