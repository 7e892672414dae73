"""Errors raised by the domain layer. Each one names the offending value."""

from __future__ import annotations


class DomainError(ValueError):
    """Base class: a value that breaks a trading rule."""


class InvalidPriceError(DomainError):
    """A price that is NaN, infinite, zero or negative."""


class InvalidQuantityError(DomainError):
    """A quantity that is NaN, infinite, zero or negative."""


class OffGridError(DomainError):
    """A price or quantity that is not a whole multiple of the instrument's tick or lot size."""


class MinNotionalError(DomainError):
    """An order whose price times quantity is below the venue's minimum notional."""


class OrderStateError(DomainError):
    """An order event that the order's current status does not allow (for example a fill after a cancel)."""
