"""The ``synthetic`` MarketFeed: a finite (or endless) simulated stream for one instrument."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from decimal import ROUND_FLOOR, Decimal
from math import inf

import numpy as np

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_feed_synthetic.book_model import BookSimulator
from cryptoscalp_feed_synthetic.config import SyntheticFeedConfig
from cryptoscalp_feed_synthetic.emit import Emitter, message_rows
from cryptoscalp_feed_synthetic.parameters import load

#: Fewer ticks than this between zero and the start price and a long run could walk the bid to zero.
MIN_START_TICKS = 1000


def resolve_instrument(choice: int | str, instruments: Sequence[Instrument]) -> tuple[int, Instrument]:
    """The profile instrument ``choice`` names (index or ``venue:SYMBOL``); ``ValueError`` otherwise."""
    if isinstance(choice, int):
        if 0 <= choice < len(instruments):
            return choice, instruments[choice]
        raise ValueError(f"synthetic feed: instrument index {choice} is outside the profile's "
                         f"{len(instruments)} instrument(s)")
    for i, inst in enumerate(instruments):
        if inst.id == choice:
            return i, inst
    known = ", ".join(inst.id for inst in instruments) or "none"
    raise ValueError(f"synthetic feed: instrument {choice!r} is not in the profile (have: {known})")


class SyntheticFeed:
    """Hawkes market orders on a queue-reactive book; see the distribution's README for the model.

    Construction validates and does no I/O; :meth:`start` loads the parameters and starts a fresh
    simulation (the same seed gives the same stream on every start).
    """

    def __init__(self, config: SyntheticFeedConfig, instruments: Sequence[Instrument]) -> None:
        self.config = config
        self.index, self.instrument = resolve_instrument(config.instrument, instruments)
        tick = self.instrument.tick_size
        self._start_bid = int((Decimal(repr(config.mid_price)) / tick).to_integral_value(ROUND_FLOOR))
        if self._start_bid < MIN_START_TICKS:
            raise ValueError(f"synthetic feed: mid_price {config.mid_price} is only {self._start_bid} ticks of "
                             f"{tick}; the simulation needs at least {MIN_START_TICKS}")
        self._stats = FeedStats()
        self._running = False
        self._iterating = False
        self._sim: BookSimulator | None = None
        self._emitter: Emitter | None = None

    @property
    def stats(self) -> FeedStats:
        return self._stats

    async def start(self) -> None:
        if self._running:
            return
        cfg, inst = self.config, self.instrument
        params = load(cfg.params, cfg.overrides)
        self._sim = BookSimulator(params, lot_qty=float(inst.lot_size * inst.contract_multiplier),
                                  start_bid=self._start_bid, seed=cfg.seed)
        # Latency has its own stream so that changing its parameters leaves the order flow as it was.
        latency_rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 1]))
        self._emitter = Emitter(instrument=self.index, tick_size=inst.tick_size, lot_size=inst.lot_size,
                                start_ns=cfg.start_ns, latency=params.latency, rng=latency_rng)
        self._stats = FeedStats()
        self._iterating = False
        self._running = True

    async def stop(self) -> None:
        self._running = False

    def batches(self) -> AsyncIterator[EventBatch]:
        if not self._running:
            raise RuntimeError("synthetic feed: call start() before batches()")
        if self._iterating:
            raise RuntimeError("synthetic feed: batches() may be iterated once per start()")
        self._iterating = True
        return self._generate()

    async def _generate(self) -> AsyncIterator[EventBatch]:
        sim, emitter, cfg = self._sim, self._emitter, self.config
        assert sim is not None and emitter is not None
        t_end = cfg.duration_s if cfg.duration_s is not None else inf
        remaining = cfg.max_events
        while self._running:
            chunk = sim.run(t_end, cfg.chunk_rows)
            if not chunk.msg_t:
                return
            keep = len(chunk.msg_t)
            if remaining is not None:  # whole messages only, never more rows than max_events
                keep = int(np.searchsorted(np.cumsum(message_rows(chunk)), remaining, side="right"))
            for batch in emitter.batches(chunk, max_msgs=keep, max_batch=cfg.chunk_rows):
                if not self._running:
                    return
                self._stats.events += len(batch)
                self._stats.batches += 1
                if remaining is not None:
                    remaining -= len(batch)
                yield batch
            if keep < len(chunk.msg_t) or remaining == 0:
                return
            await asyncio.sleep(0)  # a chunk took a while to simulate: let other tasks run


def factory(config: SyntheticFeedConfig, *, instruments: Sequence[Instrument]) -> SyntheticFeed:
    """Simulated order flow (Hawkes market orders, queue-reactive book) fitted to Binance BTCUSDT."""
    return SyntheticFeed(config, instruments)
