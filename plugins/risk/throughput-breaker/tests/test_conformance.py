"""The core's RiskLayer (with capabilities) and Plugin conformance suites, pointed at throughput-breaker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from cryptoscalp_risk_throughput_breaker.config import ThroughputBreakerConfig
from cryptoscalp_risk_throughput_breaker.plugin import make_throughput_breaker

from cryptoscalp_core.domain.events import TRADE_DTYPE, EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance, RiskScenario

_MS = 1_000_000


class TestThroughputBreakerLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self) -> Callable[[], RiskLayer]:
        config = ThroughputBreakerConfig(max_orders_per_s=2, max_orders_per_min=5, max_cancel_ratio=0.5,
                                         ratio_min_orders=2, max_errors=1, max_latency_ms=1, latency_samples=1,
                                         max_data_age_ms=100)
        return lambda: make_throughput_breaker(config)

    @pytest.fixture
    def scenarios(self, instruments: tuple[Instrument, ...]) -> Sequence[RiskScenario]:
        btc = instruments[0]
        trade = np.zeros(1, dtype=TRADE_DTYPE)
        trade["ts_event"] = trade["ts_recv"] = 1_000 * _MS
        trade["price"], trade["qty"], trade["side"] = 60000.0, 0.01, 1
        view = MarketView(instruments)
        view.observe(EventBatch(EventKind.TRADE, trade))
        fresh = PortfolioState(ts_ns=1_050 * _MS, instruments={i.id: i for i in instruments}, market=view,
                               mid_prices={btc.id: Decimal("60000")})
        stale = replace(fresh, ts_ns=1_200 * _MS)  # 200 ms after the last trade; max_data_age_ms is 100

        def order(reduce_only: bool = False) -> OrderRequest:
            return OrderRequest(client_order_id="s1", instrument_id=btc.id, side=OrderSide.SELL,
                                type=OrderType.MARKET, qty=Decimal("0.01"), reduce_only=reduce_only)

        return [RiskScenario(order(), fresh, RiskAction.ALLOW),
                RiskScenario(order(), stale, RiskAction.REJECT, "stale_market_data"),
                RiskScenario(order(reduce_only=True), stale, RiskAction.ALLOW)]  # exits pass a halt


class TestThroughputBreakerPlugin(PluginConformance):
    entry_point = "throughput-breaker"
    distribution = "cryptoscalp-risk-throughput-breaker"
    components = ((ComponentKind.RISK, "throughput-breaker"),)
