"""Exact conversion of OKX decimal strings to integer ticks, cheap enough for every book level.

The core's :meth:`Instrument.price_to_ticks` goes through ``Decimal`` (about 2 µs a call); a busy
book message carries dozens of levels, so this keeps the same exactness with plain integer maths and a
bounded cache (prices near the touch repeat all the time).
"""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_core.domain.instrument import Instrument


class OffGridPriceError(ValueError):
    """A price string that is not a positive whole number of ticks (or not a number at all)."""


class TickParser:
    """``str`` → int ticks for one instrument's tick size; raises :class:`OffGridPriceError` for a bad price."""

    __slots__ = ("_cache", "_exp", "_limit", "_mant", "tick_size")

    def __init__(self, tick_size: Decimal, cache_limit: int = 65_536) -> None:
        sign, digits, exponent = tick_size.normalize().as_tuple()
        if sign or not isinstance(exponent, int) or tick_size <= 0:
            raise ValueError(f"tick size must be positive and finite, got {tick_size}")
        self.tick_size = tick_size
        # tick = mant * 10**-exp (exp may be negative for ticks like 10)
        self._mant = int("".join(map(str, digits)))
        self._exp = -exponent
        self._cache: dict[str, int] = {}
        self._limit = cache_limit

    @classmethod
    def for_instrument(cls, instrument: Instrument) -> TickParser:
        return cls(instrument.tick_size)

    def __call__(self, text: str) -> int:
        ticks = self._cache.get(text)
        if ticks is not None:
            return ticks
        ticks = self._convert(text)
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[text] = ticks
        return ticks

    def _convert(self, text: str) -> int:
        if type(text) is not str:
            raise OffGridPriceError(f"price {text!r} is not a string")
        whole, dot, frac = text.partition(".")
        if not whole.isdigit() or (dot and not frac.isdigit()) or not whole.isascii() or not frac.isascii():
            raise OffGridPriceError(f"price {text!r} is not a plain positive decimal")
        value = int(whole + frac)
        places = len(frac)
        # value * 10**-places / (mant * 10**-exp) = value * 10**(exp - places) / mant
        shift = self._exp - places
        if shift >= 0:
            ticks, rem = divmod(value * 10**shift, self._mant)
        else:
            ticks, rem = divmod(value, self._mant * 10**-shift)
        if rem or ticks <= 0:
            raise OffGridPriceError(f"price {text!r} is not a positive multiple of the tick size")
        return int(ticks)
