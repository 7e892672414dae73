"""The core's row rules (``cryptoscalp_core.domain.events.valid_rows``) in one compiled pass per batch."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from cryptoscalp_speedups.micro.rows import check_rows

from cryptoscalp_core.domain.events import EventKind

_PRICES = {EventKind.TRADE: ("price",), EventKind.QUOTE: ("bid_price", "ask_price"), EventKind.MARK: ("mark_price",)}
_QTYS = {EventKind.TRADE: ("qty",), EventKind.BOOK_DELTA: ("qty",), EventKind.QUOTE: ("bid_qty", "ask_qty")}


def check_batch(kind: EventKind, rows: npt.NDArray[np.void], prev_ts_recv: int | None
                ) -> tuple[npt.NDArray[np.bool_] | None, npt.NDArray[np.int64]]:
    """``(keep mask or None when every row is good, rows dropped per rule of micro.rows.RULES)``."""
    prices = tuple(rows[c] for c in _PRICES.get(kind, ()))
    qtys = tuple(rows[c] for c in _QTYS.get(kind, ()))
    ticks = rows["price_ticks"] if kind is EventKind.BOOK_DELTA else None
    side = rows["side"] if kind in (EventKind.TRADE, EventKind.BOOK_DELTA) else None
    return check_rows(prices, ticks, qtys, kind is EventKind.TRADE, side, rows["ts_recv"], prev_ts_recv)
