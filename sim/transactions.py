"""The simulated transaction log, kept as growing column chunks and exported in the log schema."""

from __future__ import annotations

import numpy as np
import pandas as pd

_EMPTY = (
    np.zeros(0, np.int32),
    np.zeros(0, np.int32),
    np.zeros(0, np.int16),
    np.zeros(0),
    np.zeros(0),
)


class TransactionBuffer:
    """Appends purchase batches cheaply; `frame()` builds the tidy log once, when asked."""

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._arrays: tuple[np.ndarray, ...] | None = None
        self._rows = 0  # rows appended so far

    def append(
        self,
        tick: int,
        rows: np.ndarray,
        stores: np.ndarray,
        amounts: np.ndarray,
        discounts: np.ndarray,
    ) -> None:
        self._chunks.append(
            (
                np.full(rows.size, tick, dtype=np.int32),
                rows.astype(np.int32),
                stores.astype(np.int16),
                amounts.astype(np.float64),
                discounts.astype(np.float64),
            )
        )
        self._rows += rows.size
        self._arrays = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(tick, customer, store, amount, discount), concatenated and cached."""
        if self._arrays is None:
            if self._chunks:
                cols = tuple(np.concatenate(c) for c in zip(*self._chunks, strict=True))
                self._chunks = [cols]
            else:
                cols = (
                    np.zeros(0, np.int32),
                    np.zeros(0, np.int32),
                    np.zeros(0, np.int16),
                    np.zeros(0),
                    np.zeros(0),
                )
            self._arrays = cols
        return self._arrays  # type: ignore[return-value]

    def __len__(self) -> int:
        return self._rows

    def since(
        self, start: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The columns of `arrays()` from row `start` on, joining only the chunks that hold them
        (a reader that keeps up with the log copies each row once, not the whole log)."""
        parts, end = [], self._rows
        for chunk in reversed(self._chunks):
            if end <= start:
                break
            size = chunk[0].size
            parts.append(
                chunk if end - size >= start else tuple(c[start - end + size :] for c in chunk)
            )
            end -= size
        if len(parts) == 1:
            return parts[0]  # type: ignore[return-value]
        if not parts:
            return tuple(c[:0] for c in self._chunks[-1]) if self._chunks else _EMPTY
        return tuple(np.concatenate(c) for c in zip(*reversed(parts), strict=True))  # type: ignore[return-value]

    def frame(self, dates: np.ndarray, store_ids: list[str]) -> pd.DataFrame:
        """The log schema of DESIGN.md: customer_id, date, amount, store_id, promo, discount.

        `amount` is what the customer paid (list price minus discount); `promo` is true when a
        policy discount applied.
        """
        tick, cust, store, amount, discount = self.arrays()
        return pd.DataFrame(
            {
                "customer_id": cust.astype(np.int64),
                "date": pd.to_datetime(dates[tick]).astype("datetime64[ns]"),
                "amount": amount - discount,
                "store_id": pd.array(np.asarray(store_ids, dtype=object)[store], dtype="string"),
                "promo": discount > 0,
                "discount": discount,
            }
        )


class DiscardedLog(TransactionBuffer):
    """A transaction log that keeps nothing: the burn-in's purchases are never reported."""

    def append(self, *args: object) -> None:
        pass
