"""The raw-string book against a plain-Python reference: a dict per side of ``ticks -> (price, size)``
texts, sorted on every query, and OKX's checksum computed with ``zlib.crc32`` over the joined string."""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_speedups.levels import LevelError, TickScale
from cryptoscalp_speedups.rawbook import CHECKSUM_DEPTH, RawBook
from hypothesis import given, settings
from hypothesis import strategies as st

TICK = Decimal("0.01")


class ReferenceBook:
    def __init__(self) -> None:
        self.sides: dict[bool, dict[int, tuple[str, str]]] = {True: {}, False: {}}

    def apply(self, bids: list[list[str]], asks: list[list[str]], snapshot: bool) -> None:
        if snapshot:
            self.sides = {True: {}, False: {}}
        for is_bid, levels in ((True, bids), (False, asks)):
            for price, size, *_ in levels:
                ticks = int(Decimal(price) / TICK)
                if float(size) == 0.0:
                    self.sides[is_bid].pop(ticks, None)
                else:
                    self.sides[is_bid][ticks] = (price, size)

    def depth(self, is_bid: bool) -> list[tuple[int, str, str]]:
        side = self.sides[is_bid]
        return [(t, *side[t]) for t in sorted(side, reverse=is_bid)]

    def checksum_string(self, depth: int = 25) -> str:
        bids, asks = self.depth(True)[:depth], self.depth(False)[:depth]
        parts = []
        for i in range(depth):
            for side in (bids, asks):
                if i < len(side):
                    parts += [side[i][1], side[i][2]]
        return ":".join(parts)

    def checksum(self) -> int:
        crc = zlib.crc32(self.checksum_string().encode())
        return crc - (1 << 32) if crc >= 1 << 31 else crc


price = st.integers(1, 400).map(lambda t: str(Decimal(t) * TICK) + "0" * (t % 3))  # venue-style zeros
size = st.sampled_from(["0", "0.0", "1", "1.50", "0.00002071", "12", "3.000"])
okx_level = st.tuples(price, size, st.just("0"), st.sampled_from(["1", "3"])).map(list)
message = st.tuples(st.booleans(), st.lists(okx_level, max_size=40), st.lists(okx_level, max_size=40))


@settings(max_examples=80, deadline=None)
@given(st.lists(message, min_size=1, max_size=12))
def test_book_and_checksum_match_the_reference(messages: list[tuple[bool, list[Any], list[Any]]]) -> None:
    book, ref = RawBook(), ReferenceBook()
    scale = TickScale(TICK)
    for snapshot, bids, asks in messages:
        rows = book.apply(bids, asks, scale, 1, 2, 0, int(snapshot), int(snapshot) | 2, 5, 5, -1)
        ref.apply(bids, asks, snapshot)
        assert len(rows) == len(bids) + len(asks)
        assert rows["price_ticks"].tolist() == [int(Decimal(p) / TICK) for p, *_ in bids + asks]
        assert rows["qty"].tolist() == [float(s) for _, s, *_ in bids + asks]
        assert book.depth(True) == ref.depth(True) and book.depth(False) == ref.depth(False)
        assert book.checksum_string() == ref.checksum_string() and book.checksum() == ref.checksum()
        assert book.checksum_string(3) == ref.checksum_string(3)
        assert len(book) == len(ref.sides[True]) + len(ref.sides[False])
        assert book.best_bid() == (max(ref.sides[True]) if ref.sides[True] else None)
        assert book.best_ask() == (min(ref.sides[False]) if ref.sides[False] else None)


def test_okx_documented_example() -> None:
    """The checksum example of OKX's v5 docs (book of 3 + 2 levels)."""
    book = RawBook()
    book.apply([["3366.8", "9", "0", "3"], ["3366.6", "3", "0", "3"], ["3366.1", "7", "0", "3"]],
               [["3366.9", "9", "0", "3"], ["3367", "2", "0", "3"]], TickScale("0.1"), 0, 0, 0, 1, 3, 1, 1, -1)
    assert book.checksum_string() == "3366.8:9:3366.9:9:3366.6:3:3367:2:3366.1:7"
    expected = zlib.crc32(b"3366.8:9:3366.9:9:3366.6:3:3367:2:3366.1:7")
    assert book.checksum() == (expected - (1 << 32) if expected >= 1 << 31 else expected)
    assert CHECKSUM_DEPTH == 25


@pytest.mark.parametrize("bad", [["1.005", "1"], ["1", "-1"], ["x", "1"], ["1"], ["1", "NaN"]])
def test_bad_level_leaves_the_book_unchanged(bad: list[str]) -> None:
    book = RawBook()
    scale = TickScale("0.01")
    book.apply([["1.00", "1"]], [["1.01", "2"]], scale, 0, 0, 0, 1, 3, 1, 1, -1)
    before = (book.depth(True), book.depth(False), book.checksum())
    for snapshot in (0, 1):
        with pytest.raises(LevelError):
            book.apply([["0.99", "1"]], [bad], scale, 0, 0, 0, snapshot, snapshot | 2, 2, 2, 1)
        assert (book.depth(True), book.depth(False), book.checksum()) == before


def test_set_level_and_clear() -> None:
    book = RawBook()
    book.set_level(True, 100, "1.00", "2", False)
    book.set_level(False, 101, "1.01", "3.0", False)
    book.set_level(True, 99, "0.99", "1", False)
    assert book.depth(True, 1) == [(100, "1.00", "2")] and book.checksum_string() == "1.00:2:1.01:3.0:0.99:1"
    book.set_level(True, 100, "1.00", "0", True)
    assert book.best_bid() == 99
    book.clear()
    assert len(book) == 0 and book.best_bid() is None and book.best_ask() is None and book.checksum_string() == ""
