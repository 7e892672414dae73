"""Bybit v5 order-book frames read straight from the frame bytes, levels included (``rawlevels``).

:meth:`BybitBookFrames.scan` accepts a frame of an added topic in canonical form: a JSON object with
``topic`` before ``data``, ``type`` ``snapshot`` or ``delta``, optional integer ``ts`` and ``cts``,
``data`` an object with ``s`` (the topic's symbol), ``b`` and ``a`` (levels of exactly two strings),
integer ``u`` and optional integer ``seq``; other keys are skipped, no key may repeat, none of a reply's
(``op``, ``success``, ``ret_msg``, ``req_id``, ``conn_id``). Anything else is refused, without raising
or side effects, for a JSON decoder to handle.
"""

from typing import Any

from cryptoscalp_speedups.levels import TickScale
from cryptoscalp_speedups.rawlevels import LevelBuf

class BybitBookFrames:
    b: LevelBuf
    a: LevelBuf
    target: Any
    snapshot: bool
    ts: int  #: 0 when absent
    cts: int  #: 0 when absent
    u: int
    seq: int  #: -1 when absent

    def __init__(self) -> None: ...
    def add(self, topic: str, symbol: str, scale: TickScale, target: Any) -> None:
        """Scan frames of ``topic``, whose ``data.s`` must be ``symbol`` and prices on ``scale``'s grid;
        ``target`` is handed back (:attr:`target`) with each of its frames."""

    def scan(self, frame: bytes | str) -> bool:
        """Read ``frame``; ``True`` when it is a canonical frame of an added topic, whose fields are then
        this scanner's attributes until the next call."""
