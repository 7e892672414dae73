"""``IntentView.of`` remembers the open orders it last saw (per mapping) and must still follow every change
to them: orders added, replaced (fills, status), removed, in place or in a new mapping."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.risk import IntentView, PortfolioState
from cryptoscalp_core.testing.conformance import sample_instruments

BTC, ETH = sample_instruments()[:2]


def _order(cid: str, inst: str, side: OrderSide, qty: str, filled: str, status: OrderStatus) -> Order:
    return Order(request=OrderRequest(client_order_id=cid, instrument_id=inst, side=side, type=OrderType.LIMIT,
                                      qty=Decimal(qty), price=Decimal(100)),
                 status=status, filled_qty=Decimal(filled))


def _resting(intent: OrderRequest, open_orders: dict[str, Order]) -> list[Decimal]:
    """The rule of the port's docstring, written out."""
    return [o.request.qty - o.filled_qty for o in open_orders.values()
            if o.request.instrument_id == intent.instrument_id and o.request.side is intent.side
            and not o.status.is_terminal and o.request.client_order_id != intent.client_order_id]


orders = st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from([BTC.id, ETH.id]),
                   st.sampled_from(list(OrderSide)), st.sampled_from(["0.5", "0.50", "0.7"]),
                   st.sampled_from(["0", "0.1"]), st.sampled_from(list(OrderStatus)))
steps = st.one_of(st.tuples(st.just("put"), orders), st.tuples(st.just("drop"), st.sampled_from("abcd")),
                  st.tuples(st.just("copy"), st.none()))
intents = st.tuples(st.sampled_from(["a", "x"]), st.sampled_from([BTC.id, ETH.id]), st.sampled_from(list(OrderSide)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(steps, intents), max_size=30))
def test_view_follows_the_open_orders(script: list[tuple[tuple[str, object], tuple[str, str, OrderSide]]]) -> None:
    open_orders: dict[str, Order] = {}
    pos = Position(BTC.id)
    pos.qty = Decimal("0.3")
    for (what, arg), (cid, inst, side) in script:
        if what == "put":
            assert isinstance(arg, tuple)
            open_orders[arg[0]] = _order(*arg)
        elif what == "drop":
            open_orders.pop(str(arg), None)
        else:  # the same orders in a new mapping
            open_orders = dict(open_orders)
        state = PortfolioState(ts_ns=0, instruments={BTC.id: BTC, ETH.id: ETH}, positions={BTC.id: pos},
                               open_orders=open_orders)
        intent = OrderRequest(client_order_id=cid, instrument_id=inst, side=side, type=OrderType.MARKET,
                              qty=Decimal(1))
        view = IntentView.of(intent, state)
        want = _resting(intent, open_orders)
        assert [str(r) for r in view.resting] == [str(r) for r in want]  # values and representations
        assert view.held == (pos.qty if inst == BTC.id else 0) and view.sign == side.sign
        assert view.instrument is state.instruments[inst]


def test_an_unchanged_order_keeps_its_remaining_quantity_object() -> None:
    """Layers may convert a resting quantity once and find it again by identity: a snapshot taken after
    another order changed hands out the same object for an order that did not."""
    kept = _order("a", BTC.id, OrderSide.BUY, "0.5", "0.1", OrderStatus.PARTIALLY_FILLED)
    open_orders = {"a": kept}
    state = PortfolioState(ts_ns=0, instruments={BTC.id: BTC}, open_orders=open_orders)
    intent = OrderRequest(client_order_id="x", instrument_id=BTC.id, side=OrderSide.BUY, type=OrderType.MARKET,
                          qty=Decimal(1))
    first = IntentView.of(intent, state).resting[0]
    open_orders["b"] = _order("b", BTC.id, OrderSide.BUY, "0.2", "0", OrderStatus.NEW)
    again = IntentView.of(intent, state).resting
    assert again == [Decimal("0.4"), Decimal("0.2")] and again[0] is first
    assert IntentView.of(_with_cid(intent, "b"), state).resting == [Decimal("0.4")]  # a re-check of b


def _with_cid(intent: OrderRequest, cid: str) -> OrderRequest:
    return OrderRequest(client_order_id=cid, instrument_id=intent.instrument_id, side=intent.side, type=intent.type,
                        qty=intent.qty)
