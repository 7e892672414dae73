"""Latency sampling and the two one-way channels between the strategy and the simulated venue.

A sampler draws int64 nanosecond latencies from its model, in blocks (a numpy call per 1024 draws, not per
draw), from its own random stream: the entry and response samplers are spawned from one
:class:`numpy.random.SeedSequence` of the config's seed, so a run is reproducible and an extra cancel
never shifts the latencies of the fills.

A :class:`Channel` is one ordered connection (a TCP/WebSocket stream): a message sent later never arrives
earlier, so its arrival time is ``max(send + latency, previous arrival)``. This keeps acknowledgements,
fills and cancels in venue order, as the Executor port promises, and a cancel never overtakes its order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.sim.config import (
    ConstantLatency,
    LatencyModel,
    LognormalLatency,
    NormalLatency,
    ReplayLatency,
)

_BLOCK = 1024
_MS = 1_000_000


def load_latencies(path: Path) -> npt.NDArray[np.int64]:
    """Nanosecond latencies from a ``.npy`` file or a text file with one number per line (first column)."""
    if path.suffix.lower() == ".npy":
        values = np.load(path, allow_pickle=False)
    else:
        values = np.loadtxt(path, delimiter=",", ndmin=2, comments="#", usecols=0)
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError(f"latency replay file {path} holds no values")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError(f"latency replay file {path} holds negative or non-finite values")
    return values.astype(np.int64)


class LatencySampler:
    """Draws latencies (int nanoseconds, never negative) from one model, deterministically for a seed."""

    def __init__(self, model: LatencyModel, seed: np.random.SeedSequence) -> None:
        self._model = model
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._block: list[int] = []
        self._pos = 0
        self._replay: npt.NDArray[np.int64] | None = None
        self._replay_pos = 0

    def sample(self) -> int:
        if self._pos >= len(self._block):
            self._block = self._draw(_BLOCK).tolist()
            self._pos = 0
        value: int = self._block[self._pos]
        self._pos += 1
        return value

    def _draw(self, n: int) -> npt.NDArray[np.int64]:
        m = self._model
        if isinstance(m, ConstantLatency):
            return np.full(n, round(m.ms * _MS), dtype=np.int64)
        if isinstance(m, LognormalLatency):
            return np.rint(m.median_ms * _MS * np.exp(m.sigma * self._rng.standard_normal(n))).astype(np.int64)
        if isinstance(m, NormalLatency):
            draws = m.mean_ms * _MS + m.jitter_ms * _MS * self._rng.standard_normal(n)
            return np.rint(np.maximum(draws, 0.0)).astype(np.int64)
        assert isinstance(m, ReplayLatency)
        if self._replay is None:  # read on first use: constructing a component does no I/O
            self._replay = load_latencies(m.path)
            self._replay_pos = int(self._rng.integers(len(self._replay)))
        idx = (self._replay_pos + np.arange(n)) % len(self._replay)
        self._replay_pos = int((self._replay_pos + n) % len(self._replay))
        return self._replay[idx]


class Channel:
    """An ordered one-way link: :meth:`arrival` never returns less than it returned before."""

    __slots__ = ("_last", "_sampler")

    def __init__(self, sampler: LatencySampler) -> None:
        self._sampler = sampler
        self._last = np.iinfo(np.int64).min

    def arrival(self, sent: int) -> int:
        t = max(sent + self._sampler.sample(), self._last)
        self._last = t
        return t


def channels(entry: LatencyModel, response: LatencyModel, seed: int) -> tuple[Channel, Channel]:
    """The entry (strategy -> venue) and response (venue -> strategy) channels for ``seed``."""
    entry_seed, response_seed = np.random.SeedSequence(seed).spawn(2)
    return Channel(LatencySampler(entry, entry_seed)), Channel(LatencySampler(response, response_seed))
