"""Order arrival and execution at the simulated venue.

On arrival (venue time ``t``, the book as of every market event before ``t``) an order is checked in this
order, each failure giving a ``REJECTED`` report with the reason in parentheses: instrument known
(``unknown_instrument``), client order id not used by a finished order (``duplicate_client_order_id``),
price and quantity on the grid (``off_grid``), minimum quantity (``min_qty``),
minimum notional (``min_notional``; a market order is valued at the instrument's valuation price),
reduce-only that cannot reduce (``reduce_only``), post-only that would cross (``post_only_would_cross``),
initial margin (``insufficient_margin``). Then it is acknowledged (``NEW``) and:

* **market** / **marketable limit**: walks the opposite side best level first, one taker fill per level
  at the level's price, up to the limit price (the order's average price is the VWAP). The book is the
  recorded one: our fills do not remove liquidity from it (no market impact), a known optimism.
  A market order's unfilled remainder expires (``no_liquidity``); **IOC** expires the remainder
  (``ioc``); **FOK** first checks that the levels up to its price hold its whole quantity, else it
  expires unfilled (``fok``); a **GTC** limit rests with what is left.
* **resting** (GTC / POST_ONLY): gets a queue position (:mod:`cryptoscalp_core.sim.queue`). It fills as
  maker at its own price when a trade prints through its price (whole remainder), when trades at its
  price exhaust the queue ahead (partial fills), or when the opposite side of the book or quote moves to
  or through its price (whole remainder).
* **reduce-only**: every fill is capped at the position it reduces; a remainder that can no longer
  reduce anything (position closed by this or another order) expires (``reduce_only``), so it never
  increases or flips the position.

Trade-only mode (no book and no quote for the instrument): a market order, and a limit order through the
last trade price, fills entirely as taker at the price of the first trade at or after its arrival (a
limit order only if that trade is at or better than its price; otherwise a GTC limit rests and an
IOC/FOK expires). Resting limit orders fill as maker only on trades strictly through their price,
because without a book nothing is known about the queue at the price.
"""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.errors import InvalidPriceError, InvalidQuantityError, MinNotionalError, OffGridError
from cryptoscalp_core.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderSide,
    OrderType,
    TimeInForce,
    accept,
    cancel,
    expire,
    fill,
    reject,
)
from cryptoscalp_core.sim.queue import LiveOrder
from cryptoscalp_core.sim.state import VenueState

_EPS = 1e-9


def crosses(sign: int, price: int, limit: int | None) -> bool:
    """Whether ``price`` is at or better than ``limit`` for a taker of side ``sign`` (None: market)."""
    return limit is None or (price <= limit if sign > 0 else price >= limit)


