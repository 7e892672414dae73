"""MarketCache: the latest top of book, recent trades and features per instrument, in the Cache port.

With ``cache: {use: redis}`` the values land in Redis (the L2) where other processes read them, and in
this process's L1 first. Writes happen once per batch, not per event: a batch is reduced with numpy to
the last quote and the last ``trades_kept`` trades of each instrument it touches, and a background task
writes the instruments changed since its last round (latest wins; a slow Redis never blocks the feed).

Keys (``<prefix>`` defaults to ``md:``; values are JSON)::

    <prefix><venue>:<SYMBOL>:top       {"ts_event", "ts_recv", "bid", "bid_qty", "ask", "ask_qty"}
    <prefix><venue>:<SYMBOL>:trades    [{"ts_event", "ts_recv", "trade_id", "side", "price", "qty"}, ...] oldest first
    <prefix><venue>:<SYMBOL>:features  {"ts": ns, "values": {name: value}}
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.cache import Cache
from cryptoscalp_core.ports.features import FeatureRows

log = logging.getLogger(__name__)


def _last_per_instrument(inst: npt.NDArray[np.uint16]) -> npt.NDArray[np.intp]:
    """Index of the last row of each instrument present."""
    rev = inst[::-1]
    _, first = np.unique(rev, return_index=True)
    return np.asarray(len(inst) - 1 - first, dtype=np.intp)


class MarketCache:
    def __init__(self, cache: Cache, instruments: Sequence[Instrument], *, prefix: str = "md:",
                 trades_kept: int = 50, ttl_s: float | None = None) -> None:
        self.cache = cache
        self.keys = [f"{prefix}{i.venue}:{i.symbol}" for i in instruments]
        self.trades_kept, self.ttl_s = trades_kept, ttl_s
        self._top: dict[int, np.void] = {}
        self._trades: dict[int, npt.NDArray[np.void]] = {}
        self._features: dict[int, dict[str, Any]] = {}
        self._dirty: set[tuple[int, str]] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.writes = 0
        self.write_errors = 0

    # -- per batch (synchronous, numpy only: JSON is made by the writer, off the feed's path) ----------
    def observe(self, kind: EventKind, rows: npt.NDArray[np.void]) -> None:
        if not len(rows):
            return
        if kind is EventKind.QUOTE:
            last = rows[_last_per_instrument(rows["instrument"])]
            for i, row in zip(last["instrument"].tolist(), last, strict=True):
                self._top[i] = row
                self._dirty.add((i, "top"))
        elif kind is EventKind.TRADE:
            inst = rows["instrument"]
            single = bool((inst == inst[0]).all())
            for i in [int(inst[0])] if single else np.unique(inst).tolist():
                tail = (rows if single else rows[inst == i])[-self.trades_kept:]
                old = self._trades.get(i)
                self._trades[i] = tail.copy() if old is None else np.concatenate([old, tail])[-self.trades_kept:]
                self._dirty.add((i, "trades"))
        else:
            return
        self._wake.set()

    def observe_features(self, names: Sequence[str], frows: FeatureRows) -> None:
        if not len(frows):
            return
        for j in _last_per_instrument(frows.instrument).tolist():
            i = int(frows.instrument[j])
            values = {n: (None if math.isnan(v) else v) for n, v in zip(names, frows.values[j].tolist(), strict=True)}
            self._features[i] = {"ts": int(frows.ts[j]), "values": values}
            self._dirty.add((i, "features"))
        self._wake.set()

    # -- background writer ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._writer(), name="market-cache")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()

    async def _writer(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write every instrument/key changed since the last flush."""
        dirty, self._dirty = self._dirty, set()
        for i, what in sorted(dirty):
            value = self._encode(i, what)
            try:
                await self.cache.set(f"{self.keys[i]}:{what}", value, self.ttl_s)
                self.writes += 1
            except (ConnectionError, OSError) as exc:
                self.write_errors += 1
                if self.write_errors == 1 or self.write_errors % 1000 == 0:
                    log.warning("market cache: write failed (%d so far): %s", self.write_errors, exc)

    def _encode(self, i: int, what: str) -> bytes:
        if what == "top":
            r = self._top[i]
            value: Any = {"ts_event": int(r["ts_event"]), "ts_recv": int(r["ts_recv"]), "bid": float(r["bid_price"]),
                          "bid_qty": float(r["bid_qty"]), "ask": float(r["ask_price"]), "ask_qty": float(r["ask_qty"])}
        elif what == "trades":
            t = self._trades[i]
            value = [{"ts_event": a, "ts_recv": b, "trade_id": c, "side": d, "price": e, "qty": f}
                     for a, b, c, d, e, f in zip(t["ts_event"].tolist(), t["ts_recv"].tolist(),
                                                 t["trade_id"].tolist(), t["side"].tolist(), t["price"].tolist(),
                                                 t["qty"].tolist(), strict=True)]
        else:
            value = self._features[i]
        return msgspec.json.encode(value)


async def read_top(cache: Cache, instrument: Instrument, prefix: str = "md:") -> dict[str, Any] | None:
    """What another process reads: the latest top of book of ``instrument`` (``None`` if never written)."""
    raw = await cache.get(f"{prefix}{instrument.venue}:{instrument.symbol}:top")
    return None if raw is None else dict(msgspec.json.decode(raw))
