"""The replay's reader thread: slabs in order, errors handed over, bounded, and stoppable."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import anyio
import pytest
from cryptoscalp_feed_replay.read_ahead import ReadAhead


def test_slabs_arrive_in_order_then_none() -> None:
    async def main() -> list[list[int]]:
        reader = ReadAhead(iter([[i] for i in range(50)]), 2)
        got = []
        while (slab := await reader.next()) is not None:
            got.append(slab)
        assert await reader.next() is None
        reader.close()
        return got

    assert anyio.run(main) == [[i] for i in range(50)]


def test_an_error_of_the_iterator_is_raised_by_the_consumer_after_the_slabs_before_it() -> None:
    def slabs() -> Iterator[list[int]]:
        yield [1]
        raise ValueError("bad file")

    async def main() -> None:
        reader = ReadAhead(slabs(), 2)
        assert await reader.next() == [1]
        with pytest.raises(ValueError, match="bad file"):
            await reader.next()
        reader.close()

    anyio.run(main)


def test_the_reader_stays_at_most_depth_slabs_ahead_and_close_stops_it() -> None:
    produced = 0
    closed = threading.Event()

    def slabs() -> Iterator[list[int]]:
        nonlocal produced
        try:
            while True:
                produced += 1
                yield [produced]
        finally:
            closed.set()

    async def main() -> None:
        reader = ReadAhead(slabs(), 3)
        assert await reader.next() == [1]
        await anyio.sleep(0.3)
        # three slabs wait in the queue and one more is held by the reader, blocked on the full queue
        assert produced == 5
        reader.close()
        assert closed.is_set()  # the generator was closed on its own thread

    anyio.run(main)
