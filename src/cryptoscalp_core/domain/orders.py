"""Orders, fills and the order state machine.

An :class:`Order` is immutable: every venue event produces a new ``Order`` through one of the event
functions below (:func:`accept`, :func:`reject`, :func:`request_cancel`, :func:`cancel_rejected`,
:func:`cancel`, :func:`expire`, :func:`fill`), so a journal can keep each state. Quantities and prices
are :class:`~decimal.Decimal` in the instrument's units. An event that the order's status does not allow
raises :class:`OrderStateError` and leaves the order untouched.

State machine (``*`` = terminal)::

    PENDING_NEW ──▶ NEW ──▶ PARTIALLY_FILLED ──▶ FILLED*
        │  │         │            │
        │  │         ▼            ▼
        │  └────▶ PENDING_CANCEL ───▶ CANCELED* | FILLED* | EXPIRED* | REJECTED* (if never acknowledged)
        │              │   ▲
        │              └───┘  partial fill or late ack: stays, updates the status to return to
        │              └────▶ cancel rejected: back to the status before the request
        └──▶ REJECTED*
    any open status ──▶ CANCELED* (venue cancel) | EXPIRED* (IOC/FOK remainder, venue expiry)

Events, by the order's status (for ``PENDING_CANCEL`` the status it had before the request, kept in
:attr:`Order.status_before_cancel`, decides where that matters):

* :func:`accept` (venue acknowledgement): ``PENDING_NEW`` → ``NEW``; during a pending cancel of an
  unacknowledged order it stays ``PENDING_CANCEL`` and remembers ``NEW``. An acknowledgement that
  arrives after the order moved on (a fill or a cancel overtook it, or a duplicate) changes no status and
  only records a missing venue order id; after ``REJECTED`` it raises.
* :func:`reject`: only an unacknowledged order (``PENDING_NEW``, or ``PENDING_CANCEL`` from it).
* :func:`request_cancel`: ``PENDING_NEW`` / ``NEW`` / ``PARTIALLY_FILLED`` → ``PENDING_CANCEL``; a second
  request while one is pending raises.
* :func:`cancel_rejected`: ``PENDING_CANCEL`` → the status before the request (updated by fills and
  acknowledgements that raced the request).
* :func:`cancel`, :func:`expire`: any open status → ``CANCELED`` / ``EXPIRED``.
* :func:`fill`: any open status. A fill that completes the order gives ``FILLED``; a partial one gives
  ``PARTIALLY_FILLED``, except that a fill racing a cancel request keeps ``PENDING_CANCEL`` (the cancel
  is still in flight) and records ``PARTIALLY_FILLED`` as the status to return to. Fills after a terminal
  status, over-fills, and fills of another order, instrument or side raise.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import msgspec

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.errors import InvalidPriceError, InvalidQuantityError, OrderStateError
from cryptoscalp_core.domain.instrument import Instrument, to_decimal


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is OrderSide.BUY else -1


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    GTC = "gtc"  #: rests until filled or cancelled
    IOC = "ioc"  #: fills what it can at once, remainder expires
    FOK = "fok"  #: fills entirely at once or expires entirely
    POST_ONLY = "post_only"  #: rejected if any part would take liquidity (Binance GTX)


class OrderStatus(StrEnum):
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
#: The status graph: which status can follow which (a self-loop: an event that changes the order but not
#: its status; a late acknowledgement changes neither and is not an edge). The event functions add the
#: finer rules of the module docstring (for example ``PENDING_CANCEL`` → ``REJECTED`` only for an
#: order that was never acknowledged, and ``PENDING_CANCEL`` → an open status only via
#: :func:`cancel_rejected`).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.PENDING_NEW: frozenset({_S.NEW, _S.REJECTED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED,
                               _S.PENDING_CANCEL}),
    _S.NEW: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.CANCELED, _S.EXPIRED}),
    _S.PARTIALLY_FILLED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.CANCELED,
                                    _S.EXPIRED}),
    _S.PENDING_CANCEL: frozenset({_S.PENDING_CANCEL, _S.CANCELED, _S.FILLED, _S.EXPIRED, _S.REJECTED,
                                  _S.PENDING_NEW, _S.NEW, _S.PARTIALLY_FILLED}),
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
        """Check the request's shape (and its grid, minimum quantity and, for a limit order, minimum
        notional against ``instrument``); return it unchanged.

        msgspec does not type-check a struct built in Python, so the field types are checked here too:
        a ``float`` quantity or a plain string side is refused rather than half-working downstream.
        """
        cid = self.client_order_id
        if not isinstance(cid, str) or not cid:
            raise ValueError("client_order_id must be a non-empty string")
        if not isinstance(self.side, OrderSide):
            raise ValueError(f"{cid}: side must be an OrderSide, got {self.side!r}")
        if not isinstance(self.type, OrderType):
            raise ValueError(f"{cid}: type must be an OrderType, got {self.type!r}")
        if not isinstance(self.time_in_force, TimeInForce):
            raise ValueError(f"{cid}: time_in_force must be a TimeInForce, got {self.time_in_force!r}")
        if not isinstance(self.qty, Decimal):
            raise InvalidQuantityError(f"{cid}: quantity must be a Decimal, got {self.qty!r}")
        if not self.qty.is_finite() or self.qty <= 0:
            raise InvalidQuantityError(f"{cid}: quantity must be positive and finite, got {self.qty}")
        if self.type is OrderType.LIMIT:
            if self.price is None:
                raise InvalidPriceError(f"{cid}: limit order needs a price")
            if not isinstance(self.price, Decimal):
                raise InvalidPriceError(f"{cid}: price must be a Decimal, got {self.price!r}")
            if not self.price.is_finite() or self.price <= 0:
                raise InvalidPriceError(f"{cid}: limit order needs a positive finite price, got {self.price}")
        else:
            if self.price is not None:
                raise ValueError(f"{cid}: market order must not carry a price")
            if self.time_in_force is TimeInForce.POST_ONLY:
                raise ValueError(f"{cid}: a market order cannot be post-only")
        if instrument is not None:
            if instrument.id != self.instrument_id:
                raise ValueError(f"{cid}: instrument {instrument.id} != {self.instrument_id}")
            if self.price is not None:
                instrument.validate_order(self.price, self.qty)
            else:
                # No price, so no minimum-notional check; grid and minimum quantity still apply.
                instrument.qty_to_lots(self.qty)
                if self.qty < instrument.min_qty:
                    raise InvalidQuantityError(
                        f"{cid}: quantity {self.qty} is below the minimum {instrument.min_qty}"
                    )
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
    """The venue-side life of one :class:`OrderRequest`.

    ``filled_notional`` is the exact sum of price * quantity over the fills; ``avg_fill_price`` is that sum
    divided by ``filled_qty``, rounded once (so it never drifts however many fills there are).
    """

    request: OrderRequest
    status: OrderStatus = OrderStatus.PENDING_NEW
    filled_qty: Decimal = Decimal(0)
    avg_fill_price: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    venue_order_id: str = ""
    reason: str = ""
    status_before_cancel: OrderStatus | None = None
    ts_updated: int = 0
    filled_notional: Decimal = Decimal(0)

    @property
    def client_order_id(self) -> str:
        return self.request.client_order_id

    @property
    def remaining_qty(self) -> Decimal:
        return _exact.sub(self.request.qty, self.filled_qty)

    @property
    def underlying_status(self) -> OrderStatus:
        """The status without a pending cancel request: ``status_before_cancel`` while
        ``PENDING_CANCEL``, else ``status``."""
        if self.status is OrderStatus.PENDING_CANCEL and self.status_before_cancel is not None:
            return self.status_before_cancel
        return self.status


def _refuse(order: Order, event: str) -> OrderStateError:
    pending = (f" (cancel pending from {order.status_before_cancel.value})"
               if order.status is OrderStatus.PENDING_CANCEL and order.status_before_cancel else "")
    return OrderStateError(f"order {order.client_order_id}: cannot {event} in status {order.status.value}{pending}")


def _move(order: Order, status: OrderStatus, ts: int, **changes: object) -> Order:
    if status not in TRANSITIONS[order.status]:
        raise OrderStateError(
            f"order {order.client_order_id}: cannot go from {order.status.value} to {status.value}"
        )
    if status.is_terminal:
        changes.setdefault("status_before_cancel", None)
    return msgspec.structs.replace(order, status=status, ts_updated=ts, **changes)


_OPEN_UNACKED = frozenset({OrderStatus.PENDING_NEW})
_CANCELLABLE = frozenset({OrderStatus.PENDING_NEW, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


def accept(order: Order, venue_order_id: str = "", ts: int = 0) -> Order:
    """The venue acknowledged the order (see the module docstring for late and duplicate acks)."""
    vid = order.venue_order_id or venue_order_id
    if order.status is OrderStatus.PENDING_NEW:
        return _move(order, OrderStatus.NEW, ts, venue_order_id=vid)
    if order.status is OrderStatus.PENDING_CANCEL and order.status_before_cancel is OrderStatus.PENDING_NEW:
        # The ack raced our cancel request: the request is still in flight; if it is refused the order
        # goes back to NEW, not to PENDING_NEW.
        return msgspec.structs.replace(order, status_before_cancel=OrderStatus.NEW, venue_order_id=vid,
                                       ts_updated=ts)
    if order.status is OrderStatus.REJECTED:
        raise _refuse(order, "accept")
    # Late or duplicate ack: a fill or a cancel overtook it. The status already says more.
    if vid != order.venue_order_id:
        return msgspec.structs.replace(order, venue_order_id=vid)
    return order


def reject(order: Order, reason: str, ts: int = 0) -> Order:
    """The venue refused the order; only an order it never acknowledged can be rejected."""
    if order.underlying_status not in _OPEN_UNACKED or order.status.is_terminal:
        raise _refuse(order, "reject")
    return _move(order, OrderStatus.REJECTED, ts, reason=reason)


def request_cancel(order: Order, ts: int = 0) -> Order:
    """We sent a cancel request; the order waits in ``PENDING_CANCEL`` for the venue's answer."""
    if order.status not in _CANCELLABLE:
        raise _refuse(order, "request a cancel")
    return _move(order, OrderStatus.PENDING_CANCEL, ts, status_before_cancel=order.status)


