"""In-process L1 cache: bounded LRU with per-entry TTL on a monotonic clock."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable


def check_ttl(ttl_s: float | None) -> float | None:
    """``ttl_s`` as a float, or ``None``; zero, negative or non-finite TTLs are caller bugs."""
    if ttl_s is None:
        return None
    if not math.isfinite(ttl_s) or ttl_s <= 0:
        raise ValueError(f"ttl_s must be a finite number of seconds > 0, or None; got {ttl_s!r}")
    return float(ttl_s)


def check_value(value: object) -> bytes:
    # Every level must agree on what it stores: redis-py would silently encode a str or an int.
    if type(value) is not bytes:
        raise TypeError(f"cache values are bytes (encode with msgspec), got {type(value).__name__}")
    return value


class MemoryCache:
    """A bounded, byte-valued LRU cache with per-entry expiry. All operations are O(1).

    ``max_entries`` bounds the size: setting a new key when full evicts the least recently used
    entry (a :meth:`get` hit or a :meth:`set` counts as a use). ``default_ttl_s`` applies when
    :meth:`set` is called without a TTL. Expiry uses ``clock`` (``time.monotonic``), so wall-clock
    steps never expire or revive entries; expired entries are dropped lazily, when read or evicted.
    There is no ``await`` inside any method, so each call is atomic within an event loop.
    """

    def __init__(self, max_entries: int = 10_000, default_ttl_s: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries}")
        self.max_entries = max_entries
        self.default_ttl_s = check_ttl(default_ttl_s)
        self._clock = clock
        # key -> (value, monotonic expiry time; math.inf for none)
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    def _live(self, key: str) -> tuple[bytes, float] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        return None if entry is None else entry[0]

    async def get_with_ttl(self, key: str) -> tuple[bytes | None, float | None]:
        """The value and its remaining lifetime in seconds (``None``: no expiry)."""
        entry = self._live(key)
        if entry is None:
            return None, None
        value, expires = entry
        return value, None if expires == math.inf else max(expires - self._clock(), 0.0)

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        value = check_value(value)
        ttl = check_ttl(ttl_s) if ttl_s is not None else self.default_ttl_s
        expires = math.inf if ttl is None else self._clock() + ttl
        self._entries[key] = (value, expires)
        self._entries.move_to_end(key)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        """Entries held, including expired ones not yet dropped."""
        return len(self._entries)

    def __repr__(self) -> str:
        return f"MemoryCache(max_entries={self.max_entries}, default_ttl_s={self.default_ttl_s})"
