"""MemoryCache specifics: LRU bound, monotonic-clock expiry, and a model-based property test."""

from __future__ import annotations

from collections import OrderedDict

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.cache import MemoryCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_full_cache_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=3)
    for key in ("a", "b", "c"):
        await cache.set(key, key.encode())
    assert await cache.get("a") == b"a"  # a is now more recent than b
    await cache.set("d", b"d")
    assert await cache.get("b") is None
    assert [await cache.get(k) for k in ("a", "c", "d")] == [b"a", b"c", b"d"]
    assert len(cache) == 3


async def test_overwriting_refreshes_recency_without_growing() -> None:
    cache = MemoryCache(max_entries=2)
    await cache.set("a", b"1")
    await cache.set("b", b"2")
    await cache.set("a", b"3")
    await cache.set("c", b"4")
    assert await cache.get("a") == b"3"
    assert await cache.get("b") is None


async def test_expiry_follows_the_injected_monotonic_clock() -> None:
    clock = FakeClock()
    cache = MemoryCache(10, clock=clock)
    await cache.set("k", b"v", ttl_s=5)
    clock.now += 4.999
    assert await cache.get_with_ttl("k") == (b"v", pytest.approx(0.001))
    clock.now += 0.001
    assert await cache.get("k") is None
    assert len(cache) == 0  # dropped when found expired


async def test_default_ttl_applies_only_when_none_is_given() -> None:
    clock = FakeClock()
    cache = MemoryCache(10, default_ttl_s=1, clock=clock)
    await cache.set("default", b"v")
    await cache.set("explicit", b"v", ttl_s=10)
    clock.now += 2
    assert await cache.get("default") is None
    assert await cache.get("explicit") == b"v"


async def test_get_with_ttl_reports_no_expiry_as_none() -> None:
    cache = MemoryCache(10)
    await cache.set("k", b"v")
    assert await cache.get_with_ttl("k") == (b"v", None)
    assert await cache.get_with_ttl("missing") == (None, None)


async def test_wall_clock_time_is_not_used() -> None:
    # A real sleep past the TTL expires the entry under the default (monotonic) clock.
    cache = MemoryCache(10)
    await cache.set("k", b"v", ttl_s=0.05)
    await anyio.sleep(0.06)
    assert await cache.get("k") is None


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryCache(0)
    with pytest.raises(ValueError, match="ttl_s"):
        MemoryCache(10, default_ttl_s=0)


async def test_close_empties_it() -> None:
    cache = MemoryCache(10)
    await cache.set("k", b"v")
    await cache.close()
    assert len(cache) == 0


KEYS = st.sampled_from(["a", "b", "c", "d", "e", "f"])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), KEYS, st.binary(max_size=4), st.none() | st.integers(1, 5)),
        st.tuples(st.just("get"), KEYS),
        st.tuples(st.just("delete"), KEYS),
        st.tuples(st.just("tick"), st.integers(0, 3)),
    ),
    max_size=60,
)


class ReferenceLru:
    """The intended contents, computed the obvious way: recency list plus absolute expiry times."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    def get(self, key: str, now: float) -> bytes | None:
        if key not in self.entries:
            return None
        value, expires = self.entries[key]
        if expires <= now:
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        return value

    def set(self, key: str, value: bytes, ttl: int | None, now: float) -> None:
        self.entries.pop(key, None)
        self.entries[key] = (value, float("inf") if ttl is None else now + ttl)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


@settings(max_examples=200, deadline=None)
@given(max_entries=st.integers(1, 4), ops=OPS)
def test_memory_cache_matches_the_reference_model(max_entries: int, ops: list[tuple[object, ...]]) -> None:
    async def run() -> None:
        clock = FakeClock()
        cache = MemoryCache(max_entries, clock=clock)
        model = ReferenceLru(max_entries)
        for op in ops:
            if op[0] == "set":
                _, key, value, ttl = op
                await cache.set(key, value, ttl)
                model.set(key, value, ttl, clock.now)
            elif op[0] == "get":
                assert await cache.get(op[1]) == model.get(op[1], clock.now)
            elif op[0] == "delete":
                await cache.delete(op[1])
                model.entries.pop(op[1], None)
            else:
                clock.now += op[1]
            assert len(cache) <= max_entries
        for key in "abcdef":
            assert await cache.get(key) == model.get(key, clock.now)

    anyio.run(run)
