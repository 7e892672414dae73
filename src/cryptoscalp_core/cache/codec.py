"""Typed JSON helpers over any byte-valued :class:`~cryptoscalp_core.ports.cache.Cache`."""

from __future__ import annotations

import logging
from typing import TypeVar

import msgspec

from cryptoscalp_core.ports.cache import Cache

T = TypeVar("T")

log = logging.getLogger(__name__)


async def get_json(cache: Cache, key: str, type: type[T]) -> T | None:
    """The value under ``key`` decoded as ``type`` (any type msgspec supports), or ``None`` on a miss.

    A value that does not decode as ``type`` (written by another version of the code, or corrupt)
    is logged and treated as a miss: a cache is never the source of truth, so the caller refetches.
    """
    raw = await cache.get(key)
    if raw is None:
        return None
    try:
        return msgspec.json.decode(raw, type=type)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        log.warning("cache entry %r is not a valid %s, treated as a miss: %s",
                    key, getattr(type, "__name__", type), exc)
        return None


async def set_json(cache: Cache, key: str, value: object, ttl_s: float | None = None) -> None:
    """Store ``value`` (a msgspec Struct, dataclass, dict, list, scalar…) as JSON under ``key``."""
    await cache.set(key, msgspec.json.encode(value), ttl_s)
