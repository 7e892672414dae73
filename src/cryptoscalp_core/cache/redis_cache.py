"""L2 cache shared by processes: Redis strings under a key prefix, expiry via ``SET ... PX``."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import redis.asyncio as aioredis

from cryptoscalp_core.cache.memory import check_ttl, check_value
from cryptoscalp_core.cache.redis_client import make_client, network_errors
from cryptoscalp_core.cache.redis_config import DEFAULT_REDIS_URL, mask_url


def _ttl_ms(ttl_s: float) -> int:
    # PX takes whole milliseconds > 0; rounding up never expires an entry early.
    return max(1, math.ceil(ttl_s * 1000))


class RedisCache:
    """A byte-valued cache in Redis; keys are stored as ``prefix + key``.

    Connection is lazy (first command). Network failures raise the builtin ``ConnectionError``
    naming the URL with its password masked. After a failure the cache fails fast for
    ``retry_after_s`` without touching the network, so a dead Redis costs callers one
    refused (or timed-out) connection per window instead of one per call.
    """

    def __init__(self, url: str = DEFAULT_REDIS_URL, *, prefix: str = "cryptoscalp:",
                 default_ttl_s: float | None = None, timeout_s: float = 1.0,
                 retry_after_s: float = 1.0, client: aioredis.Redis | None = None) -> None:
        self.prefix = prefix
        self.default_ttl_s = check_ttl(default_ttl_s)
        self.retry_after_s = retry_after_s
        self._where = mask_url(url)
        self._redis = client if client is not None else make_client(
            url, socket_timeout_s=timeout_s, connect_timeout_s=timeout_s, retries=1)
        self._down_until = 0.0
        self._last_error = ""

    @contextmanager
    def _io(self) -> Iterator[None]:
        if time.monotonic() < self._down_until:
            raise ConnectionError(f"Redis at {self._where} unreachable (failing fast for "
                                  f"{self.retry_after_s:g} s after: {self._last_error})")
        try:
            with network_errors(self._where):
                yield
        except ConnectionError as exc:
            self._last_error = str(exc)
            self._down_until = time.monotonic() + self.retry_after_s
            raise

    async def get(self, key: str) -> bytes | None:
        with self._io():
            value = await self._redis.get(self.prefix + key)
        return cast(bytes | None, value)

    async def get_with_ttl(self, key: str) -> tuple[bytes | None, float | None]:
        """The value and its remaining lifetime in seconds (``None``: no expiry), in one round trip."""
        with self._io():
            pipe = self._redis.pipeline(transaction=False)
            pipe.get(self.prefix + key)
            pipe.pttl(self.prefix + key)
            value, pttl = await pipe.execute()
        if value is None or pttl == -2:  # -2: expired between GET and PTTL
            return None, None
        return value, None if pttl < 0 else pttl / 1000

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        value = check_value(value)
        ttl = check_ttl(ttl_s) if ttl_s is not None else self.default_ttl_s
        with self._io():
            await self._redis.set(self.prefix + key, value, px=None if ttl is None else _ttl_ms(ttl))

    async def delete(self, key: str) -> None:
        with self._io():
            await self._redis.delete(self.prefix + key)

    async def close(self) -> None:
        await self._redis.aclose()

    def __repr__(self) -> str:
        return f"RedisCache({self._where!r}, prefix={self.prefix!r})"
