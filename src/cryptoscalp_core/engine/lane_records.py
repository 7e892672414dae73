"""The orders and fills of the taker fast lane, kept as numbers until the run's results are written.

A :class:`LaneBlock` holds one lane call's completed orders as rows of
``cryptoscalp_speedups.taker_lane.ORDER_COLUMNS``. Every one is a market IOC order that was acknowledged
and then either filled whole by one taker fill or cancelled before any trade reached it, so its stored
life is always three states (pending new, new, filled or cancelled) and one fill or none.
:meth:`LaneBlock.store_columns` gives the store's columns for them directly; :meth:`LaneBlock.fills`
and :meth:`LaneBlock.lives` build the domain objects (the run summary needs the fills; a store without
the columnar import needs both). The property test of the lane compares the
stored rows with the general path's, text for text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.client_ids import client_order_ids
from cryptoscalp_core.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    accept,
    cancel,
    fill,
)
from cryptoscalp_core.engine.results import FillValues
from cryptoscalp_core.storage.bulk import Columns, OrderLife

_ZERO = Decimal(0)


@dataclass(slots=True)
class LaneContext:
    """Per-instrument conversions shared by every block of a run, with the Decimals cached."""

    instruments: tuple[Any, ...]
    account: Any
    _prices: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    _qtys: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    _fees: dict[tuple[int, int, int], Decimal] = field(default_factory=dict)
    _filled: dict[tuple[int, int, int], tuple[Decimal, Decimal, Decimal, Decimal]] = field(default_factory=dict)

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

    def filled(self, inst: int, ticks: int, lots: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """``(filled_qty, avg_fill_price, fees, filled_notional)`` of an order filled whole by one fill: the
        arithmetic of :func:`cryptoscalp_core.domain.orders.fill` from an unfilled order."""
        key = (inst, ticks, lots)
        got = self._filled.get(key)
        if got is None:
            price, qty = self.price(inst, ticks), self.qty(inst, lots)
            notional = _exact.add(_ZERO, _exact.mul(price, qty))
            filled_qty = _exact.add(_ZERO, qty)
            got = self._filled[key] = (filled_qty, _exact.div(notional, filled_qty),
                                       _exact.add(_ZERO, self.fee(inst, ticks, lots)), notional)
        return got


@dataclass(slots=True)
class LaneBlock:
    """Orders the lane completed in one call, as numbers."""

    parts: list[npt.NDArray[np.int64]]  # rows of TakerLane ORDER_COLUMNS, in order
    prefix: str
    context: LaneContext
    start: tuple[Decimal, ...]  # the known position of each instrument before the first order
    _fills: list[Fill] | None = None
    _columns: tuple[str, tuple[Columns, Columns, Columns]] | None = None

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    @property
    def orders(self) -> npt.NDArray[np.int64]:
        if len(self.parts) > 1:
            self.parts = [np.concatenate(self.parts)]
        return self.parts[0]

    def split(self, size: int) -> list[LaneBlock]:
        """This block as blocks of at most ``size`` orders (itself when small enough)."""
        orders = self.orders
        if len(orders) <= size:
            return [self]
        out: list[LaneBlock] = []
        held = list(self.start)
        for i in range(0, len(orders), size):
            out.append(LaneBlock([orders[i:i + size]], self.prefix, self.context, tuple(held)))
            held = list(out[-1].request_qtys()[1])
        return out

    def request_qtys(self) -> tuple[list[Decimal], tuple[Decimal, ...]]:
        """Each order's quantity as the engine's intent builder computes it (``abs(lot_size * target -
        position)`` in Decimal, whose exponent the store keeps in the text), and the positions after the
        block's fills, added fill by fill as :class:`~cryptoscalp_core.domain.positions.Position` does."""
        ctx = self.context
        held = list(self.start)
        out: list[Decimal] = []
        for inst, sign, lots, cancelled in self.orders[:, [1, 2, 3, 13]].tolist():
            instrument = ctx.instruments[inst]
            current = held[inst]
            target = instrument.lot_size * (_lots(instrument, current) + sign * lots)
            out.append(abs(target - current))
            if not cancelled:
                size = ctx.qty(inst, lots)
                held[inst] = _exact.add(current, size if sign > 0 else _exact.neg(size))
        return out, tuple(held)

    def positions_after(self) -> tuple[Decimal, ...]:
        """The positions after the block's fills, as :meth:`request_qtys` finds them, without a Decimal
        addition per fill: an exact sum has the value of the lots and the smallest exponent of its terms."""
        ctx, o = self.context, self.orders
        held = list(self.start)
        filled = o[o[:, 13] == 0]
        for inst in range(len(held)):
            mine = filled[filled[:, 1] == inst]
            if not len(mine):
                continue
            instrument, start = ctx.instruments[inst], held[inst]
            sizes = np.unique(mine[:, 3]).tolist()
            exponent = min([_exponent(start)] + [_exponent(ctx.qty(inst, lots)) for lots in sizes])
            lots = _lots(instrument, start) + int((mine[:, 2] * mine[:, 3]).sum())
            held[inst] = (instrument.lot_size * lots).quantize(Decimal((0, (1,), exponent)), context=_exact.EXACT)
        return tuple(held)

    def absorb(self, other: LaneBlock) -> bool:
        """Append ``other``'s orders when nothing was built from either yet (consecutive lane calls with
        no general-path order between them make one block); ``False`` when it cannot."""
        if (other.context is not self.context or other.prefix != self.prefix or self._fills is not None
                or self._columns is not None or other._fills is not None or other._columns is not None):
            return False
        self.parts.extend(other.parts)
        return True

    def _fields(self) -> tuple[list[str], list[int], list[int], list[int], list[int]]:
        o = self.orders
        return (client_order_ids(self.prefix, o[:, 0]), o[:, 1].tolist(), o[:, 2].tolist(), o[:, 3].tolist(),
                o[:, 10].tolist())

    def store_columns(self, run_id: str) -> tuple[Columns, Columns, Columns]:
        """The ``orders``, ``order_states`` and ``fills`` columns of these orders, in order."""
        if self._columns is not None and self._columns[0] == run_id:
            return self._columns[1]
        ctx, o, n = self.context, self.orders, len(self.orders)
        cids, inst, sign, lots, ticks = self._fields()
        ids = [ctx.instruments[i].id for i in inst]
        sides = [OrderSide.BUY.value if s > 0 else OrderSide.SELL.value for s in sign]
        qty = [ctx.qty(i, q) for i, q in zip(inst, lots, strict=True)]
        requested = self.request_qtys()[0]
        cancelled = o[:, 13].tolist()
        unfilled = (_ZERO, _ZERO, _ZERO, _ZERO)
        filled = [unfilled if c else ctx.filled(i, t, q)
                  for i, t, q, c in zip(inst, ticks, lots, cancelled, strict=True)]
        vids = [f"S{a}" for a in o[:, 7].tolist()]
        ack_at, end_at = o[:, 8].tolist(), o[:, 12].tolist()
        final = [OrderStatus.CANCELED.value if c else OrderStatus.FILLED.value for c in cancelled]
        done = {"status": final, "filled_qty": [f[0] for f in filled],
                "avg_fill_price": [f[1] for f in filled], "fees": [f[2] for f in filled], "venue_order_id": vids,
                "reason": [""] * n, "status_before_cancel": [None] * n, "ts_updated": end_at,
                "filled_notional": [f[3] for f in filled]}
        orders = {"run_id": [run_id] * n, "client_order_id": cids, "instrument_id": ids, "side": sides,
                  "order_type": [OrderType.MARKET.value] * n, "qty": requested, "price": [None] * n,
                  "time_in_force": [TimeInForce.IOC.value] * n, "reduce_only": [bool(r) for r in o[:, 4].tolist()],
                  "ts_created": o[:, 5].tolist(), **done}
        # each order's three states, in the order the general path stores them: pending, new, filled or
        # cancelled
        states: Columns = {"run_id": [run_id] * (3 * n), "client_order_id": [c for c in cids for _ in range(3)]}
        before = {"filled_qty": _ZERO, "avg_fill_price": _ZERO, "fees": _ZERO, "reason": "",
                  "status_before_cancel": None, "filled_notional": _ZERO}
        for key, values in done.items():
            if key == "status":
                states[key] = [v for last in final for v in (OrderStatus.PENDING_NEW.value, OrderStatus.NEW.value,
                                                              last)]
            elif key == "venue_order_id":
                states[key] = [v for vid in vids for v in ("", vid, vid)]
            elif key == "ts_updated":
                states[key] = [v for a, f in zip(ack_at, end_at, strict=True) for v in (0, a, f)]
            else:
                states[key] = [v for last in values for v in (before[key], before[key], last)]
        keep = [j for j, c in enumerate(cancelled) if not c]
        fill_ts, trade_ids = o[:, 11].tolist(), o[:, 9].tolist()
        fills = {"run_id": [run_id] * len(keep), "client_order_id": [cids[j] for j in keep],
                 "instrument_id": [ids[j] for j in keep], "side": [sides[j] for j in keep],
                 "price": [ctx.price(inst[j], ticks[j]) for j in keep], "qty": [qty[j] for j in keep],
                 "fee": [ctx.fee(inst[j], ticks[j], lots[j]) for j in keep],
                 "fee_asset": [ctx.instruments[inst[j]].quote for j in keep], "is_maker": [False] * len(keep),
                 "trade_id": [f"T{trade_ids[j]}" for j in keep], "venue_order_id": [vids[j] for j in keep],
                 "ts_event": [fill_ts[j] for j in keep], "ts_recv": [end_at[j] for j in keep]}
        self._columns = (run_id, (orders, states, fills))
        return orders, states, fills

    def add_fill_values(self, into: FillValues) -> None:
        """Append the values of :meth:`fills` to ``into`` without building the fills (a run's summary
        reads every fill; the Decimals come from the context's caches)."""
        from cryptoscalp_core.engine.lane_tables import per_key

        ctx, o = self.context, self.orders
        rows = o[o[:, 13] == 0]
        prices, qtys, fees = per_key(rows[:, [1, 10, 3]], lambda i, t, q: (ctx.price(i, t), ctx.qty(i, q),
                                                                           ctx.fee(i, t, q)), 3)
        ids = [i.id for i in ctx.instruments]
        into.instrument_ids.extend(ids[i] for i in rows[:, 1].tolist())
        into.signs.extend(np.where(rows[:, 2] > 0, 1, -1).tolist())
        into.prices.extend(prices.tolist())
        into.qtys.extend(qtys.tolist())
        into.fees.extend(fees.tolist())
        into.ts_recv.extend(rows[:, 12].tolist())

    def fills(self) -> list[Fill]:
        """The fills of the filled orders (a cancelled order has none), in order."""
        if self._fills is not None:
            return self._fills
        ctx, o = self.context, self.orders
        cids, inst, sign, lots, ticks = self._fields()
        self._fills = [
            Fill(client_order_id=cid, instrument_id=ctx.instruments[i].id,
                 side=OrderSide.BUY if s > 0 else OrderSide.SELL, price=ctx.price(i, t), qty=ctx.qty(i, q),
                 fee=ctx.fee(i, t, q), fee_asset=ctx.instruments[i].quote, is_maker=False, trade_id=f"T{tid}",
                 venue_order_id=f"S{vid}", ts_event=ts_event, ts_recv=ts_recv)
            for cid, i, s, q, t, tid, vid, ts_event, ts_recv, cancelled in zip(
                cids, inst, sign, lots, ticks, o[:, 9].tolist(), o[:, 7].tolist(), o[:, 11].tolist(),
                o[:, 12].tolist(), o[:, 13].tolist(), strict=True) if not cancelled]
        return self._fills

    def lives(self) -> list[OrderLife]:
        """Each order's request and states, through the domain's own state machine."""
        ctx, o = self.context, self.orders
        cids, inst, sign, _, _ = self._fields()
        executions = iter(self.fills())
        out: list[OrderLife] = []
        for cid, i, s, qty, (reduce, created, ack_id, ack_at, end_at, cancelled) in zip(
                cids, inst, sign, self.request_qtys()[0], o[:, [4, 5, 7, 8, 12, 13]].tolist(), strict=True):
            request = OrderRequest(client_order_id=cid, instrument_id=ctx.instruments[i].id,
                                   side=OrderSide.BUY if s > 0 else OrderSide.SELL, type=OrderType.MARKET,
                                   qty=qty, time_in_force=TimeInForce.IOC, reduce_only=bool(reduce),
                                   ts_created=created)
            accepted = accept(Order(request=request, ts_updated=created), f"S{ack_id}", ack_at)
            last = cancel(accepted, end_at, "") if cancelled else fill(accepted, next(executions))
            out.append(OrderLife(request, [Order(request=request), accepted, last]))
        return out


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    return exponent


def _lots(instrument: Any, qty: Decimal) -> int:
    lots = instrument.qty_to_lots(abs(qty)) if qty else 0
    return int(lots if qty >= 0 else -lots)


def _expand(items: list[Any], kind: type, pick: str) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, LaneBlock):
            out.extend(getattr(item, pick)())
        else:
            assert isinstance(item, kind)
            out.append(item)
    return out


def expand_lives(items: list[Any]) -> list[OrderLife]:
    """Finished orders with :class:`LaneBlock` entries → the orders in order."""
    return _expand(items, OrderLife, "lives")


def expand_fills(items: list[Any]) -> list[Fill]:
    """A fill log with :class:`LaneBlock` entries → the fills in order."""
    return _expand(items, Fill, "fills")
