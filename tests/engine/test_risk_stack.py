"""The engine's risk stack: order of layers, resize hand-over, per-layer counts, equity, protection."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.risk_stack import RiskStack
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import PortfolioState, ProtectiveAction, ProtectiveKind, RiskAction, RiskDecision
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
