"""Each order-sanity rule on hand-worked examples (expected quantities are computed in the comments)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from cryptoscalp_risk_order_sanity.config import OrderSanityConfig
from cryptoscalp_risk_order_sanity.layer import OrderSanityLayer

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction

Layer = Callable[..., OrderSanityLayer]
Intent = Callable[..., OrderRequest]
Portfolio = Callable[..., PortfolioState]


def test_plain_order_is_allowed(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    decision = make_layer().check(make_intent(), make_portfolio())
    assert (decision.action, decision.layer, decision.qty) == (RiskAction.ALLOW, "order-sanity", None)


def test_unknown_instrument(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    stranger = Instrument("bybit", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
    decision = make_layer().check(make_intent(instrument=stranger), make_portfolio())
    assert (decision.action, decision.reason) == (RiskAction.REJECT, "unknown_instrument")


@pytest.mark.parametrize(("qty", "price", "reason"), [
    ("0.0105", "60000.0", "off_grid_qty"),  # lot 0.001
    ("0.010", "60000.05", "off_grid_price"),  # tick 0.1
])
def test_grid(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio, qty: str, price: str,
              reason: str) -> None:
    decision = make_layer().check(make_intent(qty, price), make_portfolio())
    assert (decision.action, decision.reason) == (RiskAction.REJECT, reason)


def test_below_venue_min_qty(make_portfolio: Portfolio) -> None:
    odd = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"),
                     min_qty=Decimal("0.005"))
    layer = OrderSanityLayer(OrderSanityConfig())
    portfolio = PortfolioState(ts_ns=0, instruments={odd.id: odd}, mid_prices={odd.id: Decimal(60000)})
    intent = OrderRequest(client_order_id="c", instrument_id=odd.id, side=OrderSide.BUY, type=OrderType.LIMIT,
                          qty=Decimal("0.004"), price=Decimal("60000"))
    assert layer.check(intent, portfolio).reason == "below_min_qty"


def test_limit_order_needs_a_reference(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    decision = make_layer().check(make_intent(), make_portfolio(mid=None))
    assert (decision.action, decision.reason) == (RiskAction.REJECT, "no_reference_price")


def test_market_order_reference_only_when_its_notional_matters(make_layer: Layer, make_intent: Intent,
                                                                make_portfolio: Portfolio, okx: Instrument) -> None:
    # BTCUSDT has a 100 USDT venue minimum, so its notional must be known...
    assert make_layer().check(make_intent(price=None), make_portfolio(mid=None)).reason == "no_reference_price"
    # ...but reduce-only orders are exempt from it, and the OKX swap has no minimum.
    assert make_layer().check(make_intent(price=None, reduce_only=True), make_portfolio(mid=None)).action \
        is RiskAction.ALLOW
    okx_market = make_intent("1", None, instrument=okx)
    assert make_layer().check(okx_market, make_portfolio(mid=None)).action is RiskAction.ALLOW
    assert make_layer(max_notional=1000).check(okx_market, make_portfolio(mid=None)).reason == "no_reference_price"


@pytest.mark.parametrize(("price", "action"), [
    ("61800.0", RiskAction.ALLOW),  # 300 bps above 60000 is exactly 61800: on the edge, allowed
    ("61800.1", RiskAction.REJECT),
    ("58200.0", RiskAction.ALLOW),
    ("58199.9", RiskAction.REJECT),
])
def test_price_band_edges(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio, price: str,
                          action: RiskAction) -> None:
    decision = make_layer(price_band_bps=300).check(make_intent(price=price), make_portfolio())
    assert decision.action is action
    assert decision.reason == ("price_band" if action is RiskAction.REJECT else "")


def test_reference_choice(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    only_mark = make_portfolio(mid=None, mark="50000.0")
    far_from_mark = make_intent(price="60000.0")  # 20% above the mark
    assert make_layer().check(far_from_mark, only_mark).reason == "price_band"  # mid_or_mark falls back
    assert make_layer(reference="mid").check(far_from_mark, only_mark).reason == "no_reference_price"
    assert make_layer(reference="mark").check(far_from_mark, make_portfolio(mark="60000.0")).action \
        is RiskAction.ALLOW


def test_max_qty_reject_or_resize(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    intent = make_intent("0.050")
    rejected = make_layer(max_qty="0.0205").check(intent, make_portfolio())
    assert (rejected.action, rejected.reason) == (RiskAction.REJECT, "max_qty")
    resized = make_layer(max_qty="0.0205", resize=True).check(intent, make_portfolio())
    # 0.0205 floored to the 0.001 lot grid is 0.020
    assert (resized.action, resized.reason, resized.qty) == (RiskAction.RESIZE, "max_qty", Decimal("0.020"))


def test_max_notional_resize(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio,
                             okx: Instrument) -> None:
    # 1000 USDT / 60000 = 0.01666.. BTC -> 0.016 on the lot grid
    decision = make_layer(max_notional=1000, resize=True).check(make_intent("0.050"), make_portfolio())
    assert (decision.action, decision.reason, decision.qty) == (RiskAction.RESIZE, "max_notional", Decimal("0.016"))
    # OKX: one contract is 0.01 BTC = 600 USDT at 60000, so 1000 USDT buys 1.66.. -> 1.66 contracts
    decision = make_layer(max_notional=1000, resize=True).check(
        make_intent("5", instrument=okx), make_portfolio(instrument=okx))
    assert decision.qty == Decimal("1.66")


def test_resize_below_venue_minimum_is_rejected(make_layer: Layer, make_intent: Intent,
                                                make_portfolio: Portfolio) -> None:
    # 0.001 BTC at 60000 is 60 USDT, under BTCUSDT's 100 USDT minimum
    decision = make_layer(max_qty="0.001", resize=True).check(make_intent("0.010"), make_portfolio())
    assert (decision.action, decision.reason) == (RiskAction.REJECT, "max_qty")
    decision = make_layer(max_notional=50, resize=True).check(make_intent("0.010"), make_portfolio())
    assert (decision.action, decision.reason) == (RiskAction.REJECT, "max_notional")


def test_min_notional(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    assert make_layer().check(make_intent("0.001"), make_portfolio()).reason == "min_notional"
    assert make_layer().check(make_intent("0.001", reduce_only=True), make_portfolio()).action is RiskAction.ALLOW
    assert make_layer().check(make_intent("0.002"), make_portfolio()).action is RiskAction.ALLOW  # 120 USDT


def test_per_instrument_overrides(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio,
                                  btc: Instrument, okx: Instrument) -> None:
    layer = make_layer(max_qty="1", per_instrument={btc.id: {"max_qty": "0.02"}})
    assert layer.check(make_intent("0.030"), make_portfolio()).reason == "max_qty"
    assert layer.check(make_intent("0.9", instrument=okx), make_portfolio(instrument=okx)).action is RiskAction.ALLOW
    with pytest.raises(ValueError, match="not in the profile"):
        make_layer(per_instrument={"binance-usdm:DOGEUSDT": {"max_qty": 1}})


def test_metrics_count_by_reason(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(max_qty="0.02", resize=True)
    layer.check(make_intent(), make_portfolio())
    layer.check(make_intent("0.030", cid="c2"), make_portfolio())
    layer.check(make_intent(), make_portfolio(mid=None))
    m = layer.metrics
    assert (m["checks"], m["allow"], m["resize"], m["reject"]) == (3, 1, 1, 1)
    assert (m["resize.max_qty"], m["reject.no_reference_price"], m["reject.price_band"]) == (1, 1, 0)
