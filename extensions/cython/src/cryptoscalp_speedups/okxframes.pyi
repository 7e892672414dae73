"""OKX pushes read straight from the frame text: book levels (``rawlevels``), trades and quotes
(``okxevents``).

:meth:`OkxBookFrames.read` accepts, in canonical form, a JSON object with ``arg`` (``channel``,
``instId``) before ``data``, no key repeated and no ``event`` key, other keys skipped:

* a push of its book channel for an instrument :meth:`~OkxBookFrames.add`-ed: ``action`` ``snapshot`` or
  ``update``, ``data`` a list of exactly one object with ``bids`` and ``asks`` (levels of at least two
  strings), ``ts`` (a string of 1 to 18 digits, or an integer) and optional integer ``checksum``,
  ``seqId``, ``prevSeqId``;
* a ``trades``, ``tickers`` or ``bbo-tbt`` push of an instrument
  :meth:`~OkxBookFrames.add_instrument`-ed whose fields the row needs are plain decimal strings (digits,
  an optional point, at most 18 digits: ``float(text)``), ``ts``/``tradeId`` digit strings or integers,
  ``side`` ``buy``/``sell``, prices above 0, sizes not below 0 (above 0 for a trade): its TRADE or QUOTE
  rows, exactly those of the plugin's decoder.

Anything else is refused, without raising or side effects, for a JSON decoder to handle.
"""

from typing import Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_speedups.levels import TickScale
from cryptoscalp_speedups.rawlevels import LevelBuf

#: :meth:`OkxBookFrames.read` results (``0``: not read).
PUSH_BOOK: Final[int]
PUSH_TRADES: Final[int]
PUSH_QUOTES: Final[int]

class OkxBookFrames:
    bids: LevelBuf
    asks: LevelBuf
    inst_id: str
    snapshot: bool
    #: TRADE_DTYPE or QUOTE_DTYPE rows of the last trades/quotes push read.
    rows: npt.NDArray[np.void]

    def __init__(self, channel: str) -> None:
        """``channel``: the book channel (``books``, ``books50-l2-tbt``...)."""
    def add(self, inst_id: str, scale: TickScale) -> None:
        """Scan book pushes of ``inst_id``, whose prices are on ``scale``'s grid."""
    def add_instrument(self, inst_id: str, instrument: int) -> None:
        """Read ``trades``/``tickers``/``bbo-tbt`` pushes of ``inst_id`` into rows of ``instrument``
        (``ValueError`` outside 0..65535)."""

    @property
    def ts(self) -> int:
        """``data[0].ts`` (ms) of the last book push."""
    @property
    def seq(self) -> int | None: ...
    @property
    def prev(self) -> int | None: ...
    @property
    def checksum(self) -> int | None: ...
    def read(self, frame: str | bytes, ts_recv: int) -> int:
        """``PUSH_BOOK`` (its fields are then this scanner's attributes), ``PUSH_TRADES``/``PUSH_QUOTES``
        (:attr:`rows`, received at ``ts_recv``), or ``0`` for a frame left to the decoder."""
    def scan(self, frame: str | bytes) -> bool:
        """Whether ``frame`` is a canonical book push of an added instrument (:meth:`read` for books)."""
