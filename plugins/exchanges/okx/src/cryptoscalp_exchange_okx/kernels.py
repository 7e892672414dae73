"""The compiled kernels of ``cryptoscalp-speedups`` this feed uses, when installed.

* ``cryptoscalp_speedups.rawbook.RawBook``: the book of OKX's raw level strings (the checksum is defined
  over them) with the exact decimal-string → tick conversion of ``cryptoscalp_speedups.levels`` and the
  BOOK_DELTA rows written in one C loop, and the CRC32 fed straight from the stored strings. It replaces
  :class:`~cryptoscalp_exchange_okx.book.OkxBook` plus the per-level Python loop of the book sync.
* ``cryptoscalp_speedups.eventrows``: one-row TRADE/QUOTE/MARK arrays (numpy's tuple conversion costs
  more than the rest of such a push).

Each is used only if it passes a self-check of what this plugin relies on; otherwise the pure-Python
path does the same job.
"""

from __future__ import annotations

import zlib
from typing import Any

from cryptoscalp_core.domain.events import MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE


def _load_book() -> Any:
    try:
        from cryptoscalp_speedups import levels, rawbook  # type: ignore[import-not-found,import-untyped,unused-ignore]

        book = rawbook.RawBook()
        rows = book.apply([["8476.98", "415", "0", "13"]], [["8477", "7", "0", "2"], ["8478.0", "0.50", "0", "1"]],
                          levels.TickScale("0.01"), 1, 2, 3, 1, 3, 9, 9, -1)
        crc = zlib.crc32(b"8476.98:415:8477:7:8478.0:0.50")
        ok = (rows["price_ticks"].tolist() == [847698, 847700, 847800] and rows["flags"].tolist() == [1, 1, 3]
              and book.checksum() == (crc - (1 << 32) if crc >= 1 << 31 else crc)
              and book.depth(False) == [(847700, "8477", "7"), (847800, "8478.0", "0.50")])
        try:
            book.apply([["8476.985", "1"]], [], levels.TickScale("0.01"), 0, 0, 0, 0, 2, 10, 10, 9)
            ok = False
        except ValueError as bad:
            ok = ok and getattr(bad, "reason", None) == "off_grid_price" and len(book) == 3
        return (rawbook, levels) if ok else None
    except Exception:  # absent or a different kernel: the Python book is always correct
        return None


def _load_rows() -> Any:
    try:
        from cryptoscalp_speedups import eventrows  # type: ignore[import-not-found,import-untyped,unused-ignore]

        same = (eventrows.TRADE_DTYPE == TRADE_DTYPE and eventrows.QUOTE_DTYPE == QUOTE_DTYPE
                and eventrows.MARK_DTYPE == MARK_DTYPE)
        return eventrows if same else None
    except Exception:  # absent or a different kernel: np.array is always correct
        return None


_BOOK = _load_book()
#: ``cryptoscalp_speedups.rawbook`` / ``cryptoscalp_speedups.levels``, or ``None``
RAWBOOK: Any = _BOOK[0] if _BOOK else None
LEVELS: Any = _BOOK[1] if _BOOK else None
#: ``cryptoscalp_speedups.eventrows`` or ``None``
ROWS: Any = _load_rows()
