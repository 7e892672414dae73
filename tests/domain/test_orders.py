"""Order requests and the order state machine.

The state machine is checked against a transition table written here, independently of
``orders.TRANSITIONS``, by a hypothesis stateful test that throws random venue events (legal or not) at
one order. Average fill prices are checked against a VWAP computed with :class:`fractions.Fraction`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import hypothesis
import msgspec
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cryptoscalp_core.domain import (
    Fill,
    Instrument,
    InvalidPriceError,
    InvalidQuantityError,
    MinNotionalError,
    OffGridError,
    Order,
    OrderRequest,
    OrderSide,
    OrderStateError,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from cryptoscalp_core.domain import orders as o

S = OrderStatus
INSTRUMENT = "binance-usdm:BTCUSDT"
LOT = Fraction(1, 1000)
TICK = Fraction(1, 10)


def request(qty: str = "1", price: str | None = "100", side: OrderSide = OrderSide.BUY,
            type_: OrderType = OrderType.LIMIT, tif: TimeInForce = TimeInForce.GTC,
            cid: str = "cs0000000000001") -> OrderRequest:
    return OrderRequest(client_order_id=cid, instrument_id=INSTRUMENT, side=side, type=type_,
                        qty=Decimal(qty), price=None if price is None else Decimal(price), time_in_force=tif)


def make_fill(order: Order, qty: str | Decimal, price: str | Decimal = "100", fee: str | Decimal = "0",
              **kw: object) -> Fill:
    fields: dict[str, object] = {
        "client_order_id": order.client_order_id, "instrument_id": order.request.instrument_id,
        "side": order.request.side, "price": Decimal(price), "qty": Decimal(qty), "fee": Decimal(fee),
        "ts_recv": 7,
    }
    fields.update(kw)
    return Fill(**fields)  # type: ignore[arg-type]


# -- the reference model --------------------------------------------------------------------------------

OPEN = {S.PENDING_NEW, S.NEW, S.PARTIALLY_FILLED, S.PENDING_CANCEL}


@dataclass(frozen=True)
class Ref:
    """What the order should look like: status, the status a refused cancel returns to, fill totals."""

    status: OrderStatus
    before: OrderStatus | None
    filled: Fraction
    notional: Fraction
    fees: Fraction


def ref_event(ref: Ref, event: str, qty: Fraction, total: Fraction) -> Ref | None:
    """The reference transition table; ``None`` means the event is illegal in this state."""
    st_, b = ref.status, ref.before
    if event == "accept":
        if st_ is S.PENDING_NEW:
            return replace(ref, status=S.NEW)
        if st_ is S.PENDING_CANCEL and b is S.PENDING_NEW:
            return replace(ref, before=S.NEW)
        if st_ is S.REJECTED:
            return None
        return ref  # late or duplicate acknowledgement: nothing changes
    if event == "reject":
        if st_ is S.PENDING_NEW or (st_ is S.PENDING_CANCEL and b is S.PENDING_NEW):
            return replace(ref, status=S.REJECTED, before=None)
        return None
    if event == "request_cancel":
        if st_ in (S.PENDING_NEW, S.NEW, S.PARTIALLY_FILLED):
            return replace(ref, status=S.PENDING_CANCEL, before=st_)
        return None
    if event == "cancel_rejected":
        if st_ is S.PENDING_CANCEL:
            assert b is not None
            return replace(ref, status=b, before=None)
        return None
    if event in ("cancel", "expire"):
        if st_ in OPEN:
            return replace(ref, status=S.CANCELED if event == "cancel" else S.EXPIRED, before=None)
        return None
    assert event == "fill"
    if st_ not in OPEN or ref.filled + qty > total:
        return None
    filled = ref.filled + qty
    if filled == total:
        return replace(ref, status=S.FILLED, before=None, filled=filled)
    if st_ is S.PENDING_CANCEL:
        return replace(ref, before=S.PARTIALLY_FILLED, filled=filled)
    return replace(ref, status=S.PARTIALLY_FILLED, filled=filled)


class OrderMachine(RuleBasedStateMachine):
    """Random venue events against one order, legal and illegal alike."""

    def __init__(self) -> None:
        super().__init__()
        self.total_lots = 0
        self.order: Order | None = None
        self.ref: Ref | None = None

    @initialize(lots=st.integers(min_value=1, max_value=50), side=st.sampled_from(list(OrderSide)))
    def submit(self, lots: int, side: OrderSide) -> None:
        self.total_lots = lots
        req = request(qty=str(Decimal(lots) / 1000), side=side)
        self.order = Order(request=req.validate())
        self.ref = Ref(S.PENDING_NEW, None, Fraction(0), Fraction(0), Fraction(0))

    def _apply(self, event: str, call: object, qty: Fraction = Fraction(0), price: Fraction = Fraction(0),
               fee: Fraction = Fraction(0)) -> None:
        assert self.order is not None and self.ref is not None
        old = self.order
        expected = ref_event(self.ref, event, qty, self.total_lots * LOT)
        # Labels for --hypothesis-show-statistics: shows which (state, event) pairs were explored.
        hypothesis.event(f"{event} in {old.status.value}/{self.ref.before}: {'ok' if expected else 'refused'}")
        if expected is None:
            with pytest.raises(OrderStateError):
                call(old)  # type: ignore[operator]
            assert self.order == old  # refused events leave the journaled state as it was
            return
        new = call(old)  # type: ignore[operator]
        assert isinstance(new, Order)
        # Every status change must also be an edge of the module's own status graph.
        assert new.status in o.TRANSITIONS[old.status] or new.status is old.status
        if event == "fill":
            expected = replace(expected, notional=self.ref.notional + price * qty, fees=self.ref.fees + fee)
        self.order, self.ref = new, expected

    @rule()
    def accept(self) -> None:
        self._apply("accept", lambda od: o.accept(od, venue_order_id="v1", ts=1))

    @rule()
    def reject(self) -> None:
        self._apply("reject", lambda od: o.reject(od, "insufficient margin", ts=2))

    @rule()
    def request_cancel(self) -> None:
        self._apply("request_cancel", lambda od: o.request_cancel(od, ts=3))

    @rule()
    def cancel_rejected(self) -> None:
        self._apply("cancel_rejected", lambda od: o.cancel_rejected(od, "unknown order", ts=4))

    @rule()
    def cancel(self) -> None:
        self._apply("cancel", lambda od: o.cancel(od, ts=5))

    @rule()
    def expire(self) -> None:
        self._apply("expire", lambda od: o.expire(od, ts=6))

    @rule(data=st.data(), price_ticks=st.integers(min_value=1, max_value=10**7),
          fee_units=st.integers(min_value=-1000, max_value=1000))
    def fill(self, data: st.DataObject, price_ticks: int, fee_units: int) -> None:
        assert self.ref is not None
        remaining = self.total_lots - int(self.ref.filled / LOT)
        # Up to one lot more than remains, so over-fills are tried too.
        lots = data.draw(st.integers(min_value=1, max_value=remaining + 1), label="lots")
        qty, price, fee = lots * LOT, price_ticks * TICK, Fraction(fee_units, 10**6)
        dq = Decimal(lots) / 1000
        dp = Decimal(price_ticks) / 10
        df = Decimal(fee_units) / 10**6
        self._apply("fill", lambda od: o.fill(od, make_fill(od, dq, dp, df)), qty, price, fee)

    @invariant()
    def matches_reference(self) -> None:
        if self.order is None or self.ref is None:
            return
        od, ref = self.order, self.ref
        assert od.status is ref.status
        assert od.status_before_cancel is ref.before
        assert Fraction(od.filled_qty) == ref.filled
        assert Fraction(od.remaining_qty) == self.total_lots * LOT - ref.filled
        assert Fraction(od.fees) == ref.fees
        assert Fraction(od.filled_notional) == ref.notional
        if ref.filled:
            vwap = ref.notional / ref.filled
            # Rounded once to 28 significant digits: within one unit of the 27th decimal place, relative.
            assert abs(Fraction(od.avg_fill_price) - vwap) <= vwap * Fraction(1, 10**27)
        else:
            assert od.avg_fill_price == 0
        assert od.status.is_terminal == (ref.status not in OPEN)


OrderMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=25, deadline=None)
TestOrderStateMachine = OrderMachine.TestCase


# -- races and specific sequences -----------------------------------------------------------------------


def test_fill_racing_a_cancel_request_keeps_the_request_pending() -> None:
    od = o.accept(Order(request=request(qty="1")), "v1")
    od = o.request_cancel(od)
    od = o.fill(od, make_fill(od, "0.4", "100"))
    assert od.status is S.PENDING_CANCEL
    assert od.status_before_cancel is S.PARTIALLY_FILLED
    refused = o.cancel_rejected(od, "too late")
    assert refused.status is S.PARTIALLY_FILLED
    assert refused.filled_qty == Decimal("0.4")
    done = o.cancel(od)
    assert (done.status, done.filled_qty, done.status_before_cancel) == (S.CANCELED, Decimal("0.4"), None)
    # A fill completing the order wins over the pending cancel; the cancel ack then is illegal.
    full = o.fill(od, make_fill(od, "0.6", "101"))
    assert full.status is S.FILLED
    assert full.status_before_cancel is None
    with pytest.raises(OrderStateError):
        o.cancel(full)


@pytest.mark.parametrize("start", [S.PENDING_NEW, S.NEW, S.PARTIALLY_FILLED])
def test_cancel_rejected_restores_previous_state(start: OrderStatus) -> None:
    od = Order(request=request(qty="1"))
    if start is not S.PENDING_NEW:
        od = o.accept(od)
    if start is S.PARTIALLY_FILLED:
        od = o.fill(od, make_fill(od, "0.5"))
    assert od.status is start
    pending = o.request_cancel(od)
    back = o.cancel_rejected(pending, "unknown order")
    assert back.status is start
    assert back.status_before_cancel is None
    assert back.filled_qty == od.filled_qty


def test_ack_racing_a_cancel_request() -> None:
    # Submit, then cancel before the ack arrives; the ack must not wipe the pending cancel.
    od = o.request_cancel(Order(request=request()))
    od = o.accept(od, venue_order_id="v42")
    assert (od.status, od.status_before_cancel, od.venue_order_id) == (S.PENDING_CANCEL, S.NEW, "v42")
    assert o.cancel_rejected(od, "x").status is S.NEW
    assert o.cancel(od).status is S.CANCELED


def test_reject_during_cancel_of_an_unacknowledged_order() -> None:
    od = o.request_cancel(Order(request=request()))
    assert o.reject(od, "would take liquidity").status is S.REJECTED
    acked = o.request_cancel(o.accept(Order(request=request())))
    with pytest.raises(OrderStateError):
        o.reject(acked, "nonsense")


def test_late_ack_after_fill_keeps_status() -> None:
    # A REST ack can arrive after the websocket fill of a marketable order.
    od = Order(request=request(qty="1"))
    od = o.fill(od, make_fill(od, "1", venue_order_id="v9"))
    assert od.status is S.FILLED
    late = o.accept(od, venue_order_id="v9")
    assert late.status is S.FILLED
    assert late.filled_qty == Decimal(1)
    with pytest.raises(OrderStateError):
        o.accept(o.reject(Order(request=request()), "no"))


def test_over_fill_refused() -> None:
    od = o.accept(Order(request=request(qty="1")))
    od = o.fill(od, make_fill(od, "0.7"))
    with pytest.raises(OrderStateError, match="exceeds"):
        o.fill(od, make_fill(od, "0.301"))
    assert o.fill(od, make_fill(od, "0.3")).status is S.FILLED


def test_avg_fill_price_is_the_vwap() -> None:
    od = o.accept(Order(request=request(qty="3")))
    fills = [("1", "100.1"), ("1", "100.2"), ("1", "100.4")]
    for q, p in fills:
        od = o.fill(od, make_fill(od, q, p))
    # (100.1 + 100.2 + 100.4) / 3 = 100.2333...: one rounding, not three.
    assert Fraction(od.avg_fill_price) - Fraction(3007, 30) < Fraction(1, 10**25)
    assert od.filled_notional == Decimal("300.7")


def test_order_without_filled_notional_still_averages() -> None:
    # A journaled order that only knows filled_qty and avg_fill_price (no filled_notional).
    od = Order(request=request(qty="3"), status=S.PARTIALLY_FILLED, filled_qty=Decimal(1),
               avg_fill_price=Decimal(100))
    od = o.fill(od, make_fill(od, "2", "103"))
    assert od.avg_fill_price == Decimal(102)  # (100 * 1 + 103 * 2) / 3
    assert od.filled_notional == Decimal(306)


@pytest.mark.parametrize(
    "change",
    [
        {"client_order_id": "other"},
        {"instrument_id": "okx:BTC-USDT-SWAP"},
        {"side": OrderSide.SELL},
        {"qty": Decimal(0)},
        {"qty": Decimal(-1)},
        {"qty": Decimal("NaN")},
        {"qty": Decimal("Infinity")},
        {"price": Decimal(0)},
        {"price": Decimal("NaN")},
        {"price": Decimal("-Infinity")},
        {"fee": Decimal("NaN")},
    ],
    ids=repr,
)
def test_bad_fills_refused(change: dict[str, object]) -> None:
    od = o.accept(Order(request=request(qty="1")))
    bad = msgspec.structs.replace(make_fill(od, "0.5"), **change)
    with pytest.raises(OrderStateError):
        o.fill(od, bad)


def test_fill_after_terminal_refused() -> None:
    for end in (o.cancel, o.expire):
        od = end(o.accept(Order(request=request(qty="1"))))
        with pytest.raises(OrderStateError):
            o.fill(od, make_fill(od, "0.5"))


def test_order_round_trips_through_msgspec() -> None:
    od = o.accept(Order(request=request(qty="1")), "v1")
    od = o.request_cancel(o.fill(od, make_fill(od, "0.25", "100.3", "0.01")))
    for codec in (msgspec.json, msgspec.msgpack):
        assert codec.decode(codec.encode(od), type=Order) == od


# -- request validation ---------------------------------------------------------------------------------


def test_valid_requests() -> None:
    for tif in TimeInForce:
        request(tif=tif).validate()
    for tif in (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK):
        request(price=None, type_=OrderType.MARKET, tif=tif).validate()
    reduce = msgspec.structs.replace(request(price=None, type_=OrderType.MARKET), reduce_only=True)
    assert reduce.validate() is reduce


@pytest.mark.parametrize(
    ("req", "error"),
    [
        pytest.param(request(price=None, type_=OrderType.MARKET, tif=TimeInForce.POST_ONLY), ValueError,
                     id="market-post-only"),
        pytest.param(request(price=None), InvalidPriceError, id="limit-without-price"),
        pytest.param(request(price="0"), InvalidPriceError, id="zero-price"),
        pytest.param(request(price="-1"), InvalidPriceError, id="negative-price"),
        pytest.param(request(price="NaN"), InvalidPriceError, id="nan-price"),
        pytest.param(request(price="Infinity"), InvalidPriceError, id="inf-price"),
        pytest.param(request(price="100", type_=OrderType.MARKET), ValueError, id="market-with-price"),
        pytest.param(request(qty="0"), InvalidQuantityError, id="zero-qty"),
        pytest.param(request(qty="-1"), InvalidQuantityError, id="negative-qty"),
        pytest.param(request(qty="NaN"), InvalidQuantityError, id="nan-qty"),
        pytest.param(request(qty="sNaN"), InvalidQuantityError, id="snan-qty"),
        pytest.param(request(qty="Infinity"), InvalidQuantityError, id="inf-qty"),
        pytest.param(request(cid=""), ValueError, id="empty-client-id"),
    ],
)
def test_invalid_requests(req: OrderRequest, error: type[Exception]) -> None:
    with pytest.raises(error):
        req.validate()


def test_untyped_fields_refused() -> None:
    # msgspec does not check types of a struct built in Python; validate() must.
    with pytest.raises(InvalidQuantityError):
        msgspec.structs.replace(request(), qty=0.1).validate()  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        msgspec.structs.replace(request(), side="buy").validate()  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        msgspec.structs.replace(request(), type="limit").validate()  # type: ignore[arg-type]


def test_validation_against_instrument() -> None:
    inst = Instrument(venue="binance-usdm", symbol="BTCUSDT", tick_size=Decimal("0.1"),
                      lot_size=Decimal("0.001"), min_notional=Decimal(5), min_qty=Decimal("0.002"))
    request(qty="0.002", price="3000").validate(inst)
    with pytest.raises(OffGridError):
        request(qty="0.002", price="3000.05").validate(inst)
    with pytest.raises(OffGridError):
        request(qty="0.0025", price="3000").validate(inst)
    with pytest.raises(MinNotionalError):
        request(qty="0.002", price="100").validate(inst)
    with pytest.raises(InvalidQuantityError):  # minimum quantity applies to market orders too
        request(qty="0.001", price=None, type_=OrderType.MARKET).validate(inst)
    with pytest.raises(OffGridError):
        request(qty="0.0025", price=None, type_=OrderType.MARKET).validate(inst)
    other = Instrument(venue="okx", symbol="BTC-USDT-SWAP", tick_size=Decimal("0.1"), lot_size=Decimal(1))
    with pytest.raises(ValueError, match="okx"):
        request().validate(other)


def test_status_flags() -> None:
    assert {s for s in OrderStatus if s.is_terminal} == {S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}
    assert all(s.is_open != s.is_terminal for s in OrderStatus)
    assert OrderSide.BUY.sign == 1 and OrderSide.SELL.sign == -1
