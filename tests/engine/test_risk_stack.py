"""The engine's risk stack: order of layers, resize hand-over, per-layer counts, equity, protection."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderStatus, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.risk_stack import RiskStack
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import (
    IntentView,
    PortfolioState,
    ProtectiveAction,
    ProtectiveKind,
    RiskAction,
    RiskDecision,
)
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_core.testing.conformance import sample_instruments

BTC = sample_instruments()[0]


class Cap(CountingRiskLayer):
    """Resizes to ``cap`` lots of quantity, rejects at or under ``floor``; records what it saw."""

    def __init__(self, name: str, cap: str, floor: str = "0") -> None:
        super().__init__(name, ("too_small",), ("cap",))
        self.cap, self.floor, self.seen = Decimal(cap), Decimal(floor), list[Decimal]()

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        self._metrics["checks"] += 1
        self.seen.append(intent.qty)
        if intent.qty <= self.floor:
            return self._reject("too_small", "")
        return self._resized("cap", self.cap, "") if intent.qty > self.cap else self._allow()


class Watcher(CountingRiskLayer):
    def __init__(self) -> None:
        super().__init__("watcher", ())
        self.batches, self.trigger = 0, False

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self._allow()

    def on_market(self, batch: EventBatch) -> bool:
        self.batches += 1
        return self.trigger

    def protective_actions(self, portfolio: PortfolioState) -> Sequence[ProtectiveAction]:
        return [ProtectiveAction(kind=ProtectiveKind.FLATTEN, layer="watcher", reason="test")]


def _stack(*layers: CountingRiskLayer) -> RiskStack:
    return RiskStack(layers, (BTC,), resize=lambda r, q: msgspec.structs.replace(r, qty=q),
                     initial_balance=1000, maintenance_margin_rate=0.01)


def _intent(qty: str) -> OrderRequest:
    return OrderRequest(client_order_id="c", instrument_id=BTC.id, side=OrderSide.BUY, type=OrderType.MARKET,
                        qty=Decimal(qty))


def _state() -> PortfolioState:
    return PortfolioState(ts_ns=0, instruments={BTC.id: BTC}, positions={BTC.id: Position(BTC.id)},
                          mid_prices={BTC.id: Decimal(100)}, mark_prices={BTC.id: Decimal(100)})


def test_resize_is_handed_on_and_reject_stops() -> None:
    a, b, c = Cap("a", "0.5"), Cap("b", "0.2"), Cap("c", "9", floor="0.2")  # c refuses 0.2 and less
    stack = _stack(a, b, c)
    request, decision = stack.check(_intent("1"), _state())
    assert a.seen == [Decimal(1)] and b.seen == [Decimal("0.5")] and c.seen == [Decimal("0.2")]
    assert decision is not None and (decision.layer, decision.reason) == ("c", "too_small")
    assert request.qty == Decimal("0.2")
    stack.check(_intent("0.1"), _state())  # all three allow
    summary = stack.summary()
    assert [(s["allowed"], s["resized"], s["rejected"]) for s in summary.values()] == [(1, 1, 0), (1, 1, 0),
                                                                                       (0, 0, 2)]
    passed, none = _stack(Cap("a", "0.5"), Cap("b", "0.2")).check(_intent("0.3"), _state())
    assert none is None and passed.qty == Decimal("0.2")
    assert summary["c"]["reasons"] == {"too_small": 2}


class Grow(CountingRiskLayer):
    """A broken layer: "resizes" to a larger quantity."""

    def __init__(self) -> None:
        super().__init__("grow", (), ("grow",))

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self._resized("grow", intent.qty * 2, "")


def test_a_resize_that_grows_is_refused() -> None:
    after = Cap("after", "9")
    stack = _stack(Grow(), after)
    request, refused = stack.check(_intent("1.5"), _state())
    assert refused is not None and (refused.action, refused.reason) == (RiskAction.REJECT, "bad_resize")
    assert request.qty == Decimal("1.5") and after.seen == []


def test_prepare_values_the_account() -> None:
    stack = _stack()
    state = _state()
    pos = state.positions[BTC.id]
    assert isinstance(pos, Position)
    pos.apply_fill(Fill(client_order_id="f", instrument_id=BTC.id, side=OrderSide.BUY, price=Decimal(90),
                        qty=Decimal(2), fee=Decimal(1)))
    stack.prepare(state)
    assert state.equity == Decimal(1000) - 1 + 2 * 10  # balance - fee + unrealised at the 100 mark
    assert state.maintenance_margin == Decimal("2.00")  # 1 % of 200 notional
    assert state.margin_ratio == Decimal(2) / Decimal(1019)
    assert state.market is stack.market


def test_protection_is_scheduled_not_per_batch() -> None:
    watcher = Watcher()
    stack = _stack(watcher)
    rows = empty(EventKind.TRADE, 1)
    rows["price"] = 100
    assert stack.protection_due(0)  # first time
    assert len(stack.protective_actions(_state())) == 1
    stack.observe(EventBatch(EventKind.TRADE, rows))
    assert watcher.batches == 1 and not stack.protection_due(50_000_000)
    assert stack.protection_due(100_000_000)  # the interval passed
    watcher.trigger = True
    stack.observe(EventBatch(EventKind.TRADE, rows))
    assert stack.protection_due(1)  # the observer asked for it
    assert not _stack(Cap("a", "1")).protection_due(10**12)  # nobody protects: never due


class Viewer(Cap):
    """A FastCheck layer: the stack calls check_fast with its view; records the views it got."""

    def __init__(self, name: str, cap: str) -> None:
        super().__init__(name, cap)
        self.views: list[IntentView] = []

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView) -> RiskDecision:
        self.views.append(view)
        return self.check(intent, portfolio)


class Boom(CountingRiskLayer):
    def __init__(self) -> None:
        super().__init__("boom", ())

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        raise RuntimeError("broken layer")


def test_fast_layers_share_one_view_and_plain_layers_still_run() -> None:
    a, plain, b = Viewer("a", "0.5"), Cap("plain", "9"), Viewer("b", "0.2")
    state = _state()
    request, decision = _stack(a, plain, b).check(_intent("1"), state)
    assert decision is None and request.qty == Decimal("0.2")
    assert plain.seen == [Decimal("0.5")]  # called through check, with the resized intent
    assert len(a.views) == len(b.views) == 1 and a.views[0] is b.views[0]  # kept across the resize
    assert a.views[0] == IntentView.of(_intent("1"), state)


def test_a_layer_that_raises_is_not_counted_nor_those_after_it() -> None:
    first, last = Cap("first", "9"), Cap("last", "9")
    stack = _stack(first, Boom(), last)
    with pytest.raises(RuntimeError):
        stack.check(_intent("1"), _state())
    counts = {k: (v["allowed"], v["resized"], v["rejected"]) for k, v in stack.summary().items()}
    assert counts == {"first": (1, 0, 0), "boom": (0, 0, 0), "last": (0, 0, 0)}


def test_intent_view() -> None:
    state = _state()
    state.positions[BTC.id].qty = Decimal("0.3")
    orders = {"o1": (OrderSide.BUY, "0.5", "0.2", OrderStatus.PARTIALLY_FILLED),
              "o2": (OrderSide.SELL, "0.5", "0", OrderStatus.NEW),  # other side
              "o3": (OrderSide.BUY, "0.4", "0", OrderStatus.CANCELED),  # closed
              "c": (OrderSide.BUY, "0.7", "0", OrderStatus.NEW)}  # the intent itself
    state.open_orders = {
        cid: Order(request=OrderRequest(client_order_id=cid, instrument_id=BTC.id, side=side, type=OrderType.MARKET,
                                        qty=Decimal(q)), status=status, filled_qty=Decimal(f))
        for cid, (side, q, f, status) in orders.items()}
    view = IntentView.of(_intent("1"), state)
    assert (view.instrument, view.sign, view.unit_sign, view.held, view.resting) == (
        BTC, 1, Decimal(1), Decimal("0.3"), [Decimal("0.3")])
    assert RiskDecision.allow("x") is RiskDecision.allow("x") == RiskDecision(action=RiskAction.ALLOW, layer="x")


prices = st.sampled_from(["100", "100.0", "101.5", "99.25", "250"])
fills = st.tuples(st.sampled_from(list(OrderSide)), st.integers(1, 30), prices, st.integers(0, 3))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), fills, prices), min_size=1, max_size=25))
def test_prepare_reuses_valuations_and_matches_a_fresh_stack(steps: list[tuple[bool, tuple[OrderSide, int, str, int],
                                                                               str]]) -> None:
    """Fills and prices (equal values written differently among them) change between decisions: the
    figures of a stack that keeps its valuations are those of a fresh stack, to the representation."""
    kept = _stack()
    pos = Position(BTC.id)
    for filled, (side, lots, fill_price, fee), mark in steps:
        if filled:
            pos.apply_fill(Fill(client_order_id="f", instrument_id=BTC.id, side=side, price=Decimal(fill_price),
                                qty=BTC.lot_size * lots, fee=Decimal(fee) / 100))
        states = [PortfolioState(ts_ns=0, instruments={BTC.id: BTC}, positions={BTC.id: pos},
                                 mid_prices={BTC.id: Decimal(mark)}, mark_prices={BTC.id: Decimal(mark)})
                  for _ in range(2)]
        got, want = kept.prepare(states[0]), _stack().prepare(states[1])
        for name in ("equity", "maintenance_margin", "margin_ratio"):
            assert str(getattr(got, name)) == str(getattr(want, name)), name
