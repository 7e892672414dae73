"""A small correct RiskLayer (a per-order lot cap) and broken variants, each breaking one RISK case."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskDecision
from cryptoscalp_core.testing.conformance import RiskScenario, sample_instruments

MAX_LOTS = 50


class LotCap:
    """Resizes orders above MAX_LOTS lots down to the cap; rejects limit orders with no mid price yet."""

    name = "lot-cap"

    def __init__(self) -> None:
        self._metrics = {"checks": 0, "resize": 0, "reject": 0}

    @property
    def metrics(self) -> Mapping[str, int]:
        return self._metrics

    def decision(self, action: RiskAction, reason: str = "", qty: Decimal | None = None) -> RiskDecision:
        if action is not RiskAction.ALLOW:
            self._metrics[action.value] += 1
        return RiskDecision(action=action, layer=self.name, reason=reason, qty=qty)

    def reference(self, intent: OrderRequest, portfolio: PortfolioState) -> Decimal | None:
        return portfolio.mid_prices.get(intent.instrument_id)

    def resized(self, cap: Decimal, lot: Decimal) -> Decimal:
        return cap

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        self._metrics["checks"] += 1
        instrument = portfolio.instruments.get(intent.instrument_id)
        if instrument is None:
            return self.decision(RiskAction.REJECT, "unknown_instrument")
        if intent.type is OrderType.LIMIT and self.reference(intent, portfolio) is None:
            return self.decision(RiskAction.REJECT, "no_reference_price")
        cap = instrument.lot_size * MAX_LOTS
        if intent.qty > cap:
            return self.decision(RiskAction.RESIZE, "max_lots", self.resized(cap, instrument.lot_size))
        return RiskDecision.allow(self.name)

    def on_fill(self, fill: Fill) -> None:
        pass

    def on_order(self, order: Order) -> None:
        pass


class WrongName(LotCap):
    def decision(self, action: RiskAction, reason: str = "", qty: Decimal | None = None) -> RiskDecision:
        return RiskDecision(action=action, layer="someone-else", reason=reason, qty=qty)


class OffGrid(LotCap):
    def resized(self, cap: Decimal, lot: Decimal) -> Decimal:
        return cap + lot / 2


class NeedsMid(LotCap):
    def reference(self, intent: OrderRequest, portfolio: PortfolioState) -> Decimal | None:
        return portfolio.mid_prices[intent.instrument_id]


class FloatMetrics(LotCap):
    @property
    def metrics(self) -> Mapping[str, int]:
        return {key: float(value) for key, value in self._metrics.items()}  # type: ignore[misc]


class NeverResizes(LotCap):
    def resized(self, cap: Decimal, lot: Decimal) -> Decimal:
        raise AssertionError("unreachable")

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        self._metrics["checks"] += 1
        return RiskDecision.allow(self.name)


class WritesMid(LotCap):
    def reference(self, intent: OrderRequest, portfolio: PortfolioState) -> Decimal | None:
        mids = portfolio.mid_prices
        if intent.price is not None and isinstance(mids, dict):
            mids[intent.instrument_id] = intent.price  # "caches" the last price in the shared state
        return super().reference(intent, portfolio)


class FillRaises(LotCap):
    def on_fill(self, fill: Fill) -> None:
        raise RuntimeError("boom")


def scenarios() -> list[RiskScenario]:
    btc = sample_instruments()[0]
    portfolio = PortfolioState(ts_ns=1, instruments={btc.id: btc}, mid_prices={btc.id: Decimal("60000")})

    def intent(lots: int) -> OrderRequest:
        return OrderRequest(client_order_id=f"s{lots}", instrument_id=btc.id, side=OrderSide.BUY,
                            type=OrderType.LIMIT, qty=btc.lot_size * lots, price=Decimal("60000"))

    return [RiskScenario(intent(MAX_LOTS * 3), portfolio, RiskAction.RESIZE, "max_lots"),
            RiskScenario(intent(MAX_LOTS), portfolio, RiskAction.ALLOW)]
