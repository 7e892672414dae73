"""The strategy's view of its account: built only from reports the venue has *delivered*.

The simulated venue knows fills the moment they happen; the strategy learns of them after the response
latency. Decisions read this object, never the venue's own state, so a backtest cannot peek at fills
before a live system would see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import PortfolioState


class Portfolio:
    __slots__ = ("best_ask", "best_bid", "by_index", "fills", "instruments", "last_price", "open_orders",
                 "positions")

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self.by_index = tuple(instruments)
        self.instruments = {i.id: i for i in instruments}
        self.positions = {i.id: Position(i.id, i.contract_multiplier) for i in instruments}
        self.open_orders: dict[str, Order] = {}
        # Fill objects, and blocks of fills the taker fast lane keeps as numbers (see lane_records)
        self.fills: list[Any] = []
        n = len(instruments)
        self.last_price = np.full(n, np.nan)
        self.best_bid = np.full(n, np.nan)
        self.best_ask = np.full(n, np.nan)

    def observe(self, batch: EventBatch, end: int | None = None) -> None:
        """Remember the latest prices in ``batch.rows[:end]`` (last row per instrument, vectorised)."""
        rows = batch.rows[:end] if end is not None else batch.rows
        if not len(rows):
            return
        if len(self.by_index) == 1 or len(rows) == 1:  # the common cases: the last row is the answer
            last = rows[-1]
            k = int(last["instrument"])
            if batch.kind is EventKind.TRADE:
                self.last_price[k] = last["price"]
            elif batch.kind is EventKind.QUOTE:
                self.best_bid[k] = last["bid_price"]
                self.best_ask[k] = last["ask_price"]
            return
        inst = rows["instrument"]
        # index of the last occurrence of each instrument in the slice
        _, first_from_end = np.unique(inst[::-1], return_index=True)
        pick = len(rows) - 1 - first_from_end
        if batch.kind is EventKind.TRADE:
            self.last_price[inst[pick]] = rows["price"][pick]
        elif batch.kind is EventKind.QUOTE:
            self.best_bid[inst[pick]] = rows["bid_price"][pick]
            self.best_ask[inst[pick]] = rows["ask_price"][pick]

    def mid(self, index: int) -> float:
        bid, ask = self.best_bid[index], self.best_ask[index]
        if np.isfinite(bid) and np.isfinite(ask):
            return float((bid + ask) / 2)
        return float(self.last_price[index])

    def apply(self, report: Order | Fill) -> None:
        if isinstance(report, Fill):
            self.positions[report.instrument_id].apply_fill(report)
            self.fills.append(report)
        elif report.status.is_terminal:
            self.open_orders.pop(report.client_order_id, None)
        else:
            self.open_orders[report.client_order_id] = report

    def state(self, ts_ns: int) -> PortfolioState:
        mids: dict[str, Decimal] = {}
        for index, inst in enumerate(self.by_index):
            mid = self.mid(index)
            if np.isfinite(mid) and mid > 0:
                mids[inst.id] = Decimal(repr(mid))
        return PortfolioState(ts_ns=ts_ns, instruments=self.instruments, positions=self.positions,
                              open_orders=self.open_orders, mid_prices=mids, mark_prices=mids)
