"""Instruments and the price/quantity grid.

Prices on the book side travel as integer ticks of :attr:`Instrument.tick_size`; quantities as integer
lots of :attr:`Instrument.lot_size` where exactness matters. Conversions are exact: a value that is not a
whole number of ticks or lots raises :class:`OffGridError` instead of being rounded silently. Rounding is
always explicit through :meth:`Instrument.round_price` and :meth:`Instrument.round_qty`.

All grid arithmetic is exact integer arithmetic, whatever the thread's :mod:`decimal` context says.
Values returned on the grid carry no trailing zeros and no positive exponent (``100``, never ``1E+2``);
use ``format(value, "f")`` to put one on the wire (``str`` of a tiny value such as ``1E-8`` is still
scientific).

Inputs (:data:`Number`) may be :class:`~decimal.Decimal`, ``str``, ``int`` (numpy integers included) or
``float`` (numpy floats included). A float is read through its shortest ``repr``, so ``0.1`` is exactly
``Decimal('0.1')``; arithmetic artefacts are *not* repaired: ``0.1 + 0.2`` is
``Decimal('0.30000000000000004')``, which is off a ``0.1`` grid (``price_to_ticks`` raises
:class:`OffGridError`) and rounds to ``0.3`` with :meth:`Instrument.round_price`. ``bool`` is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import numpy as np

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.errors import (
    DomainError,
    InvalidPriceError,
    InvalidQuantityError,
    MinNotionalError,
    OffGridError,
)

Number = Decimal | str | int | float | np.integer[Any] | np.floating[Any]

#: Grid values whose decimal exponent lies outside ``±MAX_EXPONENT`` are refused: exact integer math on
#: ``1E+999999999`` would exhaust memory, and no venue quotes anything near that.
MAX_EXPONENT = 100


class Rounding(StrEnum):
    """Direction for :meth:`Instrument.round_price` / :meth:`Instrument.round_qty`.

    ``DOWN`` is towards zero (floor, values are positive), ``UP`` away from zero (ceiling), ``NEAREST`` to
    the closest grid point with ties to the even multiple (banker's rounding).
    """

    DOWN = "down"
    UP = "up"
    NEAREST = "nearest"


def to_decimal(value: Number, what: str = "value", *,
               error: type[DomainError] = InvalidPriceError) -> Decimal:
    """Convert to a finite :class:`Decimal` without binary-float artefacts (``0.1`` stays ``0.1``).

    NaN, infinities, ``bool`` and text that is not a number raise ``error`` (a :class:`DomainError`,
    :class:`InvalidPriceError` unless told otherwise); a type that is not a number raises ``TypeError``.
    """
    result: Decimal
    if isinstance(value, bool | np.bool_):
        raise error(f"{what} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float | np.floating):
        f = float(value)
        if not math.isfinite(f):
            raise error(f"{what} must be finite, got {value!r}")
        # float.__repr__ of the float64 value: repr() of a numpy scalar reads 'np.float64(0.1)'.
        result = Decimal(float.__repr__(f))
    elif isinstance(value, int | np.integer):
        result = Decimal(int(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise error(f"{what} is not a number: {value!r}") from None
    else:
        raise TypeError(f"{what} must be a Decimal, str, int or float, got {type(value).__name__}")
    if not result.is_finite():
        raise error(f"{what} must be finite, got {value!r}")
    return result


def _ratio(value: Decimal, step: Decimal) -> tuple[int, int]:
    """``value / step`` as an exact fraction ``(numerator, denominator)`` with a positive denominator."""
    vn, vd = value.as_integer_ratio()
    sn, sd = step.as_integer_ratio()  # step > 0, so sn > 0
    return vn * sd, vd * sn


def _round_ratio(num: int, den: int, mode: Rounding) -> int:
    """Round ``num / den`` (``den > 0``) to an integer, exactly."""
    q, r = divmod(num, den)  # floor division: 0 <= r < den
    if r == 0 or mode is Rounding.DOWN:
        return q
    if mode is Rounding.UP:
        return q + 1
    twice = 2 * r
    if twice > den or (twice == den and q % 2 == 1):
        return q + 1
    return q


def _check_range(value: Decimal, what: str, error: type[DomainError]) -> Decimal:
    if value and abs(value.adjusted()) > MAX_EXPONENT:
        raise error(f"{what} {value} is out of range (|exponent| > {MAX_EXPONENT})")
    return value


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable contract on one venue.

    ``maker_fee`` and ``taker_fee`` are fractions of notional (``0.0002`` = 2 bps; a negative maker fee is
    a rebate). ``contract_multiplier`` converts one unit of quantity into base-asset units (1 for
    Binance/Bybit linear perpetuals, ``ctVal`` for OKX swaps).
    """

    venue: str
    symbol: str
    tick_size: Decimal
    lot_size: Decimal
    min_notional: Decimal = Decimal(0)
    contract_multiplier: Decimal = Decimal(1)
    maker_fee: Decimal = Decimal(0)
    taker_fee: Decimal = Decimal(0)
    base: str = ""
    quote: str = ""
    min_qty: Decimal = field(default=Decimal(0))

    def __post_init__(self) -> None:
        for name in ("tick_size", "lot_size", "min_notional", "contract_multiplier", "maker_fee",
                     "taker_fee", "min_qty"):
            value = _check_range(to_decimal(getattr(self, name), name), name, InvalidPriceError)
            object.__setattr__(self, name, value)
        if not self.venue or not self.symbol or ":" in self.venue:
            raise ValueError(f"instrument needs a venue without ':' and a symbol, got {self.venue!r}:{self.symbol!r}")
        if self.tick_size <= 0 or self.lot_size <= 0:
            raise ValueError(f"{self.id}: tick_size and lot_size must be positive")
        if self.contract_multiplier <= 0:
            raise ValueError(f"{self.id}: contract_multiplier must be positive")
        if self.min_notional < 0 or self.min_qty < 0:
            raise ValueError(f"{self.id}: min_notional and min_qty must not be negative")

    @property
    def id(self) -> str:
        """``venue:symbol``, the form profiles use (``binance-usdm:BTCUSDT``)."""
        return f"{self.venue}:{self.symbol}"

    # -- prices ------------------------------------------------------------------------------------------
    def check_price(self, price: Number) -> Decimal:
        """``price`` as a Decimal; :class:`InvalidPriceError` unless it is finite and positive."""
        value = to_decimal(price, f"{self.id} price", error=InvalidPriceError)
        if value <= 0:
            raise InvalidPriceError(f"{self.id}: price must be positive, got {value}")
        return _check_range(value, f"{self.id}: price", InvalidPriceError)

    def price_to_ticks(self, price: Number) -> int:
        """Exact conversion; raises :class:`OffGridError` when ``price`` is not on the tick grid."""
        num, den = _ratio(self.check_price(price), self.tick_size)
        ticks, rem = divmod(num, den)
        if rem:
            raise OffGridError(f"{self.id}: price {price} is not a multiple of tick size {self.tick_size}")
        return ticks

    def ticks_to_price(self, ticks: int | np.integer[Any]) -> Decimal:
        """``ticks * tick_size``, exact, in plain form. Also converts (signed) tick differences."""
        if isinstance(ticks, bool | np.bool_):
            raise TypeError("ticks must be an integer, got a bool")
        return _exact.plain(_exact.mul(self.tick_size, Decimal(int(ticks))))

    def round_price(self, price: Number, mode: Rounding | str = Rounding.NEAREST) -> Decimal:
        """``price`` rounded onto the tick grid; :class:`InvalidPriceError` if that gives zero ticks."""
        num, den = _ratio(self.check_price(price), self.tick_size)
        ticks = _round_ratio(num, den, Rounding(mode))
        if ticks <= 0:
            raise InvalidPriceError(f"{self.id}: price {price} rounds to zero ticks")
        return self.ticks_to_price(ticks)

    # -- quantities --------------------------------------------------------------------------------------
    def check_qty(self, qty: Number) -> Decimal:
        """``qty`` as a Decimal; :class:`InvalidQuantityError` unless it is finite and positive."""
        value = to_decimal(qty, f"{self.id} quantity", error=InvalidQuantityError)
        if value <= 0:
            raise InvalidQuantityError(f"{self.id}: quantity must be positive, got {value}")
        return _check_range(value, f"{self.id}: quantity", InvalidQuantityError)

    def qty_to_lots(self, qty: Number) -> int:
        """Exact conversion; raises :class:`OffGridError` when ``qty`` is not a whole number of lots."""
        num, den = _ratio(self.check_qty(qty), self.lot_size)
        lots, rem = divmod(num, den)
        if rem:
            raise OffGridError(f"{self.id}: quantity {qty} is not a multiple of lot size {self.lot_size}")
        return lots

    def lots_to_qty(self, lots: int | np.integer[Any]) -> Decimal:
        """``lots * lot_size``, exact, in plain form."""
        if isinstance(lots, bool | np.bool_):
            raise TypeError("lots must be an integer, got a bool")
        return _exact.plain(_exact.mul(self.lot_size, Decimal(int(lots))))

    def round_qty(self, qty: Number, mode: Rounding | str = Rounding.DOWN) -> Decimal:
        """``qty`` rounded onto the lot grid. Unlike :meth:`round_price` this may return ``0`` (less than
        one lot, rounded down): "nothing to trade" is a valid sizing answer, so the caller checks."""
        num, den = _ratio(self.check_qty(qty), self.lot_size)
        return self.lots_to_qty(_round_ratio(num, den, Rounding(mode)))

    # -- orders ------------------------------------------------------------------------------------------
    def notional(self, price: Number, qty: Number) -> Decimal:
        """``price * qty * contract_multiplier``, exact (signed if ``qty`` is)."""
        return _exact.mul(to_decimal(price, f"{self.id} price", error=InvalidPriceError),
                          to_decimal(qty, f"{self.id} quantity", error=InvalidQuantityError),
                          self.contract_multiplier)

    def validate_order(self, price: Number, qty: Number) -> tuple[Decimal, Decimal]:
        """Check grid, positivity, minimum quantity and minimum notional; return ``(price, qty)`` as
        Decimals in plain form."""
        p = self.ticks_to_price(self.price_to_ticks(price))
        q = self.lots_to_qty(self.qty_to_lots(qty))
        if q < self.min_qty:
            raise InvalidQuantityError(f"{self.id}: quantity {q} is below the minimum {self.min_qty}")
        notional = self.notional(p, q)
        if notional < self.min_notional:
            raise MinNotionalError(
                f"{self.id}: notional {notional} is below the venue minimum {self.min_notional}"
            )
        return p, q

    def fee(self, price: Number, qty: Number, *, maker: bool) -> Decimal:
        """Fee charged for a fill (positive = paid, negative = rebate), in quote currency.

        ``qty`` is the fill's size, always positive: a signed (sell) quantity would flip the fee's sign,
        so it is refused with :class:`InvalidQuantityError` rather than turned into a rebate.
        """
        rate = self.maker_fee if maker else self.taker_fee
        return _exact.mul(self.notional(self.check_price(price), self.check_qty(qty)), rate)


def parse_instrument_id(text: str) -> tuple[str, str]:
    """Split ``venue:SYMBOL``; raise ``ValueError`` naming the text when it has no venue part."""
    venue, sep, symbol = text.partition(":")
    if not sep or not venue or not symbol:
        raise ValueError(f"instrument id must look like 'venue:SYMBOL', got {text!r}")
    return venue, symbol
