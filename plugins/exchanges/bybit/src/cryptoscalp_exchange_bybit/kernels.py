"""The compiled kernels of ``cryptoscalp-speedups`` this feed uses, when installed.

``cryptoscalp_speedups.levels`` converts a book message's decimal strings to ticks exactly (integer
digits scaled by the tick, never float rounding), writes the BOOK_DELTA rows and applies them to the
kernel ``L2Book`` in one C call. ``cryptoscalp_speedups.bybitframes`` reads a book frame straight from its
bytes with the same conversion (no Python object per level) and ``cryptoscalp_speedups.rawlevels`` turns
what it read into those rows; a frame the scanner does not recognise is left to msgspec. Each is used only
if it passes a self-check of what this plugin relies on; otherwise the numpy path of
:mod:`cryptoscalp_exchange_bybit.book_sync` (float levels, a millionth-of-a-tick grid test) does the job.
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


def _load_frames(levels: Any) -> Any:
    if levels is None:
        return None
    try:
        from cryptoscalp_speedups import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
            bybitframes,
            rawlevels,
        )

        scan = bybitframes.BybitBookFrames()
        scan.add("orderbook.50.X", "X", levels.TickScale("0.0001"), "target")
        frame = (b'{"topic":"orderbook.50.X","type":"delta","ts":7,"data":{"s":"X","b":[["0.5123","120"]],'
                 b'"a":[["0.5124","0"]],"u":4,"seq":9},"cts":6}')
        ok = scan.scan(frame) and scan.target == "target" and (scan.u, scan.ts, scan.cts) == (4, 7, 6)
        rows = rawlevels.levels_rows(scan.b, scan.a, 1, 2, 3, 0, 2, 4, 4, 3)
        ok = ok and rows["price_ticks"].tolist() == [5123, 5124] and rows["qty"].tolist() == [120.0, 0.0]
        ok = ok and not scan.scan(frame.replace(b'"0.5124","0"', b'"0.5124","0",1'))  # not a pair: msgspec's
        return (bybitframes, rawlevels) if ok else None
    except Exception:  # absent or a different kernel: msgspec decodes the frames
        return None


#: ``cryptoscalp_speedups.levels`` or ``None``
LEVELS: Any = _load_levels()
_FRAMES = _load_frames(LEVELS)
#: ``cryptoscalp_speedups.bybitframes`` / ``cryptoscalp_speedups.rawlevels``, or ``None``
FRAMES: Any = _FRAMES[0] if _FRAMES else None
RAWLEVELS: Any = _FRAMES[1] if _FRAMES else None
