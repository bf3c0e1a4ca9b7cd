"""The prefetch hint the occasion kernels use (`sim.kernels.prefetch`): it compiles for every
array kind the kernels pass, changes no value, and never faults, even far past an array's end.
(That the kernels' results are unchanged by it is `test_kernels.py`'s bit-identity.)"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numba.core.errors import TypingError

from sim.kernels.prefetch import prefetch


@njit
def _gather(a, rows, ahead):
    """Sum of a[rows] (flat), prefetching `ahead` positions on (past the end too)."""
    flat = a.reshape(-1)
    total = 0.0
    for i in range(rows.size):
        prefetch(a, rows[i] + ahead)
        total += flat[rows[i]]
    return total


@njit
def _gather_plain(a, rows):
    flat = a.reshape(-1)
    total = 0.0
    for i in range(rows.size):
        total += flat[rows[i]]
    return total


@pytest.mark.parametrize(
    "dtype, shape",
    [
        (np.float64, (500,)),
        (np.float32, (100, 7)),
        (np.int32, (100, 7)),
        (np.int8, (300,)),
        (np.bool_, (40, 7)),
        (np.int16, (250,)),
    ],
)
def test_prefetch_changes_no_value(dtype, shape):
    rng = np.random.default_rng(1)
    a = (rng.random(shape) * 100).astype(dtype)
    rows = rng.integers(0, a.size, 2_000)
    assert _gather(a, rows, 3) == _gather_plain(a, rows)
    assert a.dtype == dtype and a.shape == shape  # nothing written


@settings(max_examples=25, deadline=None)
@given(ahead=st.integers(-(10**6), 10**9), n=st.integers(1, 64))
def test_prefetch_never_faults_out_of_bounds(ahead, n):
    """Hints far outside the array (before it, or a gigabyte past its end) are harmless."""
    a = np.arange(n, dtype=np.float64)
    rows = np.arange(n)
    assert _gather(a, rows, ahead) == a.sum()


def test_prefetch_rejects_what_is_not_an_array():
    @njit
    def bad(x):
        prefetch(x, 0)

    with pytest.raises(TypingError):
        bad(1.5)
