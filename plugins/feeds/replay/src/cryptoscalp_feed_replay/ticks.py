"""Exact decimal-string → integer-tick conversion, fast enough for every level of every depth diff.

``Instrument.price_to_ticks`` is exact but goes through :class:`~decimal.Decimal` (microseconds per
call). A depth recording has hundreds of thousands of levels, so the common form of an exchange price,
plain ASCII digits with an optional fraction (``"61800.20"``), is converted here with integer arithmetic
only; anything else (exponents, signs) falls back to the Decimal path. Both are exact: a price that is
not a whole number of ticks is reported, never rounded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

_POW10: Final = tuple(10**k for k in range(40))
_CACHE_SIZE: Final = 1 << 16

#: Reasons :meth:`TickGrid.ticks` gives instead of a tick count.
NOT_A_NUMBER: Final = "bad_price"
NON_POSITIVE: Final = "non_positive_price"
OFF_GRID: Final = "off_grid_price"


class TickGrid:
    """Price grid of one instrument: ``tick_size`` as the exact fraction ``num / den``."""

    __slots__ = ("_cache", "_den", "_num")

    def __init__(self, tick_size: Decimal) -> None:
        if not tick_size.is_finite() or tick_size <= 0:
            raise ValueError(f"tick size must be positive, got {tick_size}")
        self._num, self._den = tick_size.as_integer_ratio()
        # Book levels repeat the same few thousand prices all day: a dict hit is ~10x cheaper than parsing.
        self._cache: dict[str, int] = {}

    def ticks(self, text: str) -> int | str:
        """Ticks of the decimal price ``text``, or a drop reason (:data:`NOT_A_NUMBER`,
        :data:`NON_POSITIVE`, :data:`OFF_GRID`)."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        result = self._parse(text)
        if type(result) is int:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = result
        return result

    def _parse(self, text: str) -> int | str:
        whole, _, frac = text.partition(".")
        if whole.isascii() and whole.isdigit() and (not frac or (frac.isascii() and frac.isdigit())) \
                and len(frac) < len(_POW10):
            value_num, value_den = int(whole + frac), _POW10[len(frac)]
        else:
            try:
                value = Decimal(text)
            except (InvalidOperation, ValueError):
                return NOT_A_NUMBER
            if not value.is_finite() or abs(value.adjusted()) > 30:
                return NOT_A_NUMBER
            value_num, value_den = value.as_integer_ratio()
        if value_num <= 0:
            return NON_POSITIVE
        # price / tick = (vn / vd) / (tn / td) = vn * td / (vd * tn), exact in integers
        ticks, rest = divmod(value_num * self._den, value_den * self._num)
        return OFF_GRID if rest else ticks
