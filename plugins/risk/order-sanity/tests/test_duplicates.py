"""Duplicate-intent suppression: window, client-id retries, what counts as "the same", bounded memory."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from cryptoscalp_risk_order_sanity.layer import OrderSanityLayer

from cryptoscalp_core.domain.orders import OrderRequest, OrderSide
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction

Layer = Callable[..., OrderSanityLayer]
Intent = Callable[..., OrderRequest]
Portfolio = Callable[..., PortfolioState]
SECOND = 1_000_000_000


def test_repeat_within_window_is_rejected(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(duplicate_window_ns=SECOND)
    assert layer.check(make_intent(cid="a"), make_portfolio(ts=10 * SECOND)).action is RiskAction.ALLOW
    again = layer.check(make_intent(cid="b"), make_portfolio(ts=10 * SECOND + SECOND - 1))
    assert (again.action, again.reason) == (RiskAction.REJECT, "duplicate_intent")
    later = layer.check(make_intent(cid="c"), make_portfolio(ts=10 * SECOND + 2 * SECOND))
    assert later.action is RiskAction.ALLOW


def test_window_edge_is_exclusive(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(duplicate_window_ns=SECOND)
    layer.check(make_intent(cid="a"), make_portfolio(ts=0))
    assert layer.check(make_intent(cid="b"), make_portfolio(ts=SECOND)).action is RiskAction.ALLOW


def test_retry_with_same_client_id_passes(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer()
    layer.check(make_intent(cid="a"), make_portfolio(ts=0))
    assert layer.check(make_intent(cid="a"), make_portfolio(ts=1)).action is RiskAction.ALLOW


def test_any_difference_is_not_a_duplicate(make_layer: Layer, make_intent: Intent,
                                           make_portfolio: Portfolio) -> None:
    layer = make_layer()
    layer.check(make_intent(cid="a"), make_portfolio(ts=0))
    for n, intent in enumerate([make_intent("0.011", cid="b"), make_intent(price="60000.1", cid="c"),
                                make_intent(side=OrderSide.SELL, cid="d"), make_intent(price=None, cid="e")]):
        assert layer.check(intent, make_portfolio(ts=n + 1)).action is RiskAction.ALLOW, intent


def test_rejected_intents_are_not_remembered(make_layer: Layer, make_intent: Intent,
                                             make_portfolio: Portfolio) -> None:
    layer = make_layer()
    assert layer.check(make_intent(cid="a"), make_portfolio(mid=None, ts=0)).reason == "no_reference_price"
    assert layer.check(make_intent(cid="b"), make_portfolio(ts=1)).action is RiskAction.ALLOW


def test_zero_window_turns_it_off(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(duplicate_window_ns=0)
    layer.check(make_intent(cid="a"), make_portfolio(ts=0))
    assert layer.check(make_intent(cid="b"), make_portfolio(ts=0)).action is RiskAction.ALLOW


def test_memory_is_bounded(make_layer: Layer, make_intent: Intent, make_portfolio: Portfolio) -> None:
    layer = make_layer(duplicate_memory=8, duplicate_window_ns=10**18)
    for i in range(100):
        qty = str(Decimal("0.010") + Decimal("0.001") * i)
        assert layer.check(make_intent(qty, cid=f"x{i}"), make_portfolio(ts=i)).action is RiskAction.ALLOW
    assert len(layer._recent) == 8  # white-box: the bound is the point of this test
    # the newest intent is still remembered, the oldest was forgotten
    assert layer.check(make_intent("0.109", cid="y"), make_portfolio(ts=200)).reason == "duplicate_intent"
    assert layer.check(make_intent("0.010", cid="z"), make_portfolio(ts=201)).action is RiskAction.ALLOW
