"""Clock port: the one source of "now" for a run."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Live wall-clock time or simulated time, in int64 nanoseconds since the Unix epoch (UTC).

    Contract: :meth:`now_ns` never decreases. Components never call ``time.time()`` themselves, so a
    backtest that drives a simulated clock reproduces exactly. :meth:`sleep_until` returns at once in
    simulation once the clock has reached ``ts_ns``; only the engine advances a simulated clock.
    """

    @property
    def is_simulated(self) -> bool: ...

    def now_ns(self) -> int: ...

    async def sleep_until(self, ts_ns: int) -> None: ...
