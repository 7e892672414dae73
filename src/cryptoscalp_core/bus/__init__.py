"""EventBus implementations: in-process (:class:`MemoryBus`) and Redis Streams (:class:`RedisStreamsBus`).

:class:`RedisStreamsBus` is imported on first use, so this package works without the optional redis-py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptoscalp_core.bus.common import BusClosedError, id_order
from cryptoscalp_core.bus.memory import MemoryBus

if TYPE_CHECKING:
    from cryptoscalp_core.bus.redis_streams import RedisStreamsBus

__all__ = ["BusClosedError", "MemoryBus", "RedisStreamsBus", "id_order"]


def __getattr__(name: str) -> Any:
    if name == "RedisStreamsBus":
        from cryptoscalp_core.bus.redis_streams import RedisStreamsBus

        return RedisStreamsBus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
