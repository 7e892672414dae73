"""``SimVenue``: the simulated exchange driven synchronously by the backtest engine (and by SimExecutor).

Time: the venue lives on exchange time. It processes market rows in the order given and its clock
(:attr:`SimVenue.now`) is the largest ``ts_event`` seen (or the time given to :meth:`advance_to`). An
order or cancel sent at local time ``t`` arrives at ``t + entry latency`` (an ordered channel: never
before an earlier message) and takes effect just before the first row with ``ts_event >= arrival``
(or when :meth:`advance_to` reaches it), against the book as of every earlier row. Reports reach the
strategy at ``venue time + response latency`` (also ordered) through :meth:`drain`. The engine splits
batches at :meth:`next_due_ts` so that a report is delivered, and the strategy can react, in time.

Speed: while nothing is live (no pending or open order, no position) a batch is one bulk update per
instrument: last trade / quote / mark from the last row, book deltas applied with duplicates removed
by numpy. Otherwise windows of rows are scanned with numpy (:mod:`~cryptoscalp_core.sim.scan`) for the
first row that can matter; the rows before it are bulk-updated and only that row goes through Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument, Number
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.sim.config import SimVenueConfig
from cryptoscalp_core.sim.scan import Scanner

_WINDOW = 256
_MAX_WINDOW = 1 << 20


class SimVenue(Scanner):
    """A simulated perpetual-futures venue for ``instruments`` (event ``instrument`` indexes them)."""

    def __init__(self, instruments: Sequence[Instrument], config: SimVenueConfig) -> None:
        super().__init__(instruments, config)

    # -- strategy side ---------------------------------------------------------------------------------
    def submit(self, request: OrderRequest, ts_local: int) -> Order:
        """Send an order at local time ``ts_local``; returns it ``PENDING_NEW``. A malformed request
        raises ``ValueError``; one the venue refuses (grid, minimums, margin…) comes back later as a
        ``REJECTED`` report. Re-sending the client order id of an order still in progress returns the
        venue's view of it; reusing the id of a finished order (terminal report drained) is rejected
        (``duplicate_client_order_id``)."""
        request.validate()
        known = self._orders.get(request.client_order_id)
        if known is not None:
            return known
        order = Order(request=request, ts_updated=ts_local)
        self._orders[request.client_order_id] = order
        self.stats.orders += 1
        self._actions.append((self._entry.arrival(ts_local), request))
        return order

    def cancel(self, client_order_id: str, ts_local: int) -> bool:
        """Send a cancel. ``False`` for an unknown order, one whose terminal report was already drained,
        or one with a cancel in flight. (Judged on delivered reports, not on the venue's state, so the
        answer never leaks a fill the strategy has not heard of; a cancel that reaches an order already
        terminal at the venue does nothing and is counted in ``stats.cancels_too_late``.)"""
        if (client_order_id not in self._orders or client_order_id in self._finished
                or client_order_id in self._cancel_pending):
            return False
        self._cancel_pending.add(client_order_id)
        self._actions.append((self._entry.arrival(ts_local), client_order_id))
        return True

    def drain(self, ts_local: int) -> list[Order | Fill]:
        """Reports delivered by local time ``ts_local``, in venue order (a Fill before the order update
        it causes)."""
        # Orders whose end the previous drain delivered are forgotten now, not then, so that its caller
        # could still look them up (get_order, fills) while handling those reports.
        for done in self._forget:
            if self._orders.get(done.client_order_id) is done:
                del self._orders[done.client_order_id]
                self._fills.pop(done.client_order_id, None)
        self._forget.clear()
        out: list[Order | Fill] = []
        reports = self._reports
        while reports and reports[0][0] <= ts_local:
            item = reports.popleft()[1]
            if isinstance(item, Order) and item.status.is_terminal:
                self._finished.add(item.client_order_id)
                self._forget.append(item)
            out.append(item)
        return out

    def next_report_ts(self) -> int | None:
        """Local time at which the earliest report not yet drained is delivered."""
        return self._reports[0][0] if self._reports else None

    def next_due_ts(self) -> int | None:
        """Earliest pending arrival of an order or cancel (exchange time) or report delivery (local time;
        both on one clock)."""
        due = [q[0][0] for q in (self._actions, self._reports) if q]
        return min(due) if due else None

    # -- market side -----------------------------------------------------------------------------------
    def process(self, batch: EventBatch) -> None:
        """Advance exchange time through the rows of ``batch``."""
        rows, kind = batch.rows, EventKind(batch.kind)
        n, i, window = len(rows), 0, _WINDOW
        while i < n:
            if not self._watching():
                self._bulk(kind, rows, i, n)
                break
            hi = min(n, i + window)
            stop = self._first_stop(kind, rows, i, hi)
            self._bulk(kind, rows, i, stop)
            if stop < hi:
                self._step(kind, rows, stop)
                i, window = stop + 1, _WINDOW
            else:
                i, window = hi, min(window * 4, _MAX_WINDOW)

    def advance_to(self, ts: int) -> None:
        """Advance exchange time to ``ts`` without market events (arrivals, funding, liquidation)."""
        self._activate_due(ts)
        self.now = max(self.now, ts)
        self._settle_funding()
        self._check_liquidation()

    def _activate_due(self, ts: int) -> None:
        while self._actions and self._actions[0][0] <= ts:
            arrival, payload = self._actions.popleft()
            if arrival < self.now:
                self.stats.late_arrivals += 1
            self.now = max(self.now, arrival)
            self._settle_funding()
            if isinstance(payload, OrderRequest):
                self._arrive(payload, arrival)
            else:
                self._cancel_pending.discard(payload)
                live = self._live.get(payload)
                if live is None:
                    self.stats.cancels_too_late += 1
                else:
                    self._close(live, "", cancelled=True)
            self._check_liquidation()

    def _bulk(self, kind: EventKind, rows: npt.NDArray[Any], lo: int, hi: int) -> None:
        """Market-state update for rows ``[lo, hi)``, which no live order cares about."""
        if hi <= lo:
            return
        seg = rows[lo:hi]
        # one-row segments are the common case of interleaved live-like streams: skip numpy's reductions
        top = int(rows[lo]["ts_event"]) if hi - lo == 1 else int(seg["ts_event"].max())
        if top > self.now:
            self.now = top
        inst_col = seg["instrument"]
        if len(self.instruments) == 1 or hi - lo == 1 or (inst_col == inst_col[0]).all():
            groups = [(int(inst_col[0]), seg)]
        else:
            groups = [(int(k), seg[inst_col == k]) for k in np.unique(inst_col)]
        for inst, part in groups:
            market = self.markets[inst]
            last = part[-1]
            if kind is EventKind.TRADE:
                market.last_trade = float(last["price"])
                if self._live:
                    self._consume_queues(part)
            elif kind is EventKind.QUOTE:
                market.quote = (float(last["bid_price"]), float(last["bid_qty"]),
                                float(last["ask_price"]), float(last["ask_qty"]))
            elif kind is EventKind.MARK:
                # Only the final state matters here (no position is open, or no row crosses a funding
                # time): the last announced funding time and the last finite rate, not the last row's.
                announced, rates = np.flatnonzero(part["next_funding_ts"] > 0), part["funding_rate"]
                finite = np.flatnonzero(np.isfinite(rates))
                self._on_mark(inst, float(last["mark_price"]), float(rates[finite[-1]]) if len(finite) else math.nan,
                              int(part["next_funding_ts"][announced[-1]]) if len(announced) else 0)
            else:
                market.apply_deltas(part["side"], part["price_ticks"], part["qty"], part["flags"])
        self._settle_funding()
        self._check_liquidation()

    def _step(self, kind: EventKind, rows: npt.NDArray[Any], j: int) -> None:
        """One row through the slow path: arrivals due before it, funding, the row, liquidation."""
        row = rows[j]
        ts = int(row["ts_event"])
        self._activate_due(ts)
        self.now = max(self.now, ts)
        self._settle_funding()
        inst = int(row["instrument"])
        if kind is EventKind.TRADE:
            self._on_trade(inst, ts, int(row["side"]), float(row["price"]), float(row["qty"]))
        elif kind is EventKind.BOOK_DELTA:
            self._on_delta(inst, ts, int(row["side"]), int(row["price_ticks"]), float(row["qty"]),
                           int(row["flags"]))
        elif kind is EventKind.QUOTE:
            self._on_quote(inst, ts, float(row["bid_price"]), float(row["bid_qty"]), float(row["ask_price"]),
                           float(row["ask_qty"]))
        else:
            self._on_mark(inst, float(row["mark_price"]), float(row["funding_rate"]), int(row["next_funding_ts"]))
        self._check_liquidation()

    # -- account ---------------------------------------------------------------------------------------
    @property
    def positions(self) -> Mapping[str, Position]:
        return self.account.positions

    @property
    def balance(self) -> Decimal:
        return self.account.balance

    def equity(self, marks: Mapping[str, Number] | None = None) -> Decimal:
        """Balance + unrealised PnL, at ``marks`` (instrument id -> price) or the valuation prices."""
        return self.account.equity(self.account.prices_from(marks, self._prices()))

    @property
    def margin_ratio(self) -> Decimal:
        """Maintenance margin / equity at the valuation prices (above 1: liquidation)."""
        return self.account.margin_ratio(self._prices())

    @property
    def open_orders(self) -> Mapping[str, Order]:
        """Orders open at the venue now (arrived, not terminal), by client order id."""
        return {cid: self._orders[cid] for cid in self._live}

    def get_order(self, client_order_id: str) -> Order | None:
        """The venue's current view of an order still in progress (in flight, open, or terminal with the
        terminal report not yet drained); ``None`` for an unknown or finished one."""
        return self._orders.get(client_order_id)

    def fills(self, client_order_id: str | None = None) -> list[Fill]:
        """Executions (delivered or not) of one order in progress, or of all of them, in venue order."""
        if client_order_id is not None:
            return list(self._fills.get(client_order_id, ()))
        return sorted((f for fills in self._fills.values() for f in fills), key=lambda f: int(f.trade_id[1:]))
