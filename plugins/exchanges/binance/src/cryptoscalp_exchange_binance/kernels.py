"""The compiled kernels of ``cryptoscalp-speedups`` this feed uses, when installed.

``cryptoscalp_speedups.levels`` converts a depth message's decimal strings to ticks exactly (integer
digits scaled by the tick, never float rounding) and writes the BOOK_DELTA rows in one C loop. It is used
only if it passes a self-check of what this plugin relies on; otherwise the numpy path of
:mod:`cryptoscalp_exchange_binance.depth` (float levels, a millionth-of-a-tick grid test) does the job.
``cryptoscalp_speedups.eventrows`` builds the one-row TRADE/QUOTE/MARK arrays of single events (numpy's
tuple conversion costs more than the rest of the parse); used only if its dtypes are the core's.
"""

from __future__ import annotations

from typing import Any

from cryptoscalp_core.domain.events import MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE


def _load_levels() -> Any:
    try:
        from cryptoscalp_speedups import levels  # type: ignore[import-not-found,import-untyped,unused-ignore]

        scale = levels.TickScale("0.1")
        rows = levels.levels_to_rows([["65000.10", "0.5"]], [("65000.2", "0")], scale, 1, 2, 3, 0, 2, 4, 5, 6)
        ok = rows["price_ticks"].tolist() == [650001, 650002] and rows["qty"].tolist() == [0.5, 0.0]
        try:
            levels.levels_to_rows([["65000.15", "1"]], [], scale, 0, 0, 0, 0, 2, 0, 0, 0)
            ok = False
        except levels.LevelError as bad:
            ok = ok and bad.reason == "off_grid_price"
        return levels if ok else None
    except Exception:  # absent or a different kernel: the numpy path is always correct
        return None


def _load_rows() -> Any:
    try:
        from cryptoscalp_speedups import eventrows  # type: ignore[import-not-found,import-untyped,unused-ignore]

        same = (eventrows.TRADE_DTYPE == TRADE_DTYPE and eventrows.QUOTE_DTYPE == QUOTE_DTYPE
                and eventrows.MARK_DTYPE == MARK_DTYPE)
        return eventrows if same else None
    except Exception:  # absent or a different kernel: np.array is always correct
        return None


#: ``cryptoscalp_speedups.levels`` or ``None``
KERNEL: Any = _load_levels()
#: ``cryptoscalp_speedups.eventrows`` or ``None``
ROWS: Any = _load_rows()
