"""Duplicate-intent suppression: window, client-id retries, what counts as "the same", bounded memory."""

from __future__ import annotations

import gc
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


def test_forgotten_intents_are_freed_at_once(make_layer: Layer, make_intent: Intent,
                                             make_portfolio: Portfolio) -> None:
    """The memory forgets by dropping references, without cycles: nothing it held is left for the cyclic
    garbage collector (whose pauses would land on the decision path), whichever way it forgets —
    everything aged out, part of it aged out, or the oldest pushed out by the bound."""
    layer = make_layer(duplicate_memory=4, duplicate_window_ns=3 * SECOND)
    intents = [make_intent(f"0.0{10 + i % 7}", cid=f"k{i}", side=OrderSide.BUY if i % 3 else OrderSide.SELL)
               for i in range(300)]
    # mostly a third of a second apart, with pauses past the window (then all of the memory ages out)
    portfolios = [make_portfolio(ts=i * SECOND // 3 + (i // 10) * 4 * SECOND) for i in range(300)]
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for intent, pf in zip(intents, portfolios, strict=True):
            layer.check(intent, pf)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
