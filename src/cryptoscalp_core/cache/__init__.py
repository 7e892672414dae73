"""Cache implementations: in-process LRU (L1), Redis (L2), and the two tiered together.

:class:`RedisCache` is imported on first use, so this package works without the optional redis-py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptoscalp_core.cache.codec import get_json, set_json
from cryptoscalp_core.cache.memory import MemoryCache
from cryptoscalp_core.cache.tiered import TieredCache

if TYPE_CHECKING:
    from cryptoscalp_core.cache.redis_cache import RedisCache

__all__ = ["MemoryCache", "RedisCache", "TieredCache", "get_json", "set_json"]


def __getattr__(name: str) -> Any:
    if name == "RedisCache":
        from cryptoscalp_core.cache.redis_cache import RedisCache

        return RedisCache
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
