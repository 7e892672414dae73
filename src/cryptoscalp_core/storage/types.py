"""Column types: exact decimals on every backend.

Why decimals are stored as text rather than ``Numeric``:

* SQLite has no decimal type; SQLAlchemy's ``Numeric`` goes through a binary float there and loses digits.
* ``Numeric(p, s)`` with a fixed scale (PostgreSQL) would round any value with more than ``s`` fractional
  digits. ``Order.avg_fill_price`` is a division result carrying the full 28-digit decimal context, so it
  would be silently rounded, and every stored value would come back with ``s`` trailing zeros.
* ``str(Decimal)`` is a lossless, canonical encoding: ``Decimal(str(d))`` has the same value, sign and
  exponent as ``d`` for any finite decimal, on any backend.

The cost is that SQL cannot do arithmetic or ordering on these columns; the store never needs it (reports
load the rows into ``Decimal`` or numpy first).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator


class DecimalText(TypeDecorator[Decimal]):
    """A :class:`~decimal.Decimal` stored as its canonical string. Only finite values are accepted:
    a NaN or infinity in a price, quantity or PnL is a bug upstream and must fail loudly here."""

    impl = Text
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            # ints are exact; floats are refused because their binary value is not the decimal a user meant
            if isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
            else:
                raise TypeError(f"expected a Decimal, got {type(value).__name__} {value!r}")
        if not value.is_finite():
            raise ValueError(f"refusing to store the non-finite decimal {value}")
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"corrupt decimal in the database: {value!r}") from exc