class Matcher(VenueState):
    # -- reports ---------------------------------------------------------------------------------------
    def _reject(self, request: OrderRequest, reason: str) -> None:
        self.stats.reject(reason)
        self._report(reject(self._orders[request.client_order_id], reason, self._delivery()))

    def _close(self, live: LiveOrder, reason: str, *, cancelled: bool = False) -> None:
        self._live.pop(live.cid, None)
        order = self._orders[live.cid]
        if cancelled:
            self.stats.cancels += 1
            self._report(cancel(order, self._delivery(), reason))
        else:
            self.stats.expirations += 1
            self._report(expire(order, self._delivery(), reason))

    def _cap(self, live: LiveOrder, lots: int) -> int:
        """``lots`` trimmed so a reduce-only order never increases or flips the position."""
        if not live.reduce_only:
            return lots
        held = self.account.position_qty(live.inst)
        if held * live.sign >= 0:
            return 0
        return min(lots, self.instruments[live.inst].qty_to_lots(abs(held)))

    def _execute(self, live: LiveOrder, lots: int, price_ticks: int, maker: bool) -> None:
        """One fill of ``lots`` at ``price_ticks``; reduce-only orders are capped (and expired at zero)."""
        lots = self._cap(live, lots)
        if lots <= 0:
            self._close(live, "reduce_only")
            return
        inst = self.instruments[live.inst]
        price, qty = inst.ticks_to_price(price_ticks), inst.lots_to_qty(lots)
        t = self._delivery()
        request = live.request
        execution = Fill(client_order_id=live.cid, instrument_id=inst.id, side=request.side, price=price,
                         qty=qty, fee=self.account.fee(live.inst, price, qty, maker), fee_asset=inst.quote,
                         is_maker=maker, trade_id=f"T{self._next_id()}",
                         venue_order_id=self._orders[live.cid].venue_order_id, ts_event=self.now, ts_recv=t)
        self.account.apply_fill(live.inst, execution)
        self._fills.setdefault(live.cid, []).append(execution)
        self._reports.append((t, execution))
        self._report(fill(self._orders[live.cid], execution))
        self.stats.fills += 1
        if maker:
            self.stats.maker_fills += 1
        else:
            self.stats.taker_fills += 1
        live.remaining -= lots
        if live.remaining <= 0:
            self._live.pop(live.cid, None)
        self._after_position_change(live.inst)

    def _after_position_change(self, inst: int) -> None:
        for other in [o for o in self._live.values() if o.inst == inst and o.reduce_only]:
            if self._cap(other, other.remaining) <= 0:
                self._close(other, "reduce_only")

    def _fill_all(self, live: LiveOrder, price_ticks: int, maker: bool) -> None:
        self._execute(live, live.remaining, price_ticks, maker)
        if live.cid in self._live:  # capped by reduce-only: the rest cannot reduce anything
            self._close(live, "reduce_only")

    # -- arrival -----------------------------------------------------------------------------------------
    def _validate(self, request: OrderRequest, inst: int) -> tuple[int | None, int] | str:
        """``(price_ticks, lots)`` of a request on its instrument's grid, or the rejection reason."""
        instrument = self.instruments[inst]
        try:
            if request.price is not None:
                price, qty = instrument.validate_order(request.price, request.qty)
                return instrument.price_to_ticks(price), instrument.qty_to_lots(qty)
            lots = instrument.qty_to_lots(request.qty)
            if request.qty < instrument.min_qty:
                return "min_qty"
            ref = self.markets[inst].valuation()
            if ref == ref and instrument.notional(ref, request.qty) < instrument.min_notional:
                return "min_notional"
            return None, lots
        except OffGridError:
            return "off_grid"
        except MinNotionalError:
            return "min_notional"
        except InvalidQuantityError:
            return "min_qty"
        except InvalidPriceError:
            return "off_grid"

    def _resting_margin(self) -> Decimal:
        total = Decimal(0)
        for o in self._live.values():
            if o.price is not None and not o.reduce_only:
                inst = self.instruments[o.inst]
                total = _exact.add(total, inst.notional(inst.ticks_to_price(o.price), inst.lots_to_qty(o.remaining)))
        return _exact.div(total, self.account.leverage)

    def _arrive(self, request: OrderRequest, arrival: int) -> None:
        inst = self._index.get(request.instrument_id)
        if inst is None:
            self._reject(request, "unknown_instrument")
            return
        if request.client_order_id in self._finished:
            self._reject(request, "duplicate_client_order_id")
            return
        checked = self._validate(request, inst)
        if isinstance(checked, str):
            self._reject(request, checked)
            return
        price, lots = checked
        sign = request.side.sign
        market = self.markets[inst]
        held = self.account.position_qty(inst)
        if request.reduce_only and held * sign >= 0:
            self._reject(request, "reduce_only")
            return
        if market.mode == "trades":
            last = market.ticks(market.last_trade) if market.last_trade == market.last_trade else None
            # Through the last trade price (not at it): without a book the touch is unknown.
            marketable = price is None or (last is not None and (last < price if sign > 0 else last > price))
            ref = last if price is None else price
        else:
            best = market.best(-sign)
            marketable = price is None or (best is not None and crosses(sign, best, price))
            ref = best if price is None else price
        if request.time_in_force is TimeInForce.POST_ONLY and marketable:
            self._reject(request, "post_only_would_cross")
            return
        instrument = self.instruments[inst]
        if ref is not None and not self.account.margin_ok(
                self._prices(), self._resting_margin(), inst, sign, instrument.lots_to_qty(lots),
                instrument.ticks_to_price(ref)):
            self._reject(request, "insufficient_margin")
            return
        self._report(accept(self._orders[request.client_order_id], f"S{self._next_id()}", self._delivery()))
        live = LiveOrder(request, inst, sign, price, lots, arrival, request.time_in_force, request.reduce_only)
        self._live[live.cid] = live
        tif = request.time_in_force
        if market.mode == "trades" and (marketable or tif in (TimeInForce.IOC, TimeInForce.FOK)):
            live.taker_on_trade = True  # trade-only mode: wait for the next trade
            return
        if marketable:
            self._take(live)
            if live.cid not in self._live:
                return
        if price is None:
            self._close(live, "no_liquidity")
        elif tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._close(live, "ioc" if tif is TimeInForce.IOC else "fok")
        else:
            live.ahead = market.level_qty(sign, price)
            live.level_qty = live.ahead if live.ahead != float("inf") else float("nan")

    def _take(self, live: LiveOrder) -> None:
        """Walk the opposite side of the book up to the order's limit (taker fills, one per level)."""
        levels = self.markets[live.inst].levels(-live.sign, live.price)
        lot = self._lot[live.inst]
        sizes = [(ticks, int(qty / lot + _EPS)) for ticks, qty in levels]
        if live.tif is TimeInForce.FOK and (sum(n for _, n in sizes) < live.remaining
                                            or self._cap(live, live.remaining) < live.remaining):
            self._close(live, "fok")
            return
        for ticks, size in sizes:
            if live.cid not in self._live:
                break
            if size > 0:
                self._execute(live, min(size, live.remaining), ticks, maker=False)

    def _liquidate(self) -> None:
        """Close every position at its valuation price (taker fee) and cancel every open order."""
        self.stats.liquidations += 1
        for live in list(self._live.values()):
            self._close(live, "liquidation", cancelled=True)
        prices = self._prices()
        for inst, instrument in enumerate(self.instruments):
            held = self.account.position_qty(inst)
            if not held or prices[inst] != prices[inst]:
                continue
            side = OrderSide.SELL if held > 0 else OrderSide.BUY
            cid = f"sim-liquidation-{self._next_id()}"
            request = OrderRequest(client_order_id=cid, instrument_id=instrument.id, side=side,
                                   type=OrderType.MARKET, qty=abs(held), time_in_force=TimeInForce.IOC,
                                   reduce_only=True, ts_created=self.now)
            self._orders[cid] = Order(request=request, reason="liquidation", ts_updated=self.now)
            self._report(accept(self._orders[cid], f"S{self._next_id()}", self._delivery()))
            live = LiveOrder(request, inst, side.sign, None, instrument.qty_to_lots(abs(held)), self.now,
                             TimeInForce.IOC, True)
            self._live[cid] = live
            self._fill_all(live, self.markets[inst].ticks(prices[inst]), maker=False)
