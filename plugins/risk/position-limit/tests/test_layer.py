"""The position-limit rule on hand-worked examples (the arithmetic is in the comments)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from cryptoscalp_risk_position_limit.layer import PositionLimitLayer

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderStatus
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction

Layer = Callable[..., PositionLimitLayer]
Intent = Callable[..., OrderRequest]
Portfolio = Callable[..., PortfolioState]
BUY, SELL = OrderSide.BUY, OrderSide.SELL
NEW, PART = OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED


def verdict(layer: PositionLimitLayer, intent: OrderRequest, portfolio: PortfolioState) -> tuple[object, ...]:
    d = layer.check(intent, portfolio)
    assert d.layer == "position-limit"
    return d.action, d.reason, d.qty


def test_within_limit(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    # 0.03 long + 0.02 bought = 0.05, exactly the limit
    assert verdict(make_layer(max_position="0.05"), make_intent(BUY, "0.02"), make_portfolio("0.03")) == (
        RiskAction.ALLOW, "", None)


def test_over_limit_resizes_or_rejects(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    intent, portfolio = make_intent(BUY, "0.04"), make_portfolio("0.03")
    # room = 0.05 - 0.03 = 0.02
    assert verdict(make_layer(max_position="0.05"), intent, portfolio) == (
        RiskAction.RESIZE, "position_limit", Decimal("0.020"))
    assert verdict(make_layer(max_position="0.05", resize=False), intent, portfolio)[:2] == (
        RiskAction.REJECT, "position_limit")


def test_resting_same_side_orders_count(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    # flat, 0.04 resting buy of which 0.01 filled (0.03 left), 0.5 resting sell (ignored): room 0.05 - 0.03
    portfolio = make_portfolio("0", [(BUY, "0.04", "0.01", PART), (SELL, "0.5", "0", NEW)])
    assert verdict(make_layer(max_position="0.05"), make_intent(BUY, "0.03"), portfolio) == (
        RiskAction.RESIZE, "position_limit", Decimal("0.02"))


def test_terminal_orders_and_the_intent_itself_do_not_count(make_layer: Layer, make_intent: Intent,
                                                            make_portfolio: Portfolio) -> None:
    portfolio = make_portfolio("0", [(BUY, "0.04", "0", NEW), (BUY, "0.04", "0.04", OrderStatus.FILLED),
                                     (BUY, "0.04", "0", OrderStatus.CANCELED)])
    # r0 (0.04) is the intent being re-checked, so exposure is 0 + 0.04 only once
    assert verdict(make_layer(max_position="0.05"), make_intent(BUY, "0.04", cid="r0"), portfolio)[0] \
        is RiskAction.ALLOW


def test_reduce_only_always_passes(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(max_position="0.01", resize=False)
    assert verdict(layer, make_intent(SELL, "5", reduce_only=True), make_portfolio("0"))[0] is RiskAction.ALLOW


def test_getting_out_is_never_blocked(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(max_position="0.05", resize=False)
    # 0.10 long, over a limit that was lowered: selling 0.10 only flattens it
    assert verdict(layer, make_intent(SELL, "0.10"), make_portfolio("0.10"))[0] is RiskAction.ALLOW
    # selling 0.20 goes 0.10 short, over the 0.05 limit: room on the short side is 0.05 + 0.10 = 0.15
    resized = verdict(make_layer(max_position="0.05"), make_intent(SELL, "0.20"), make_portfolio("0.10"))
    assert resized == (RiskAction.RESIZE, "position_limit", Decimal("0.150"))


def test_per_side_limits(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(max_position="0.05", max_long="0.02", resize=False)
    assert verdict(layer, make_intent(BUY, "0.03"), make_portfolio())[:2] == (RiskAction.REJECT, "max_long")
    assert verdict(layer, make_intent(SELL, "0.03"), make_portfolio())[0] is RiskAction.ALLOW
    assert verdict(layer, make_intent(SELL, "0.06"), make_portfolio())[:2] == (RiskAction.REJECT, "position_limit")
    long_only = make_layer(max_short="0")
    assert verdict(long_only, make_intent(SELL, "0.01"), make_portfolio())[:2] == (RiskAction.REJECT, "max_short")
    assert verdict(long_only, make_intent(BUY, "100"), make_portfolio())[0] is RiskAction.ALLOW  # buys unbounded
    tie = make_layer(max_position="0.02", max_long="0.02", resize=False)
    assert verdict(tie, make_intent(BUY, "0.03"), make_portfolio())[1] == "position_limit"


def test_resize_must_leave_a_valid_order(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(max_position="0.05")
    # room 0.001 BTC = 60 USDT at the 60000 mid, under the 100 USDT venue minimum
    assert verdict(layer, make_intent(BUY, "0.01"), make_portfolio("0.049"))[:2] == (
        RiskAction.REJECT, "position_limit")
    # market order valued at the mid: same answer; with no price known the venue decides
    assert verdict(layer, make_intent(BUY, "0.01", None), make_portfolio("0.049"))[0] is RiskAction.REJECT
    assert verdict(layer, make_intent(BUY, "0.01", None), make_portfolio("0.049", mid=None)) == (
        RiskAction.RESIZE, "position_limit", Decimal("0.001"))


def test_contracts_and_overrides(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio,
                                 btc: Instrument, okx: Instrument) -> None:
    layer = make_layer(max_position="0.05", per_instrument={okx.id: {"max_position": "3", "max_short": "1"}})
    okx_book = make_portfolio("2.5", instrument=okx)
    # 2.5 contracts long + 1 = 3.5 > 3 -> room 0.5 contracts
    assert verdict(layer, make_intent(BUY, "1", instrument=okx), okx_book) == (
        RiskAction.RESIZE, "position_limit", Decimal("0.50"))
    # short side of OKX: 1 (override); -2.5 + 3.4 = 0.9 short is within it
    assert verdict(layer, make_intent(SELL, "3.4", instrument=okx), okx_book)[0] is RiskAction.ALLOW
    assert verdict(layer, make_intent(BUY, "0.06"), make_portfolio())[1] == "position_limit"  # BTC keeps 0.05


def test_instruments_must_be_known(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    with pytest.raises(ValueError, match="not in the profile"):
        make_layer(max_position=1, per_instrument={"bybit:BTCUSDT": {"max_position": 1}})
    stranger = Instrument("bybit", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
    assert verdict(make_layer(max_position=1), make_intent(BUY, "0.01", instrument=stranger),
                   make_portfolio())[:2] == (RiskAction.REJECT, "unknown_instrument")


def test_metrics(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(max_position="0.05", max_short="0")
    layer.check(make_intent(BUY, "0.01"), make_portfolio())
    layer.check(make_intent(BUY, "0.09"), make_portfolio())
    layer.check(make_intent(SELL, "0.01"), make_portfolio())
    m = layer.metrics
    assert (m["checks"], m["allow"], m["resize"], m["reject"]) == (3, 1, 1, 1)
    assert (m["resize.position_limit"], m["reject.max_short"], m["reject.max_long"]) == (1, 1, 0)
