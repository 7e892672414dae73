"""redis-py plumbing shared by the Redis cache and bus: client construction and error mapping.

Both :class:`~cryptoscalp_core.cache.RedisCache` and :class:`~cryptoscalp_core.bus.RedisStreamsBus` build
their clients here so that every network failure reaches callers as the builtin ``ConnectionError``
the ports promise, naming the URL with its password masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

# redis-py raises its own hierarchy (not the builtin ConnectionError); OSError covers socket-level
# failures that escape it, and the builtin TimeoutError is an OSError.
_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)


def make_client(url: str, *, socket_timeout_s: float | None, connect_timeout_s: float,
                retries: int) -> aioredis.Redis:
    """A lazily connecting ``redis.asyncio`` client (``from_url`` does no I/O).

    redis-py's default retry policy retries ten times with backoff up to a second, which would stall
    a hot-path cache for seconds while Redis is down, so callers choose ``retries`` explicitly.
    RESP2 is pinned because the stream replies are parsed by shape.
    """
    retry = Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.25), retries)
    client: aioredis.Redis = aioredis.from_url(
        url,
        protocol=2,
        decode_responses=False,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=connect_timeout_s,
        retry=retry,
    )
    return client


@contextmanager
def network_errors(masked_url: str) -> Iterator[None]:
    """Re-raise Redis network failures as the builtin ``ConnectionError`` naming the masked URL."""
    try:
        yield
    except _NETWORK_ERRORS as exc:
        raise ConnectionError(f"Redis at {masked_url} unreachable: {exc}") from exc
