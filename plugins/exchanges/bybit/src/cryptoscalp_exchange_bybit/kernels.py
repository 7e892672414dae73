"""The compiled kernels of ``cryptoscalp-speedups`` this feed uses, when installed.

``cryptoscalp_speedups.levels`` converts a book message's decimal strings to ticks exactly (integer
digits scaled by the tick, never float rounding), writes the BOOK_DELTA rows and applies them to the
kernel ``L2Book`` in one C call. It is used only if it passes a self-check of what this plugin relies on;
otherwise the numpy path of :mod:`cryptoscalp_exchange_bybit.book_sync` (float levels, a
millionth-of-a-tick grid test) does the job.
"""

from __future__ import annotations

from typing import Any


def _load_levels() -> Any:
    try:
        from cryptoscalp_speedups import levels  # type: ignore[import-not-found,import-untyped,unused-ignore]

        scale = levels.TickScale("0.0001")
        rows = levels.levels_to_rows([["0.5123", "120"]], [("0.5124", "0")], scale, 1, 2, 3, 0, 2, 4, 4, 3)
        ok = rows["price_ticks"].tolist() == [5123, 5124] and rows["qty"].tolist() == [120.0, 0.0]
        try:
            levels.levels_to_rows([["0.51235", "1"]], [], scale, 0, 0, 0, 0, 2, 0, 0, 0)
            ok = False
        except levels.LevelError as bad:
            ok = ok and bad.reason == "off_grid_price"
        return levels if ok else None
    except Exception:  # absent or a different kernel: the numpy path is always correct
        return None


#: ``cryptoscalp_speedups.levels`` or ``None``
LEVELS: Any = _load_levels()
