"""An L2 book that keeps each level's ``price:size`` text as the venue sent it (OKX's checksum is defined
over those strings), fed from raw-frame level buffers or from decoded lists. Quantity 0 deletes a level;
deleting an absent level is a no-op; in one message a repeated price takes the later level."""

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_speedups.levels import TickScale
from cryptoscalp_speedups.rawlevels import LevelBuf

#: Levels per side in OKX's checksum.
CHECKSUM_DEPTH: Final[int]

class TextBook:
    def clear(self) -> None: ...
    def set_level(self, is_bid: bool, ticks: int, price: str | bytes, size: str | bytes, empty: bool) -> None:
        """Replace the level at ``ticks`` with the texts ``price``/``size`` (``empty``: delete it)."""

    def apply_levels(self, bids: LevelBuf, asks: LevelBuf, ts_event: int, ts_recv: int, instrument: int,
                     flags: int, last_flags: int, first_seq: int, last_seq: int,
                     prev_seq: int) -> npt.NDArray[np.void]:
        """One scanned message → its ``BOOK_DELTA_DTYPE`` rows (``rawlevels.levels_rows``), applied here with
        the frame's texts. ``flags`` with the SNAPSHOT bit (1) replaces the whole book. ``LevelError``
        (book unchanged) for the first refused level."""

    def apply(self, bids: list[Any], asks: list[Any], scale: TickScale, ts_event: int, ts_recv: int,
              instrument: int, flags: int, last_flags: int, first_seq: int, last_seq: int,
              prev_seq: int) -> npt.NDArray[np.void]:
        """:meth:`apply_levels` for decoded lists (``[[price, size, ...], ...]`` per side, the rules of
        ``levels.levels_to_rows``); a level given as a float keeps Python's text of it."""

    def checksum(self, depth: int = 25) -> int:
        """OKX's ``checksum``: the CRC32 (zlib/IEEE) of :meth:`checksum_string` as a signed 32-bit integer."""

    def checksum_string(self, depth: int = 25) -> str:
        """``bid1:ask1:bid2:ask2...`` over the best ``depth`` levels of each side, each ``price:size`` as
        received; the longer side continues alone."""

    def depth(self, is_bid: bool, n: int | None = None) -> list[tuple[int, str, str]]:
        """Best ``n`` levels (all when ``None`` or negative) of one side as ``(ticks, price, size)``, best
        first."""

    def best_bid(self) -> int | None: ...
    def best_ask(self) -> int | None: ...
    def __len__(self) -> int: ...
