"""Cache port: in-process L1 with an optional shared L2 (Redis)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Cache(Protocol):
    """A byte-valued key/value cache shared by components (and, with an L2, by processes).

    Contract:

    * Keys are strings; values are ``bytes`` (encode with msgspec/orjson; anything else raises
      ``TypeError``). ``ttl_s`` is seconds, finite and > 0 (else ``ValueError``); ``None`` applies the
      cache's configured default TTL, and without one keeps the entry until evicted or deleted.
    * :meth:`get` returns ``None`` on a miss or after expiry. With two levels it reads L1, then L2, and
      fills L1 from an L2 hit; :meth:`set` and :meth:`delete` write through to both levels. L1 copies
      live briefly (there is no cross-process invalidation), never longer than the entry itself.
    * An unreachable L2 raises ``ConnectionError`` from the call that needed it; L1 keeps working
      (a :meth:`get` answered by L1 succeeds; a failed :meth:`set` leaves the value in L1 only).
    * Methods are coroutines and safe to call from one event loop.
    """

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...
