"""Decimal text → exact price ticks and correctly rounded sizes, on raw bytes (the rules of
:mod:`cryptoscalp_speedups.levels`, shared by the raw-frame scanners through their C interface)."""

def read(text: bytes, tick_mantissa: int = 1, tick_exponent: int = 0) -> tuple[int | str, float | str]:
    """``text`` read as a price on the grid ``tick_mantissa * 10**tick_exponent`` (its ticks, or the refusal
    reason of ``levels.LevelError``: ``bad_price``, ``non_finite_price``, ``non_positive_price``,
    ``off_grid_price``) and as a size (``float(text)``, or ``bad_qty``, ``non_finite_qty``,
    ``negative_qty``)."""
