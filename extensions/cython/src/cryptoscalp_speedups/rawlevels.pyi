"""Book level arrays read straight from a frame's JSON bytes: ``[["price","size",...],...]`` → rows.

The scanner reads a canonical subset of JSON: strings without escapes in printable ASCII, numbers
without exponent (at most 24 characters), nesting at most ``MAX_DEPTH`` deep. Anything else, malformed
or truncated text included, is *not canonical*: the scan gives up without raising, for the caller to
decode the frame with a full JSON decoder. Prices and sizes follow :mod:`cryptoscalp_speedups.levels`
exactly (exact ticks, ``float(text)`` sizes, the same refusal reasons); a refused value does not stop
the scan, the first refusal of a side is kept and raised as ``LevelError`` when the rows are made.
"""

from typing import Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_speedups.book import L2Book
from cryptoscalp_speedups.levels import TickScale

#: How deep a skipped value may nest before the scan gives up.
MAX_DEPTH: Final[int]

class LevelBuf:
    """The levels of one side of one message as the scanner left them; valid until the next scan that
    reuses it (its texts point into the frame, which it keeps alive)."""

    @property
    def side(self) -> int: ...
    def __len__(self) -> int: ...
    def ticks(self) -> list[int]:
        """Price of each level in ticks (meaningless from the first refused level on)."""
    def quantities(self) -> list[float]: ...
    def texts(self) -> list[tuple[str, str]]:
        """``(price, size)`` of each level exactly as the frame wrote them."""
    @property
    def refusal(self) -> tuple[str, int] | None:
        """``(reason, position)`` of the first refused level, or ``None``."""

def scan_level_array(frame: str | bytes, scale: TickScale, side: int = 1, exact_pairs: bool = False,
                     start: int = 0) -> LevelBuf | None:
    """The level array at ``frame[start:]`` (whitespace around it allowed, nothing after it), or ``None``
    when it is not canonical. Each level has at least two strings, price and size, then any values
    (exactly two strings with ``exact_pairs``). ``side`` (1 bids, -1 asks) goes into the rows."""

def levels_rows(bids: LevelBuf, asks: LevelBuf, ts_event: int, ts_recv: int, instrument: int, flags: int,
                last_flags: int, first_seq: int, last_seq: int, prev_seq: int,
                book: L2Book | None = None) -> npt.NDArray[np.void]:
    """The ``BOOK_DELTA_DTYPE`` rows of one scanned message, as ``levels.levels_to_rows`` makes them from
    the decoded lists: bids then asks, flags ``flags`` except the final row's ``last_flags``, applied to
    ``book`` row by row when given. ``LevelError`` for the first refused level (bids first), before
    anything is applied; ``ValueError`` for an instrument outside 0..65535 (unless there is no level)."""

def skip_json(frame: str | bytes, start: int = 0) -> int:
    """The position after the JSON value at ``frame[start:]`` (leading whitespace skipped), or ``-1`` when
    it is not a canonical JSON value."""
