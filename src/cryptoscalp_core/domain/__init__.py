"""Pure trading domain: instruments, columnar events, orders, fills, positions. No I/O."""

from cryptoscalp_core.domain.errors import (
    DomainError,
    InvalidPriceError,
    InvalidQuantityError,
    MinNotionalError,
    OffGridError,
    OrderStateError,
)
from cryptoscalp_core.domain.events import (
    BOOK_DELTA_DTYPE,
    MARK_DTYPE,
    QUOTE_DTYPE,
    TRADE_DTYPE,
    BookFlag,
    EventKind,
    Side,
)
from cryptoscalp_core.domain.instrument import Instrument, Rounding, parse_instrument_id
from cryptoscalp_core.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from cryptoscalp_core.domain.positions import Position

__all__ = [
    "BOOK_DELTA_DTYPE",
    "MARK_DTYPE",
    "QUOTE_DTYPE",
    "TRADE_DTYPE",
    "BookFlag",
    "DomainError",
    "EventKind",
    "Fill",
    "Instrument",
    "InvalidPriceError",
    "InvalidQuantityError",
    "MinNotionalError",
    "OffGridError",
    "Order",
    "OrderRequest",
    "OrderSide",
    "OrderStateError",
    "OrderStatus",
    "OrderType",
    "Position",
    "Rounding",
    "Side",
    "TimeInForce",
    "parse_instrument_id",
]
