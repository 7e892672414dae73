"""Venue book levels (decoded JSON lists) → int64 price ticks, float64 quantities and BOOK_DELTA rows.

Prices are converted exactly: the decimal digits (at most 18 significant) are read as an integer and
scaled by powers of ten against the tick size; a price that is not a whole number of ticks is refused,
never rounded. A price given as a float is read as its shortest round-trip decimal (``repr``).
Quantities are read as Python's ``float(text)`` would (correctly rounded). Every level of a message is
validated before anything is written or applied.

Refusal reasons (``LevelError.reason``): ``bad_level`` (not a list/tuple of at least two items, or the
side is not a list/tuple), ``bad_price`` (not a decimal string/bytes/float, more than 18 significant
digits, or above ``MAX_TICKS``), ``non_finite_price`` (``nan``/``inf`` in any case and sign),
``non_positive_price``, ``off_grid_price``, ``bad_qty`` (not a decimal string/bytes/float),
``non_finite_qty``, ``negative_qty`` (``-0`` is zero).
"""

from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_speedups.book import L2Book

#: A copy of ``cryptoscalp_core.domain.events.BOOK_DELTA_DTYPE`` (this package does not import the core).
BOOK_DELTA_DTYPE: Final[np.dtype[np.void]]
#: The largest price accepted, in ticks (2**62).
MAX_TICKS: Final[int]

class LevelError(ValueError):
    """``args == (reason, side, position, text)``: ``side`` 1 bids, -1 asks (0 for :meth:`TickScale.ticks`),
    ``position`` the level's index in its list (-1: the list itself), ``text`` the offending value's repr,
    cut to 40 characters."""

    @property
    def reason(self) -> str: ...

class TickScale:
    """An instrument's tick size as ``mantissa * 10**exponent``, exactly (``ValueError`` unless it is a
    positive finite decimal with a mantissa below 2**62 and an exponent in -30..18)."""

    mantissa: int
    exponent: int

    def __init__(self, tick_size: str | Decimal | int) -> None: ...
    def ticks(self, price: str | bytes | float) -> int:
        """One price → ticks; :class:`LevelError` when it is refused."""

Levels = list[Any] | tuple[Any, ...]

def parse_levels(levels: Levels, scale: TickScale, side: int = 1
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """One side's ``[[price, qty, ...], ...]`` → ``(ticks, quantities)``; ``side`` only labels errors."""

def levels_to_rows(bids: Levels, asks: Levels, scale: TickScale, ts_event: int, ts_recv: int, instrument: int,
                   flags: int, last_flags: int, first_seq: int, last_seq: int, prev_seq: int,
                   book: L2Book | None = None) -> npt.NDArray[np.void]:
    """Both sides of one book message → ``BOOK_DELTA_DTYPE`` rows, bids first (side 1) then asks (side -1),
    each row flagged ``flags`` except the final one, flagged ``last_flags``; the sequence columns as
    given. With ``book``, the rows are then applied to it one by one under the rules of
    ``L2Book.apply_deltas`` (snapshot runs, sequence tracking, counters). Nothing is applied unless every
    level is valid: :class:`LevelError` names the first bad one. ``ValueError`` for an instrument outside
    0..65535. An empty message gives an empty array."""

def apply_rows(book: L2Book, rows: npt.NDArray[np.void]) -> None:
    """``book.apply_deltas(rows)`` for a contiguous ``BOOK_DELTA_DTYPE`` array (``TypeError`` otherwise),
    without the Python-level checks of each call."""
