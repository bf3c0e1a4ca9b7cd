"""Independent random streams, one per stochastic process (common random numbers).

Every stream is spawned from the run's seed, so policy A and policy B see the same population
and the same exogenous shocks, and a policy that changes one choice does not shift the draws of
any other process.
"""

from __future__ import annotations

import copy
import functools
import os
import zlib
from concurrent.futures import Future
from typing import Any

import numpy as np

from sim import background, kernels

PROCESSES: tuple[str, ...] = (
    "population",
    "network",
    "occasions",
    "choice",
    "purchase",
    "service",
    "complaints",
    "wom",
    "recruitment",
    "churn",
    "agent_order",
)


class Streams:
    """Named `numpy.random.Generator`s spawned from one seed.

    Core processes get fixed children of the root `SeedSequence`; policies get streams keyed by
    a stable hash of their name and store, so adding a policy never perturbs the others.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        root = np.random.SeedSequence(self.seed)
        children = root.spawn(len(PROCESSES))
        self._gens = {
            name: np.random.default_rng(ss) for name, ss in zip(PROCESSES, children, strict=True)
        }
        self._ahead: dict[str, DrawsAhead] = {}
        self._occasions: tuple[tuple[int, float, int], tuple[DrawsAhead, ...]] | None = None
        self.tick_offset = 0
        """Added to the tick of keyed draws: the burn-in runs at ticks -B..-1 for its keys."""

    def __getitem__(self, process: str) -> np.random.Generator:
        buf = self._ahead.get(process)
        if buf is not None:  # no block of it is being drawn while the caller draws
            buf.settle()
        return self._gens[process]

    def ahead(self, process: str, method: str, width: int = 1, *args: float) -> DrawsAhead:
        """`process`'s stream drawn ahead in blocks (see `DrawsAhead`); one buffer per process
        (made on first use with `method`, `width` and the distribution's parameters `args`)."""
        buf = self._ahead.get(process)
        if buf is None:
            buf = self._ahead[process] = DrawsAhead(self._gens[process], method, width, *args)
        return buf

    def occasion_buffers(
        self, n_choice: int, ticket_shape: float, n_wom: int
    ) -> tuple[DrawsAhead, ...]:
        """The buffers of an occasion's draws, in `OccasionDraws`' order: clock, churn, choice
        (Gumbel, `n_choice` columns), ticket (Gamma(`ticket_shape`)), service, complaint (3
        columns), word of mouth (`n_wom` columns). Looked up once, then kept."""
        key = (n_choice, ticket_shape, n_wom)
        got = self._occasions
        if got is not None and got[0] == key:
            return got[1]
        bufs = (
            self.ahead("occasions", "exponential"),
            self.ahead("churn", "random"),
            self.ahead("choice", "gumbel", n_choice),
            self.ahead("purchase", "standard_gamma", 1, ticket_shape),
            self.ahead("service", "standard_normal"),
            self.ahead("complaints", "random", 3),
            self.ahead("wom", "random", n_wom),
        )
        self._occasions = (key, bufs)
        return bufs

    def state(self) -> dict[str, Any]:
        """Every stream's generator state and its blocks drawn ahead (`restore` takes it)."""
        self._settle_all()
        return {
            "tick_offset": self.tick_offset,
            "gens": {name: copy.deepcopy(g.bit_generator.state) for name, g in self._gens.items()},
            "ahead": {name: buf.state() for name, buf in self._ahead.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue exactly where the streams of `state` (from `state()`, same seed) stood."""
        self._settle_all()
        for name, gen_state in state["gens"].items():
            self._gens[name].bit_generator.state = copy.deepcopy(gen_state)
        self._ahead = {
            name: DrawsAhead.resumed(self._gens[name], buf) for name, buf in state["ahead"].items()
        }
        self._occasions = None
        self.tick_offset = state["tick_offset"]

    def _settle_all(self) -> None:
        """Wait for every block still being drawn: then nothing but the caller touches the
        generators (`DrawsAhead.settle`)."""
        for buf in self._ahead.values():
            buf.settle()

    def keyed(self, process: str, tick: int) -> KeyedDraws:
        """Per-customer draws of `process` at `tick` (see `KeyedDraws`)."""
        return KeyedDraws(self.seed, process, tick + self.tick_offset)

    def key(self, process: str, tick: int) -> np.uint64:
        """`keyed(process, tick).key`, remembered: every policy run from one seed asks for the
        same keys, tick after tick (compiled kernels take the key itself)."""
        k = (self.seed, process, tick + self.tick_offset)
        got = _KEYS.get(k)
        if got is None:
            if len(_KEYS) >= 65536:
                _KEYS.clear()
            got = _KEYS[k] = self.keyed(process, tick).key
        return got

    def for_policy(self, policy_name: str, store_id: str) -> np.random.Generator:
        """A stream private to one policy at one store, independent of the core streams."""
        key = zlib.crc32(f"{policy_name}@{store_id}".encode())
        return np.random.default_rng(np.random.SeedSequence([self.seed, 0x5EED, key]))


_KEYS: dict[tuple[int, str, int], np.uint64] = {}


class DrawsAhead:
    """One distribution of one stream, drawn in blocks ahead of use and handed out in order.

    NumPy's generators fill an array number by number, so the numbers handed out are exactly
    those that direct calls with the same sizes would have given: buffering saves the fixed cost
    of a generator call per batch (most batches have a few rows), it does not change results —
    as long as the stream, once buffered, is drawn from only through its buffer. Arrays handed
    out are read-only: views of the block (a batch straddling two blocks gets a copy of its
    numbers).

    Big batches (a million customers' weekly batch) have their next block drawn on a worker
    thread while the caller goes on: the block sizes change, the numbers do not (blocks are
    consecutive stretches of one stream; the generator is touched by nobody else meanwhile:
    `settle` waits for the block first).
    """

    BLOCK_ROWS = 2048
    BACKGROUND_ROWS = 8192
    """A batch of at least this many rows has the next block of that size drawn in the
    background (a worker's hand-over costs tens of microseconds: smaller batches draw in turn)."""

    def __init__(self, gen: np.random.Generator, method: str, width: int = 1, *args: float) -> None:
        self._gen, self._method, self._args = gen, method, args
        self.width = width
        self._pos = 0
        self._pending: Future | None = None
        self._pending_pid = 0
        empty = np.zeros(0)
        empty.flags.writeable = False
        self._set_block(empty)

    def _set_block(self, buf: np.ndarray) -> None:
        """The block drawn ahead, and its view as rows (kept: a tick's kernels ask for it)."""
        self._buf = buf
        self._rows = buf if self.width == 1 else buf.reshape(-1, self.width)

    def state(self) -> tuple[str, int, tuple[float, ...], np.ndarray, int]:
        """The buffer's set-up and position (the read-only block itself is shared, not copied)."""
        self.settle()
        return self._method, self.width, self._args, self._buf, self._pos

    def settle(self) -> None:
        """Wait for a block being drawn in the background; the numbers not handed out yet and
        then it become the block (the generator is where they leave it)."""
        if self._pending is not None:
            if self._pending_pid != os.getpid():  # the worker drawing it stayed in the parent
                raise RuntimeError(
                    "a block of random draws was being drawn when this process was forked: "
                    "its stream cannot go on here (start workers with spawn, as loky and Ray do)"
                )
            more, self._pending = self._pending.result(), None
            rest = self._buf[self._pos :]
            block = np.concatenate([rest, more]) if rest.size else more
            block.flags.writeable = False
            self._set_block(block)
            self._pos = 0

    @classmethod
    def resumed(
        cls, gen: np.random.Generator, state: tuple[str, int, tuple[float, ...], np.ndarray, int]
    ) -> DrawsAhead:
        """A buffer over `gen` that hands out what the one `state` came from would have."""
        method, width, args, buf, pos = state
        out = cls(gen, method, width, *args)
        out._set_block(buf)
        out._pos = pos
        return out

    def hand_out(self, m: int) -> tuple[np.ndarray, int]:
        """The next `m` draws handed out as `take` would, as (rows, at): they are rows
        `at`..`at + m` of `rows` (the block itself as rows of `width`, as `blocks_ahead` gives
        it, if they are in it: nothing copied)."""
        n = m * self.width
        if self._pos + n <= self._buf.size:
            at = self._pos // self.width
            self._pos += n
            return self._rows, at
        return self.take(m), 0

    def _filler(self) -> Any:
        """What draws the next `size` numbers of the distribution (standard Gumbels: compiled,
        the same numbers), chosen by the caller's engine."""
        if self._method == "gumbel" and not self._args and kernels.compiled():
            from sim.kernels.draws import gumbel_block

            return functools.partial(gumbel_block, self._gen)
        return functools.partial(getattr(self._gen, self._method), *self._args)

    def _draw(self, size: int) -> np.ndarray:
        """The next `size` numbers of the distribution."""
        return self._filler()(size=size)

    def take(self, m: int) -> np.ndarray:
        """The next `m` draws: shape (m,) for width 1, else (m, width) in row-major order."""
        n = m * self.width
        if self._pos + n > self._buf.size:
            self.settle()
        pos, end = self._pos, self._pos + n
        if end <= self._buf.size:
            self._pos = end
            out = self._buf[pos:end]
        else:
            rest = self._buf[pos:]
            more = self._draw(max(self.BLOCK_ROWS * self.width, n - rest.size))
            more.flags.writeable = False
            self._set_block(more)
            self._pos = n - rest.size
            if rest.size:  # the batch straddles two blocks: only its own numbers are copied
                out = np.concatenate([rest, more[: self._pos]])
                out.flags.writeable = False
            else:
                out = more[:n]
        if m >= self.BACKGROUND_ROWS and self._pending is None:  # the next batch is likely
            self._pending = background.submit(self._filler(), size=n)  # as big: drawn meanwhile
            self._pending_pid = os.getpid()
        return out if self.width == 1 else out.reshape(m, self.width)


def blocks_ahead(buffers: tuple[DrawsAhead, ...]) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Each buffer's block drawn ahead as rows of its width (1-D for width 1) and the next row it
    hands out (in one int64 array): a compiled caller reads on from there, then says where it
    stopped (`skip_all`)."""
    blocks = tuple([b._rows for b in buffers])
    return blocks, np.array([b._pos // b.width for b in buffers], dtype=np.int64)


def skip_all(buffers: tuple[DrawsAhead, ...], rows: np.ndarray) -> None:
    """Move each buffer on to its row in `rows`: the rows of its block before it have been used
    (see `blocks_ahead`)."""
    for b, row in zip(buffers, rows.tolist(), strict=True):
        b._pos = row * b.width


# ---------------------------------------------------------------------------- keyed draws
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_COLUMN = np.uint64(0xD6E8FEB86659FD93)
_MASK = (1 << 64) - 1


_S30, _S27, _S31, _S11 = (np.uint64(k) for k in (30, 27, 31, 11))


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijective, well-mixing hash of 64-bit integers (in place)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


_M1_INT, _M2_INT, _GOLDEN_INT = int(_M1), int(_M2), int(_GOLDEN)


def _mix_int(z: int) -> int:
    """`_mix` on one Python integer (cheaper than a NumPy scalar for a single key)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
    return z ^ (z >> 31)


@functools.lru_cache(maxsize=256)
def _process_key(seed: int, process: str) -> int:
    """The key mixed from the seed and the process (what every tick's key starts from)."""
    z = _mix_int(int(seed) * _GOLDEN_INT)
    return _mix_int(z + zlib.crc32(process.encode()) * _GOLDEN_INT)


def _column_offsets(k: int) -> np.ndarray:
    """`c * _COLUMN` for the columns c = 1..k, as a row (uint64, wrapping)."""
    return (np.arange(1, k + 1, dtype=np.uint64) * _COLUMN)[None, :]


_COLUMNS = _column_offsets(64)


class KeyedDraws:
    """Counter-based random numbers: the value for (customer row, column) depends only on the
    seed, the process, the tick and that row — not on how many other customers drew before.

    Used for processes whose set of participants depends on the policy (word-of-mouth
    recruitment, extra visits): a policy that changes who takes part leaves every other
    customer's numbers untouched, which keeps common random numbers intact.
    """

    def __init__(self, seed: int, process: str, tick: int) -> None:
        z = _process_key(int(seed), process)
        self._key = np.uint64(_mix_int(z + int(tick) * _GOLDEN_INT))

    @property
    def key(self) -> np.uint64:
        """The (seed, process, tick) key the numbers are mixed from (compiled kernels use it)."""
        return self._key

    def random(self, rows: np.ndarray, k: int = 1) -> np.ndarray:
        """Uniforms in (0, 1), shape (len(rows), k)."""
        if kernels.compiled():  # the same integers, one compiled pass (sim.kernels.recruit)
            from sim.kernels.recruit import keyed_uniforms

            return keyed_uniforms(np.asarray(rows, dtype=np.int64), self._key, k)
        # Integer array arithmetic wraps modulo 2**64 (no overflow warnings for arrays).
        z = np.asarray(rows, dtype=np.uint64)[:, None] * _GOLDEN
        z += self._key
        z = z + (_COLUMNS[:, :k] if k <= _COLUMNS.shape[1] else _column_offsets(k))
        z = _mix(_mix(z))
        z >>= _S11
        u = z.astype(np.float64)
        u += 0.5
        u *= 2.0**-53
        return u

    def exponential(self, rows: np.ndarray, k: int = 1) -> np.ndarray:
        return -np.log(self.random(rows, k))
