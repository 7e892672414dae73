"""Positions with realised and unrealised PnL, fees and funding.

Sign convention: ``qty > 0`` is long, ``qty < 0`` short. PnL is in quote currency and includes the
contract multiplier. ``realised_pnl`` is trading PnL only; ``fees`` (positive = paid) and ``funding``
(positive = received) are kept apart so a report can show each, and :attr:`Position.net_realised`
combines them.

Cost basis is the average entry price: adding to a position re-averages it, reducing realises
``(exit - average) * closed qty * multiplier`` and keeps the average, and a fill that crosses zero first
closes the whole position and then opens the remainder at the fill price. Sums and products are exact;
the average entry price is rounded once per re-averaging to 28 significant digits.
"""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.errors import DomainError, InvalidPriceError, InvalidQuantityError
from cryptoscalp_core.domain.instrument import Number, to_decimal
from cryptoscalp_core.domain.orders import Fill, OrderSide

ZERO = Decimal(0)


class Position:
    """Net position in one instrument. Mutable on purpose: it is updated on every fill.

    A fill or funding payment that is invalid (another instrument, non-positive or non-finite price or
    quantity, NaN fee or rate) raises a :class:`DomainError` and leaves the position unchanged.
    """

    __slots__ = ("avg_entry_price", "fees", "funding", "instrument_id", "multiplier", "qty", "realised_pnl",
                 "turnover")

    def __init__(self, instrument_id: str, multiplier: Number = Decimal(1)) -> None:
        self.instrument_id = instrument_id
        self.multiplier = to_decimal(multiplier, "multiplier")
        if self.multiplier <= 0:
            raise ValueError(f"{instrument_id}: multiplier must be positive, got {self.multiplier}")
        self.qty = ZERO
        self.avg_entry_price = ZERO
        self.realised_pnl = ZERO
        self.fees = ZERO
        self.funding = ZERO
        self.turnover = ZERO

    def __repr__(self) -> str:
        return (f"Position({self.instrument_id}, qty={self.qty}, avg={self.avg_entry_price}, "
                f"realised={self.realised_pnl}, fees={self.fees}, funding={self.funding})")

    @property
    def is_flat(self) -> bool:
        return self.qty == 0

    @property
    def net_realised(self) -> Decimal:
        return _exact.add(self.realised_pnl, _exact.neg(self.fees), self.funding)

    def unrealised_pnl(self, mark_price: Number) -> Decimal:
        """PnL of the open quantity marked at ``mark_price`` (a float from a mark batch is fine)."""
        if not self.qty:
            return ZERO
        mark = _positive(mark_price, "mark price")
        return _exact.mul(_exact.sub(mark, self.avg_entry_price), self.qty, self.multiplier)

    def total_pnl(self, mark_price: Number) -> Decimal:
        return _exact.add(self.net_realised, self.unrealised_pnl(mark_price))

    def apply_fill(self, fill: Fill) -> Decimal:
        """Update with one fill; return the trading PnL it realised (before fees)."""
        if fill.instrument_id != self.instrument_id:
            raise DomainError(f"fill for {fill.instrument_id} applied to the position in {self.instrument_id}")
        price = _positive(fill.price, "fill price")
        size = to_decimal(fill.qty, "fill quantity", error=InvalidQuantityError)
        if size <= 0:
            raise InvalidQuantityError(f"fill quantity must be positive, got {size}")
        fee = to_decimal(fill.fee, "fill fee")
        # OrderSide(...) so that a side given as the plain string "buy" is not mistaken for a sell.
        signed = size if OrderSide(fill.side) is OrderSide.BUY else _exact.neg(size)

        self.fees = _exact.add(self.fees, fee)
        self.turnover = _exact.add(self.turnover, _exact.mul(size, price, self.multiplier))
        if self.qty == 0 or (self.qty > 0) == (signed > 0):
            new_qty = _exact.add(self.qty, signed)
            cost = _exact.add(_exact.mul(self.avg_entry_price, _exact.abs_(self.qty)), _exact.mul(price, size))
            self.avg_entry_price = _exact.div(cost, _exact.abs_(new_qty))
            self.qty = new_qty
            return ZERO
        closing = min(size, _exact.abs_(self.qty))
        direction = 1 if self.qty > 0 else -1
        realised = _exact.mul(_exact.sub(price, self.avg_entry_price), closing, Decimal(direction),
                              self.multiplier)
        self.realised_pnl = _exact.add(self.realised_pnl, realised)
        self.qty = _exact.add(self.qty, signed)
        if self.qty == 0:
            self.avg_entry_price = ZERO
        elif (self.qty > 0) != (direction > 0):
            self.avg_entry_price = price  # flipped: the remainder opened at the fill price
        return realised

    def apply_funding(self, rate: Number, mark_price: Number) -> Decimal:
        """Apply one funding payment; positive ``rate`` means longs pay shorts. Returns the amount received.

        ``rate`` and ``mark_price`` may be floats straight from a :data:`~.events.MARK_DTYPE` row.
        """
        r = to_decimal(rate, "funding rate")
        mark = _positive(mark_price, "mark price")
        amount = _exact.neg(_exact.mul(self.qty, mark, self.multiplier, r))
        self.funding = _exact.add(self.funding, amount)
        return amount


def _positive(value: Number, what: str) -> Decimal:
    result = to_decimal(value, what, error=InvalidPriceError)
    if result <= 0:
        raise InvalidPriceError(f"{what} must be positive, got {result}")
    return result
