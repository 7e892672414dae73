"""Two-level cache: an in-process L1 in front of a shared L2 (Redis)."""

from __future__ import annotations

from typing import Protocol

from cryptoscalp_core.cache.memory import MemoryCache, check_ttl
from cryptoscalp_core.ports.cache import Cache


class ExpiringCache(Cache, Protocol):
    """An L2 that can say how long a value has left, so an L1 copy never outlives it."""

    async def get_with_ttl(self, key: str) -> tuple[bytes | None, float | None]: ...


class TieredCache:
    """Reads L1 then L2 (filling L1 on an L2 hit); writes and deletes go through to both.

    There is no cross-process invalidation: a value another process changes in L2 may be served
    from this process's L1 for up to ``l1_ttl_s``, which is therefore kept short (about a second).
    Every L1 copy lives at most ``min(l1_ttl_s, the entry's remaining TTL)``.

    With L2 unreachable, :meth:`get` still answers from L1 and raises ``ConnectionError`` only on
    an L1 miss; :meth:`set` stores the value in L1 (short TTL) and then raises; :meth:`delete`
    removes the L1 copy and then raises.
    """

    def __init__(self, l1: MemoryCache, l2: ExpiringCache, *, l1_ttl_s: float = 1.0,
                 default_ttl_s: float | None = None) -> None:
        l1_ttl = check_ttl(l1_ttl_s)
        if l1_ttl is None:
            raise ValueError("l1_ttl_s is required: L1 copies must expire to pick up other processes' writes")
        self.l1, self.l2 = l1, l2
        self.l1_ttl_s = l1_ttl
        self.default_ttl_s = check_ttl(default_ttl_s)
        # Bumped by every local write: a read-through that awaited L2 across a local write must not
        # put the older L2 value into L1 over the newer one.
        self._writes = 0

    def _l1_ttl(self, remaining_s: float | None) -> float:
        return self.l1_ttl_s if remaining_s is None else min(self.l1_ttl_s, remaining_s)

    async def get(self, key: str) -> bytes | None:
        value = await self.l1.get(key)
        if value is not None:
            return value
        writes = self._writes
        value, remaining = await self.l2.get_with_ttl(key)
        if value is not None and writes == self._writes and (remaining is None or remaining > 0):
            await self.l1.set(key, value, self._l1_ttl(remaining))
        return value

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        ttl = check_ttl(ttl_s) if ttl_s is not None else self.default_ttl_s
        self._writes += 1
        await self.l1.set(key, value, self._l1_ttl(ttl))
        await self.l2.set(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._writes += 1
        await self.l1.delete(key)
        await self.l2.delete(key)

    async def close(self) -> None:
        try:
            await self.l2.close()
        finally:
            await self.l1.close()

    def __repr__(self) -> str:
        return f"TieredCache({self.l1!r}, {self.l2!r}, l1_ttl_s={self.l1_ttl_s:g})"
