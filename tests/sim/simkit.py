"""Builders shared by the simulated-venue tests: an instrument, one-kind event batches, venues, orders."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BookFlag, EventKind, Side, empty
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderType, TimeInForce
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.sim import SimVenue, SimVenueConfig

#: tick 0.1, lot 0.001, no minimum notional, no fees unless a test sets them
BTC = Instrument("sim", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"), base="BTC", quote="USDT")
MS = 1_000_000

BUY, SELL = Side.BUY, Side.SELL


def trades(*rows: tuple[int, int, float, float], inst: int = 0) -> EventBatch:
    """``(ts, aggressor side, price, qty)`` rows; ``ts_recv = ts_event``."""
    out = empty(EventKind.TRADE, len(rows))
    for i, (ts, side, price, qty) in enumerate(rows):
        out[i] = (ts, ts, inst, side, i, price, qty)
    return EventBatch(EventKind.TRADE, out)


def deltas(*rows: tuple[int, int, int, float] | tuple[int, int, int, float, int], inst: int = 0) -> EventBatch:
    """``(ts, side, price_ticks, qty[, flags])`` rows."""
    out = empty(EventKind.BOOK_DELTA, len(rows))
    for i, row in enumerate(rows):
        ts, side, price, qty = row[:4]
        flags = row[4] if len(row) > 4 else 0  # type: ignore[misc]
        out[i] = (ts, ts, inst, side, flags, i, i, i - 1, price, qty)
    return EventBatch(EventKind.BOOK_DELTA, out)


def snapshot(ts: int, bids: Sequence[tuple[int, float]], asks: Sequence[tuple[int, float]]) -> EventBatch:
    rows: list[tuple[int, int, int, float, int]] = [(ts, BUY, p, q, BookFlag.SNAPSHOT) for p, q in bids]
    rows += [(ts, SELL, p, q, BookFlag.SNAPSHOT) for p, q in asks]
    last = rows[-1]
    rows[-1] = (*last[:4], BookFlag.SNAPSHOT | BookFlag.LAST)
    return deltas(*rows)


def quotes(*rows: tuple[int, float, float, float, float], inst: int = 0) -> EventBatch:
    """``(ts, bid, bid_qty, ask, ask_qty)`` rows."""
    out = empty(EventKind.QUOTE, len(rows))
    for i, (ts, bid, bq, ask, aq) in enumerate(rows):
        out[i] = (ts, ts, inst, i, bid, bq, ask, aq)
    return EventBatch(EventKind.QUOTE, out)


def marks(*rows: tuple[int, float, float, int], inst: int = 0) -> EventBatch:
    """``(ts, mark, funding_rate, next_funding_ts)`` rows."""
    out = empty(EventKind.MARK, len(rows))
    for i, (ts, mark, rate, nxt) in enumerate(rows):
        out[i] = (ts, ts, inst, mark, mark, rate, nxt)
    return EventBatch(EventKind.MARK, out)


def config(**overrides: Any) -> SimVenueConfig:
    """Zero latency and no fees unless overridden."""
    base: dict[str, Any] = {"latency": {"kind": "constant", "ms": 0}, "fees_bps": {"maker": 0, "taker": 0}}
    base.update(overrides)
    return SimVenueConfig.model_validate(base)


def venue(instruments: Sequence[Instrument] = (BTC,), **overrides: Any) -> SimVenue:
    return SimVenue(instruments, config(**overrides))


_ids = iter(range(10**9))


def limit(side: OrderSide, price: str, qty: str, tif: TimeInForce = TimeInForce.GTC, *,
          reduce_only: bool = False, cid: str | None = None, instrument: Instrument = BTC) -> OrderRequest:
    return OrderRequest(client_order_id=cid or f"o{next(_ids)}", instrument_id=instrument.id, side=side,
                        type=OrderType.LIMIT, qty=Decimal(qty), price=Decimal(price), time_in_force=tif,
                        reduce_only=reduce_only)


def market(side: OrderSide, qty: str, tif: TimeInForce = TimeInForce.GTC, *, reduce_only: bool = False,
           cid: str | None = None, instrument: Instrument = BTC) -> OrderRequest:
    return OrderRequest(client_order_id=cid or f"o{next(_ids)}", instrument_id=instrument.id, side=side,
                        type=OrderType.MARKET, qty=Decimal(qty), time_in_force=tif, reduce_only=reduce_only)


def fills_of(reports: Sequence[Order | Fill], cid: str | None = None) -> list[Fill]:
    return [r for r in reports if isinstance(r, Fill) and (cid is None or r.client_order_id == cid)]


def last_order(reports: Sequence[Order | Fill], cid: str) -> Order:
    return [r for r in reports if isinstance(r, Order) and r.client_order_id == cid][-1]


def filled(reports: Sequence[Order | Fill], cid: str | None = None) -> Decimal:
    return sum((f.qty for f in fills_of(reports, cid)), Decimal(0))


def column(batch: EventBatch, name: str) -> npt.NDArray[Any]:
    return np.asarray(batch.rows[name])
