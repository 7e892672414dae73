"""Orders, fills and the order state machine.

An :class:`Order` is immutable: every venue event produces a new ``Order`` through :func:`apply`, so a
journal can keep each state. Quantities and prices are :class:`~decimal.Decimal` in the instrument's units.

State machine (``*`` = terminal)::

    PENDING_NEW ──▶ NEW ──▶ PARTIALLY_FILLED ──▶ FILLED*
        │  │         │  ╲          │    ▲ ╲
        │  │         │   ▶ PENDING_CANCEL ─▶ CANCELED*
        │  └────────────────────────────────▶ EXPIRED*   (IOC/FOK remainder, venue expiry)
        └──▶ REJECTED*

A fill may race a cancel request (``PENDING_CANCEL`` → ``PARTIALLY_FILLED``/``FILLED``), and a cancel that
the venue refuses returns the order to the state it had before the request.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import msgspec

from cryptoscalp_core.domain.errors import InvalidPriceError, InvalidQuantityError, OrderStateError
from cryptoscalp_core.domain.instrument import Instrument


class OrderSide(str, Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is OrderSide.BUY else -1


class OrderType(str, Enum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(str, Enum):
    GTC = "gtc"  #: rests until filled or cancelled
    IOC = "ioc"  #: fills what it can at once, remainder expires
    FOK = "fok"  #: fills entirely at once or expires entirely
    POST_ONLY = "post_only"  #: rejected if any part would take liquidity (Binance GTX)


class OrderStatus(str, Enum):
    PENDING_NEW = "pending_new"
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        return not self.is_terminal


_TERMINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED})

_S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.PENDING_NEW: frozenset({_S.NEW, _S.REJECTED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED,
                               _S.PENDING_CANCEL}),
    _S.NEW: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.CANCELED, _S.EXPIRED}),
    _S.PARTIALLY_FILLED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.CANCELED,
                                    _S.EXPIRED}),
    _S.PENDING_CANCEL: frozenset({_S.CANCELED, _S.PARTIALLY_FILLED, _S.FILLED, _S.NEW, _S.EXPIRED,
                                  _S.PENDING_NEW}),
    _S.FILLED: frozenset(),
    _S.CANCELED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset(),
}


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An order intent as a strategy or risk layer sees it, before it reaches a venue."""

    client_order_id: str
    instrument_id: str
    side: OrderSide
    type: OrderType
    qty: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    ts_created: int = 0  # ns

    def validate(self, instrument: Instrument | None = None) -> OrderRequest:
        """Check the request's shape (and its grid against ``instrument``); return it unchanged."""
        if not self.client_order_id:
            raise ValueError("client_order_id must not be empty")
        if self.qty.is_nan() or self.qty <= 0:
            raise InvalidQuantityError(f"{self.client_order_id}: quantity must be positive, got {self.qty}")
        if self.type is OrderType.LIMIT:
            if self.price is None or not self.price.is_finite() or self.price <= 0:
                raise InvalidPriceError(f"{self.client_order_id}: limit order needs a positive price")
        else:
            if self.price is not None:
                raise ValueError(f"{self.client_order_id}: market order must not carry a price")
            if self.time_in_force is TimeInForce.POST_ONLY:
                raise ValueError(f"{self.client_order_id}: a market order cannot be post-only")
        if instrument is not None:
            if instrument.id != self.instrument_id:
                raise ValueError(f"{self.client_order_id}: instrument {instrument.id} != {self.instrument_id}")
            if self.price is not None:
                instrument.validate_order(self.price, self.qty)
            else:
                instrument.qty_to_lots(self.qty)
        return self


class Fill(msgspec.Struct, frozen=True, kw_only=True):
    """One execution against an order. ``fee`` is positive when paid, negative for a rebate."""

    client_order_id: str
    instrument_id: str
    side: OrderSide
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str = ""
    is_maker: bool = False
    trade_id: str = ""
    venue_order_id: str = ""
    ts_event: int = 0
    ts_recv: int = 0


class Order(msgspec.Struct, frozen=True, kw_only=True):
    """The venue-side life of one :class:`OrderRequest`."""

    request: OrderRequest
    status: OrderStatus = OrderStatus.PENDING_NEW
    filled_qty: Decimal = Decimal(0)
    avg_fill_price: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    venue_order_id: str = ""
    reason: str = ""
    status_before_cancel: OrderStatus | None = None
    ts_updated: int = 0

    @property
    def client_order_id(self) -> str:
        return self.request.client_order_id

    @property
    def remaining_qty(self) -> Decimal:
        return self.request.qty - self.filled_qty


def _move(order: Order, status: OrderStatus, ts: int, **changes: object) -> Order:
    if status not in TRANSITIONS[order.status]:
        raise OrderStateError(
            f"order {order.client_order_id}: cannot go from {order.status.value} to {status.value}"
        )
    return msgspec.structs.replace(order, status=status, ts_updated=ts, **changes)


def accept(order: Order, venue_order_id: str = "", ts: int = 0) -> Order:
    return _move(order, OrderStatus.NEW, ts, venue_order_id=venue_order_id or order.venue_order_id)


def reject(order: Order, reason: str, ts: int = 0) -> Order:
    return _move(order, OrderStatus.REJECTED, ts, reason=reason)


def request_cancel(order: Order, ts: int = 0) -> Order:
    return _move(order, OrderStatus.PENDING_CANCEL, ts, status_before_cancel=order.status)


def cancel_rejected(order: Order, reason: str, ts: int = 0) -> Order:
    if order.status is not OrderStatus.PENDING_CANCEL or order.status_before_cancel is None:
        raise OrderStateError(f"order {order.client_order_id}: no cancel request is pending")
    return _move(order, order.status_before_cancel, ts, reason=reason, status_before_cancel=None)


def cancel(order: Order, ts: int = 0, reason: str = "") -> Order:
    return _move(order, OrderStatus.CANCELED, ts, reason=reason)


def expire(order: Order, ts: int = 0, reason: str = "") -> Order:
    return _move(order, OrderStatus.EXPIRED, ts, reason=reason)


def fill(order: Order, fill: Fill) -> Order:
    """Apply one execution; refuses over-fills, wrong orders and fills after a terminal state."""
    if fill.client_order_id != order.client_order_id:
        raise OrderStateError(f"fill for {fill.client_order_id} applied to order {order.client_order_id}")
    if fill.qty <= 0 or fill.price <= 0:
        raise OrderStateError(f"order {order.client_order_id}: fill needs positive price and quantity")
    new_filled = order.filled_qty + fill.qty
    if new_filled > order.request.qty:
        raise OrderStateError(
            f"order {order.client_order_id}: fill of {fill.qty} exceeds remaining {order.remaining_qty}"
        )
    avg = (order.avg_fill_price * order.filled_qty + fill.price * fill.qty) / new_filled
    status = OrderStatus.FILLED if new_filled == order.request.qty else OrderStatus.PARTIALLY_FILLED
    keep_cancel = order.status is OrderStatus.PENDING_CANCEL and status is OrderStatus.PARTIALLY_FILLED
    if keep_cancel:
        # The cancel request is still in flight; stay PENDING_CANCEL but remember the fill.
        return msgspec.structs.replace(
            order, filled_qty=new_filled, avg_fill_price=avg, fees=order.fees + fill.fee,
            ts_updated=fill.ts_recv, status_before_cancel=OrderStatus.PARTIALLY_FILLED,
        )
    return _move(order, status, fill.ts_recv, filled_qty=new_filled, avg_fill_price=avg,
                 fees=order.fees + fill.fee,
                 venue_order_id=order.venue_order_id or fill.venue_order_id)
