"""Venue prices (floats decoded from decimal strings) to integer ticks of an instrument, vectorised.

A price is on the grid when ``price / tick`` is within :data:`GRID_TOLERANCE` of an integer. Decimal
strings of a few digits decode to the nearest float64, so the quotient of an on-grid price is an integer
up to ~1e-7 for books of up to a billion ticks, while an off-grid price (a digit beyond the tick) is off
by at least one hundredth of a tick for any tick with fewer than 14 decimals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

GRID_TOLERANCE: Final = 1e-6


class TickGrid:
    """Converts prices of one instrument (tick size given as a Decimal) to int64 ticks."""

    __slots__ = ("tick", "tick_size")

    def __init__(self, tick_size: Decimal) -> None:
        if tick_size <= 0:
            raise ValueError(f"tick size must be positive, got {tick_size}")
        self.tick = float(tick_size)
        self.tick_size = tick_size  # exact, for the compiled converter

    def to_ticks(self, prices: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], str | None]:
        """``(ticks, None)``, or ``(…, reason)`` naming the first rule a price breaks: ``non_finite_price``,
        ``non_positive_price`` or ``off_grid_price``."""
        with np.errstate(invalid="ignore"):
            x = prices / self.tick
            r = np.rint(x)
            if not np.isfinite(x).all():
                return r.astype(np.int64, casting="unsafe"), "non_finite_price"
            if (prices <= 0).any():
                return r.astype(np.int64), "non_positive_price"
            if (np.abs(x - r) > GRID_TOLERANCE).any():
                return r.astype(np.int64), "off_grid_price"
        return r.astype(np.int64), None

    def one(self, price: float) -> int | None:
        """Ticks of one price, or ``None`` when it is not finite, positive and on the grid."""
        if not (price > 0 and price < float("inf")):
            return None
        x = price / self.tick
        r = round(x)
        return r if abs(x - r) <= GRID_TOLERANCE else None
