"""Positions with realised and unrealised PnL, fees and funding.

Sign convention: ``qty > 0`` is long, ``qty < 0`` short. PnL is in quote currency and includes the
contract multiplier. ``realised_pnl`` is trading PnL only; ``fees`` (positive = paid) and ``funding``
(positive = received) are kept apart so a report can show each, and :attr:`Position.net_realised`
combines them.
"""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_core.domain.orders import Fill, OrderSide

ZERO = Decimal(0)


class Position:
    """Net position in one instrument. Mutable on purpose: it is updated on every fill."""

    __slots__ = ("avg_entry_price", "fees", "funding", "instrument_id", "multiplier", "qty", "realised_pnl",
                 "turnover")

    def __init__(self, instrument_id: str, multiplier: Decimal = Decimal(1)) -> None:
        self.instrument_id = instrument_id
        self.multiplier = multiplier
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
        return self.realised_pnl - self.fees + self.funding

    def unrealised_pnl(self, mark_price: Decimal) -> Decimal:
        return (mark_price - self.avg_entry_price) * self.qty * self.multiplier if self.qty else ZERO

    def total_pnl(self, mark_price: Decimal) -> Decimal:
        return self.net_realised + self.unrealised_pnl(mark_price)

    def apply_fill(self, fill: Fill) -> Decimal:
        """Update with one fill; return the trading PnL it realised (before fees)."""
        signed = fill.qty if fill.side is OrderSide.BUY else -fill.qty
        self.fees += fill.fee
        self.turnover += fill.qty * fill.price * self.multiplier
        realised = ZERO
        if self.qty == 0 or (self.qty > 0) == (signed > 0):
            new_qty = self.qty + signed
            self.avg_entry_price = (self.avg_entry_price * abs(self.qty) + fill.price * abs(signed)) / abs(new_qty)
            self.qty = new_qty
            return realised
        closing = min(abs(signed), abs(self.qty))
        direction = 1 if self.qty > 0 else -1
        realised = (fill.price - self.avg_entry_price) * closing * direction * self.multiplier
        self.realised_pnl += realised
        self.qty += signed
        if self.qty == 0:
            self.avg_entry_price = ZERO
        elif (self.qty > 0) != (direction > 0):
            self.avg_entry_price = fill.price  # flipped: the remainder opened at the fill price
        return realised

    def apply_funding(self, rate: Decimal, mark_price: Decimal) -> Decimal:
        """Apply one funding payment; positive ``rate`` means longs pay shorts. Returns the amount received."""
        amount = -self.qty * mark_price * self.multiplier * rate
        self.funding += amount
        return amount
