"""The compiled kernels of ``cryptoscalp-speedups`` this feed uses, when installed.

``cryptoscalp_speedups.levels`` converts a depth message's decimal strings to ticks exactly (integer
digits scaled by the tick, never float rounding) and writes the BOOK_DELTA rows in one C loop. It is used
only if it passes a self-check of what this plugin relies on; otherwise the numpy path of
:mod:`cryptoscalp_exchange_binance.depth` (float levels, a millionth-of-a-tick grid test) does the job.
``cryptoscalp_speedups.eventrows`` builds the one-row TRADE/QUOTE/MARK arrays of single events (numpy's
tuple conversion costs more than the rest of the parse); used only if its dtypes are the core's.
``cryptoscalp_speedups.binanceframes`` reads a ``depthUpdate`` frame straight from its bytes with the same
conversion (no Python object per level) and ``cryptoscalp_speedups.rawlevels`` turns what it read into those
rows; a frame the scanner refuses is left to msgspec. Used only with the level kernel, and only if it
passes a self-check.
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


def _load_frames(levels: Any) -> Any:
    if levels is None:
        return None
    try:
        from cryptoscalp_speedups import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
            binanceframes,
            rawlevels,
        )

        scan = binanceframes.BinanceDepthFrames()
        scan.add("X", levels.TickScale("0.1"), "target")
        frame = (b'{"stream":"x@depth","data":{"e":"depthUpdate","E":7,"T":6,"s":"X","U":3,"u":4,"pu":2,'
                 b'"b":[["65000.10","0.5"]],"a":[["65000.2","0"]]}}')
        ok = scan.scan(frame) and scan.target == "target" and (scan.E, scan.T, scan.U, scan.u, scan.pu) == \
            (7, 6, 3, 4, 2)
        rows = rawlevels.levels_rows(scan.b, scan.a, 1, 2, 3, 0, 2, 4, 5, 6)
        ok = ok and rows["price_ticks"].tolist() == [650001, 650002] and rows["qty"].tolist() == [0.5, 0.0]
        ok = ok and not scan.scan(frame.replace(b'"0.5"]', b'"0.5",1]'))  # not a pair: msgspec's
        ok = ok and not scan.scan(frame.replace(b'"s":"X"', b'"s":"Y"'))  # not ours: msgspec's
        return (binanceframes, rawlevels) if ok else None
    except Exception:  # absent or a different kernel: msgspec decodes the frames
        return None


#: ``cryptoscalp_speedups.levels`` or ``None``
KERNEL: Any = _load_levels()
#: ``cryptoscalp_speedups.eventrows`` or ``None``
ROWS: Any = _load_rows()
_FRAMES = _load_frames(KERNEL)
#: ``cryptoscalp_speedups.binanceframes`` / ``cryptoscalp_speedups.rawlevels``, or ``None``
FRAMES: Any = _FRAMES[0] if _FRAMES else None
RAWLEVELS: Any = _FRAMES[1] if _FRAMES else None
