"""What one market event does to the venue's live orders (the per-row slow path).

These run only for the rows that the vectorised scan (:mod:`cryptoscalp_core.sim.scan`) marks as able
to affect a live order; every other row updates the market state in bulk. An order never reacts to an
event with ``ts_event`` before its arrival (no look-ahead), even when rows come out of exchange-time order.

* trade: through the price -> whole remainder fills (maker, at the order's price); at the price with the
  opposite aggressor -> consumes the queue ahead, the excess fills (partial fills). A trade at the price
  by an aggressor on our own side took liquidity from the other side, so it does not touch our queue.
  Orders waiting for a trade in trade-only mode take it (taker, at the trade's price).
* book delta at the order's level -> queue model; on the opposite side at or through the order's price
  -> whole remainder fills (maker): the recorded book says liquidity crossed where our order sat.
* quote (only without depth): the same, with the best bid/ask as the only visible level; a best level
  worse than the order's price means the level at the price is empty.
"""

from __future__ import annotations

import math

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.orders import TimeInForce
from cryptoscalp_core.sim.matching import Matcher, crosses
from cryptoscalp_core.sim.queue import LiveOrder

_EPS = 1e-9


class RowEffects(Matcher):
    def _waiting(self, inst: int, ts: int) -> list[LiveOrder]:
        """Live orders of ``inst`` that had arrived by ``ts``, in arrival order."""
        return [o for o in self._live.values() if o.inst == inst and o.arrival <= ts]

    def _on_trade(self, inst: int, ts: int, aggressor: int, price: float, qty: float) -> None:
        market = self.markets[inst]
        market.last_trade = price
        traded = market.ticks(price)
        lot = self._lot[inst]
        for live in self._waiting(inst, ts):
            if live.cid not in self._live:  # closed by an earlier order's fill (reduce-only)
                continue
            if live.taker_on_trade:
                if crosses(live.sign, traded, live.price):
                    self._fill_all(live, traded, maker=False)
                elif live.tif in (TimeInForce.IOC, TimeInForce.FOK):
                    self._close(live, "ioc" if live.tif is TimeInForce.IOC else "fok")
                else:
                    live.taker_on_trade = False  # a GTC limit that did not cross: it rests from now on
                continue
            limit = live.price
            assert limit is not None  # market orders never rest
            if traded < limit if live.sign > 0 else traded > limit:
                self._fill_all(live, limit, maker=True)
            elif traded == limit and aggressor == -live.sign:
                live.traded_since += qty
                live.ahead -= qty
                if live.ahead < 0:
                    lots = min(int(-live.ahead / lot + _EPS), live.remaining)
                    if lots > 0:
                        # A fraction of a lot left over stays as negative "ahead": credit for the next trade.
                        live.ahead += lots * lot
                        self._execute(live, lots, limit, maker=True)

    def _on_delta(self, inst: int, ts: int, side: int, price: int, qty: float, flags: int) -> None:
        prev = self.markets[inst].apply_delta(side, price, qty, flags)
        for live in self._waiting(inst, ts):
            if live.cid not in self._live or live.taker_on_trade:
                continue
            limit = live.price
            assert limit is not None
            if side == live.sign and price == limit:
                self._queue.on_level_change(live, prev, qty)
            elif side == -live.sign and qty > 0 and crosses(live.sign, price, limit):
                self._fill_all(live, limit, maker=True)

    def _on_quote(self, inst: int, ts: int, bid: float, bid_qty: float, ask: float, ask_qty: float) -> None:
        market = self.markets[inst]
        market.quote = (bid, bid_qty, ask, ask_qty)
        if market.has_depth:  # the L2 book is the book; quotes only fill in when there is none
            return
        for live in self._waiting(inst, ts):
            if live.cid not in self._live or live.taker_on_trade:
                continue
            limit = live.price
            assert limit is not None
            if live.sign > 0:
                opposite, opposite_qty, same, same_qty = market.ticks(ask), ask_qty, market.ticks(bid), bid_qty
            else:
                opposite, opposite_qty, same, same_qty = market.ticks(bid), bid_qty, market.ticks(ask), ask_qty
            if opposite_qty > 0 and crosses(live.sign, opposite, limit):
                self._fill_all(live, limit, maker=True)
                continue
            if same == limit:
                level = same_qty
            elif same < limit if live.sign > 0 else same > limit:
                level = 0.0  # the best is worse than our price: nobody else is left at it
            else:
                continue  # our level is hidden behind a better best: no news about it
            prev = level if math.isnan(live.level_qty) else live.level_qty
            self._queue.on_level_change(live, prev, level)
            live.level_qty = level

    def _on_mark(self, inst: int, mark: float, rate: float, next_funding: int) -> None:
        market = self.markets[inst]
        market.mark = mark
        if math.isfinite(rate):
            market.funding_rate = rate
        if next_funding > 0:
            market.funding_ts = next_funding

    def _settle_funding(self) -> None:
        """Pay or receive funding for every funding time the venue clock has reached."""
        for inst, market in enumerate(self.markets):
            due = market.funding_ts
            if due < 0 or due > self.now or due <= market.funding_applied:
                continue
            market.funding_applied = due
            price = market.valuation()
            if self.account.qty_f[inst] and not math.isnan(price):
                received = self.account.apply_funding(inst, market.funding_rate, price)
                self.stats.funding_paid = _exact.sub(self.stats.funding_paid, received)

    def _check_liquidation(self) -> None:
        if self.config.liquidation and self.account.has_positions and \
                self.account.below_maintenance(self._prices()):
            self._liquidate()
