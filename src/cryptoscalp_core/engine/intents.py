"""Turning a target position into one order request, per the profile's ``trading:`` settings."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import numpy as np

from cryptoscalp_core.domain.instrument import Rounding
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from cryptoscalp_core.engine.portfolio import Portfolio
from cryptoscalp_core.profile.model import TradingSettings


class IntentBuilder:
    __slots__ = ("portfolio", "trading")

    def __init__(self, trading: TradingSettings, portfolio: Portfolio) -> None:
        self.trading = trading
        self.portfolio = portfolio

    def build(self, index: int, target: Decimal, client_order_id: str, ts: int) -> OrderRequest | None:
        """The order that moves the *known* position to ``target``; ``None`` when already there or when a
        limit price cannot be set yet (no market seen)."""
        inst = self.portfolio.by_index[index]
        current = self.portfolio.positions[inst.id].qty
        delta = target - current
        if delta == 0:
            return None
        side = OrderSide.BUY if delta > 0 else OrderSide.SELL
        # Moving toward flat without crossing it can only reduce risk: mark it so the venue enforces it.
        reduce_only = current != 0 and abs(target) < abs(current) and (target == 0 or (target > 0) == (current > 0))
        kind = self.trading.order_type
        if kind == "market":
            return OrderRequest(client_order_id=client_order_id, instrument_id=inst.id, side=side,
                                type=OrderType.MARKET, qty=abs(delta), time_in_force=TimeInForce.IOC,
                                reduce_only=reduce_only, ts_created=ts)
        reference = self.portfolio.best_bid[index] if side is OrderSide.BUY else self.portfolio.best_ask[index]
        if not np.isfinite(reference):
            reference = self.portfolio.last_price[index]
        if not np.isfinite(reference) or reference <= 0:
            return None
        offset = inst.tick_size * self.trading.limit_offset_ticks
        mode = Rounding.DOWN if side is OrderSide.BUY else Rounding.UP
        price = inst.round_price(Decimal(repr(float(reference))), mode)
        price = price - offset if side is OrderSide.BUY else price + offset
        if price <= 0:
            return None
        tif = TimeInForce.POST_ONLY if kind == "post_only" else TimeInForce.GTC
        return OrderRequest(client_order_id=client_order_id, instrument_id=inst.id, side=side, type=OrderType.LIMIT,
                            qty=abs(delta), price=price, time_in_force=tif, reduce_only=reduce_only, ts_created=ts)

    @staticmethod
    def resized(request: OrderRequest, qty: Decimal) -> OrderRequest:
        return msgspec.structs.replace(request, qty=qty)
