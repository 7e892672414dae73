"""The orders and fills of the taker fast lane, kept as numbers until the run's results are written."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.client_ids import client_order_id
from cryptoscalp_core.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderSide,
    OrderType,
    TimeInForce,
    accept,
    fill,
)
from cryptoscalp_core.storage.bulk import OrderLife


@dataclass(slots=True)
class LaneBlock:
    """Orders the lane completed in one call, as numbers; :meth:`lives` and :meth:`fills` build objects."""

    orders: npt.NDArray[np.int64]  # rows of TakerLane ORDER_COLUMNS
    prefix: str
    context: LaneContext
    _built: tuple[list[OrderLife], list[Fill]] | None = None

    def _build(self) -> tuple[list[OrderLife], list[Fill]]:
        if self._built is not None:
            return self._built
        ctx = self.context
        lives: list[OrderLife] = []
        fills: list[Fill] = []
        for row in self.orders.tolist():
            seq, inst, sign, lots, reduce, created, _, ack_id, ack_at, fill_id, ticks, fill_ts, fill_at = row
            instrument = ctx.instruments[inst]
            qty = ctx.qty(inst, lots)
            side = OrderSide.BUY if sign > 0 else OrderSide.SELL
            request = OrderRequest(client_order_id=client_order_id(self.prefix, seq), instrument_id=instrument.id,
                                   side=side, type=OrderType.MARKET, qty=qty, time_in_force=TimeInForce.IOC,
                                   reduce_only=bool(reduce), ts_created=created)
            venue_order_id = f"S{ack_id}"
            accepted = accept(Order(request=request, ts_updated=created), venue_order_id, ack_at)
            price = ctx.price(inst, ticks)
            execution = Fill(client_order_id=request.client_order_id, instrument_id=instrument.id, side=side,
                             price=price, qty=qty, fee=ctx.fee(inst, ticks, lots), fee_asset=instrument.quote,
                             is_maker=False, trade_id=f"T{fill_id}", venue_order_id=venue_order_id,
                             ts_event=fill_ts, ts_recv=fill_at)
            lives.append(OrderLife(request, [Order(request=request), accepted, fill(accepted, execution)]))
            fills.append(execution)
        self._built = (lives, fills)
        return self._built

    def lives(self) -> list[OrderLife]:
        return self._build()[0]

    def fills(self) -> list[Fill]:
        return self._build()[1]

    def __len__(self) -> int:
        return len(self.orders)


@dataclass(slots=True)
class LaneContext:
    """Per-instrument conversions shared by every block of a run, with the Decimals cached."""

    instruments: tuple[Any, ...]
    account: Any
    _prices: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    _qtys: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    _fees: dict[tuple[int, int, int], Decimal] = field(default_factory=dict)

    def price(self, inst: int, ticks: int) -> Decimal:
        key = (inst, ticks)
        got = self._prices.get(key)
        if got is None:
            got = self._prices[key] = self.instruments[inst].ticks_to_price(ticks)
        return got

    def qty(self, inst: int, lots: int) -> Decimal:
        key = (inst, lots)
        got = self._qtys.get(key)
        if got is None:
            got = self._qtys[key] = self.instruments[inst].lots_to_qty(lots)
        return got

    def fee(self, inst: int, ticks: int, lots: int) -> Decimal:
        key = (inst, ticks, lots)
        got = self._fees.get(key)
        if got is None:
            got = self._fees[key] = self.account.fee(inst, self.price(inst, ticks), self.qty(inst, lots), False)
        return got


def expand_lives(items: list[Any]) -> list[OrderLife]:
    """Finished orders with :class:`LaneBlock` entries → the orders in order."""
    out: list[OrderLife] = []
    for item in items:
        if isinstance(item, LaneBlock):
            out.extend(item.lives())
        else:
            out.append(item)
    return out


def expand_fills(items: list[Any]) -> list[Fill]:
    """A fill log with :class:`LaneBlock` entries → the fills in order."""
    out: list[Fill] = []
    for item in items:
        if isinstance(item, LaneBlock):
            out.extend(item.fills())
        else:
            out.append(item)
    return out
