"""The compiled kernels of ``cryptoscalp-speedups`` this feed uses, when installed.

* ``cryptoscalp_speedups.okxframes.OkxBookFrames``: reads a ``books`` push straight from the frame text,
  converting each level's decimal strings to exact ticks (the rules of ``cryptoscalp_speedups.levels``)
  without building a Python object per level, and a ``trades``/``tickers``/``bbo-tbt`` push straight to
  its TRADE/QUOTE rows; a frame it does not recognise is left to ``orjson``.
* ``cryptoscalp_speedups.textbook.TextBook``: the book of OKX's raw ``price:size`` strings (the checksum
  is defined over them), fed from the scanned frame or from decoded lists, writing the BOOK_DELTA rows in
  the same C call, and the CRC32 computed straight from the stored strings. It replaces
  :class:`~cryptoscalp_exchange_okx.book.OkxBook` plus the per-level Python loop of the book sync.
* ``cryptoscalp_speedups.eventrows``: one-row TRADE/QUOTE/MARK arrays (numpy's tuple conversion costs
  more than the rest of such a push).

Each is used only if it passes a self-check of what this plugin relies on; otherwise the pure-Python
path does the same job.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from cryptoscalp_core.domain.events import MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE

_FRAME = ('{"arg":{"channel":"books","instId":"X"},"action":"snapshot","data":[{"asks":[["8477","7","0","2"],'
          '["8478.0","0.50","0","1"]],"bids":[["8476.98","415","0","13"]],"ts":"3","checksum":%d}]}')


def _load_book() -> Any:
    try:
        from cryptoscalp_speedups import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
            levels,
            okxframes,
            textbook,
        )

        crc = zlib.crc32(b"8476.98:415:8477:7:8478.0:0.50")
        crc = crc - (1 << 32) if crc >= 1 << 31 else crc
        scan = okxframes.OkxBookFrames("books")
        scan.add("X", levels.TickScale("0.01"))
        book = textbook.TextBook()
        ok = scan.scan(_FRAME % crc) and scan.snapshot and scan.ts == 3 and scan.checksum == crc
        rows = book.apply_levels(scan.bids, scan.asks, 1, 2, 3, 1, 3, 9, 9, -1)
        ok = (ok and rows["price_ticks"].tolist() == [847698, 847700, 847800] and rows["flags"].tolist() == [1, 1, 3]
              and book.checksum() == crc and book.depth(False) == [(847700, "8477", "7"), (847800, "8478.0", "0.50")])
        ok = ok and not scan.scan(_FRAME.replace('"X"', '"Y"') % 0)  # an instrument not added: left to orjson
        scan.add_instrument("X", 7)
        trade = ('{"arg":{"channel":"trades","instId":"X"},"data":[{"instId":"X","tradeId":"9","px":"8477.5",'
                 '"sz":"0.25","side":"sell","ts":"12"}]}')
        ok = ok and scan.read(trade, 5) == okxframes.PUSH_TRADES and scan.rows.dtype == TRADE_DTYPE
        ok = ok and scan.rows.tobytes() == np.array([(12_000_000, 5, 7, -1, 9, 8477.5, 0.25)], TRADE_DTYPE).tobytes()
        try:
            book.apply([["8476.985", "1"]], [], levels.TickScale("0.01"), 0, 0, 0, 0, 2, 10, 10, 9)
            ok = False
        except ValueError as bad:
            ok = ok and getattr(bad, "reason", None) == "off_grid_price" and len(book) == 3
        return (textbook, levels, okxframes) if ok else None
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
#: ``cryptoscalp_speedups.textbook`` / ``.levels`` / ``.okxframes``, or ``None``
TEXTBOOK: Any = _BOOK[0] if _BOOK else None
LEVELS: Any = _BOOK[1] if _BOOK else None
FRAMES: Any = _BOOK[2] if _BOOK else None
#: ``cryptoscalp_speedups.eventrows`` or ``None``
ROWS: Any = _load_rows()
