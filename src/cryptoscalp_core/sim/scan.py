"""Vectorised search for the next row of a batch that needs the per-row slow path.

A row needs it when it could change something besides market state: a pending order or cancel arrives
(``ts_event >= arrival``), a funding time passes while a position is open, the valuation price crosses
the liquidation price, or the row can fill a live order or move its queue in a way numpy cannot apply
in bulk. Trades at an order's price that only shrink its queue are summed in bulk
(:meth:`Scanner._consume_queues`); the row where the running sum exceeds the queue is a stop. The masks below are a
superset (orders are grouped per instrument and side, using the loosest price and the earliest arrival
of the group); the slow path then checks each order exactly, so a false alarm only costs time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.sim.queue import LiveOrder
from cryptoscalp_core.sim.resting import RowEffects

Mask = npt.NDArray[np.bool_]
_REL = 1e-9  # loosening of the float liquidation threshold (the exact check is in Decimal)
_LOOSE = 1e-6  # loosening of the float queue test


class Scanner(RowEffects):
    def _watching(self) -> bool:
        """Whether any row could need the slow path (if not, a batch is one bulk update)."""
        return bool(self._actions or self._live or self.account.has_positions)

    def _first_stop(self, kind: EventKind, rows: npt.NDArray[Any], lo: int, hi: int) -> int:
        """Index of the first row in ``[lo, hi)`` that needs the slow path, or ``hi``."""
        seg = rows[lo:hi]
        ts = seg["ts_event"]
        mask: Mask = np.zeros(len(seg), dtype=bool)
        if self._actions:
            mask |= ts >= self._actions[0][0]
        single = len(self.instruments) == 1
        inst_col = seg["instrument"]

        def of(inst: int) -> Mask | bool:
            return True if single else inst_col == inst

        if self.account.has_positions:
            self._position_stops(kind, seg, mask, of)
        groups: dict[tuple[int, int], list[LiveOrder]] = {}
        for live in self._live.values():
            groups.setdefault((live.inst, live.sign), []).append(live)
        ticked: npt.NDArray[np.int64] | None = None
        for (inst, sign), orders in groups.items():
            after = of(inst) & (ts >= min(o.arrival for o in orders))
            takers = [o for o in orders if o.taker_on_trade]
            resting = [o.price for o in orders if not o.taker_on_trade and o.price is not None]
            if kind is EventKind.TRADE:
                if takers:
                    mask |= after
                if resting:
                    if ticked is None:
                        ticked = self._ticked(seg)
                    loosest = max(resting) if sign > 0 else min(resting)
                    mask |= after & (ticked < loosest if sign > 0 else ticked > loosest)
                    for live in orders:
                        if not live.taker_on_trade and math.isfinite(live.ahead):
                            mask |= self._queue_exhausted(seg, ticked, live)
            elif kind is EventKind.BOOK_DELTA and resting:
                price, side = seg["price_ticks"], seg["side"]
                loosest = max(resting) if sign > 0 else min(resting)
                cross = (price <= loosest) if sign > 0 else (price >= loosest)
                mask |= after & (((side == sign) & np.isin(price, resting))
                                 | ((side == -sign) & (seg["qty"] > 0) & cross))
            elif kind is EventKind.QUOTE and resting and not self.markets[inst].has_depth:
                tick = self.markets[inst].tick
                bid, ask = np.rint(seg["bid_price"] / tick), np.rint(seg["ask_price"] / tick)
                if sign > 0:
                    hit = ((ask <= max(resting)) & (seg["ask_qty"] > 0)) | (bid <= max(resting))
                else:
                    hit = ((bid >= min(resting)) & (seg["bid_qty"] > 0)) | (ask >= min(resting))
                mask |= after & hit
        return lo + int(mask.argmax()) if mask.any() else hi

    def _ticked(self, seg: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        """Trade prices in ticks of each row's instrument."""
        ticked: npt.NDArray[np.int64] = np.rint(seg["price"] / self._ticks[seg["instrument"]]).astype(np.int64)
        return ticked

    def _at_price(self, seg: npt.NDArray[Any], ticked: npt.NDArray[np.int64], live: LiveOrder) -> Mask:
        """Trades at ``live``'s price by the opposite aggressor, at or after its arrival."""
        hit: Mask = (ticked == live.price) & (seg["side"] == -live.sign) & (seg["ts_event"] >= live.arrival)
        if len(self.instruments) > 1:
            hit &= seg["instrument"] == live.inst
        return hit

    def _queue_exhausted(self, seg: npt.NDArray[Any], ticked: npt.NDArray[np.int64], live: LiveOrder) -> Mask:
        """Rows where the trades at ``live``'s price so far exceed its queue by a lot: it fills there.
        Trades that only shrink the queue need no stop: :meth:`_consume_queues` applies them in bulk."""
        at = self._at_price(seg, ticked, live)
        if not at.any():
            return at
        traded = np.cumsum(np.where(at, seg["qty"], 0.0))
        # Looser than the exact test in RowEffects._on_trade (a false alarm only costs a slow step), so
        # summing in another order than row by row cannot hide a fill.
        return at & (traded - live.ahead >= self._lot[live.inst] * (1 - _LOOSE))

    def _consume_queues(self, seg: npt.NDArray[Any]) -> None:
        """Bulk form of the at-price branch of ``_on_trade`` for rows that fill nothing."""
        ticked = self._ticked(seg)
        for live in self._live.values():
            if live.taker_on_trade or live.price is None:
                continue
            traded = float(seg["qty"][self._at_price(seg, ticked, live)].sum())
            if traded:
                live.ahead -= traded
                live.traded_since += traded

    def _position_stops(self, kind: EventKind, seg: npt.NDArray[Any], mask: Mask, of: Any) -> None:
        """Funding times and liquidation-price crossings of open positions (``mask`` is updated)."""
        ts = seg["ts_event"]
        prices = self._prices()
        for inst, market in enumerate(self.markets):
            if not self.account.qty_f[inst]:
                continue
            if market.funding_ts > market.funding_applied:
                mask |= ts >= market.funding_ts
            if kind is EventKind.MARK:
                # Marks are rare (~1/s) and may announce a new funding time: take each one in turn.
                mask |= of(inst)
                continue
            if not self.config.liquidation:
                continue
            if kind is EventKind.TRADE and math.isnan(market.mark):
                column = seg["price"]
            else:
                continue  # valued by the mid: checked after each bulk update instead
            threshold = self.account.liquidation_price(inst, prices)
            if math.isnan(threshold):
                continue
            if self.account.qty_f[inst] > 0:
                mask |= of(inst) & (column <= threshold * (1 + _REL))
            else:
                mask |= of(inst) & (column >= threshold * (1 - _REL))