def cancel_rejected(order: Order, reason: str, ts: int = 0) -> Order:
    """The venue refused our cancel request: back to the status the order would have without it."""
    if order.status is not OrderStatus.PENDING_CANCEL or order.status_before_cancel is None:
        raise OrderStateError(f"order {order.client_order_id}: no cancel request is pending")
    return _move(order, order.status_before_cancel, ts, reason=reason, status_before_cancel=None)


def cancel(order: Order, ts: int = 0, reason: str = "") -> Order:
    """The venue cancelled the order (our request or its own decision)."""
    if order.status.is_terminal:
        raise _refuse(order, "cancel")
    return _move(order, OrderStatus.CANCELED, ts, reason=reason)


def expire(order: Order, ts: int = 0, reason: str = "") -> Order:
    """The venue expired the order or its remainder (IOC/FOK, GTD, post-only that would cross on Binance)."""
    if order.status.is_terminal:
        raise _refuse(order, "expire")
    return _move(order, OrderStatus.EXPIRED, ts, reason=reason)


def fill(order: Order, fill: Fill) -> Order:
    """Apply one execution; refuses over-fills, wrong orders and fills after a terminal state."""
    cid = order.client_order_id
    if fill.client_order_id != cid:
        raise OrderStateError(f"fill for {fill.client_order_id} applied to order {cid}")
    if fill.instrument_id != order.request.instrument_id:
        raise OrderStateError(f"order {cid}: fill for instrument {fill.instrument_id}, "
                              f"order is for {order.request.instrument_id}")
    if fill.side != order.request.side:
        raise OrderStateError(f"order {cid}: {fill.side} fill for a {order.request.side} order")
    if order.status.is_terminal:
        raise _refuse(order, "fill")
    price = to_decimal(fill.price, f"order {cid}: fill price", error=OrderStateError)
    qty = to_decimal(fill.qty, f"order {cid}: fill quantity", error=OrderStateError)
    fee = to_decimal(fill.fee, f"order {cid}: fill fee", error=OrderStateError)
    if qty <= 0 or price <= 0:
        raise OrderStateError(f"order {cid}: fill needs positive price and quantity, got {qty} @ {price}")
    new_filled = _exact.add(order.filled_qty, qty)
    if new_filled > order.request.qty:
        raise OrderStateError(f"order {cid}: fill of {qty} exceeds remaining {order.remaining_qty}")
    base = order.filled_notional
    if not base and order.filled_qty:
        # An Order built without filled_notional (a journal row from before the field existed): recover
        # it from the average, which is the best that is known.
        base = _exact.mul(order.avg_fill_price, order.filled_qty)
    notional = _exact.add(base, _exact.mul(price, qty))
    changes: dict[str, object] = {
        "filled_qty": new_filled,
        "filled_notional": notional,
        "avg_fill_price": _exact.div(notional, new_filled),
        "fees": _exact.add(order.fees, fee),
        "venue_order_id": order.venue_order_id or fill.venue_order_id,
    }
    complete = new_filled == order.request.qty
    if order.status is OrderStatus.PENDING_CANCEL and not complete:
        # The cancel request is still in flight; stay PENDING_CANCEL but remember the fill, so a refused
        # cancel returns the order to PARTIALLY_FILLED.
        return _move(order, OrderStatus.PENDING_CANCEL, fill.ts_recv,
                     status_before_cancel=OrderStatus.PARTIALLY_FILLED, **changes)
    status = OrderStatus.FILLED if complete else OrderStatus.PARTIALLY_FILLED
    return _move(order, status, fill.ts_recv, **changes)
