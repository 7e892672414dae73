"""Binance USD-M ``depthUpdate`` frames read straight from the frame bytes, levels included (``rawlevels``).

:meth:`BinanceDepthFrames.scan` accepts a combined-stream frame ``{"stream": str, "data": {...}}`` whose
``data`` has ``e`` ``"depthUpdate"``, an added symbol ``s`` (before ``b`` and ``a``), integer ``E``, ``U``,
``u``, ``pu`` and optional ``T``, and ``b`` / ``a`` levels of exactly two strings; other keys are skipped,
no key may repeat. Anything else is refused, without raising or side effects, for a JSON decoder to handle.
"""

from typing import Any

from cryptoscalp_speedups.levels import TickScale
from cryptoscalp_speedups.rawlevels import LevelBuf

class BinanceDepthFrames:
    b: LevelBuf
    a: LevelBuf
    target: Any
    E: int
    T: int  #: 0 when absent
    U: int
    u: int
    pu: int

    def __init__(self) -> None: ...
    def add(self, symbol: str, scale: TickScale, target: Any) -> None:
        """Scan diffs whose ``data.s`` is exactly ``symbol``, prices on ``scale``'s grid; ``target`` is handed
        back (:attr:`target`) with each of its frames."""

    def scan(self, frame: bytes | str) -> bool:
        """Read ``frame``; ``True`` when it is a canonical ``depthUpdate`` frame of an added symbol, whose fields
        are then this scanner's attributes until the next call."""
