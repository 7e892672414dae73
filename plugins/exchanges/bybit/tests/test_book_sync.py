"""Bybit's u-continuity rules on BookSync, and a hypothesis check against a plain dictionary book."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from cryptoscalp_exchange_bybit.book import PyL2Book, kernel_available, make_book
from cryptoscalp_exchange_bybit.book_sync import BookSync, SyncState
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.ticks import TickGrid
from cryptoscalp_exchange_bybit.wire import BookData
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, BookFlag, Side
from cryptoscalp_core.ports.market_feed import FeedStats


def new_sync() -> tuple[BookSync, FeedStats]:
    stats = FeedStats()
    return BookSync(0, "orderbook.50.BTCUSDT", TickGrid(Decimal("0.1")), stats, DropLog(stats), PyL2Book()), stats


def msg(u: int, b: list[tuple[float, float]] = (), a: list[tuple[float, float]] = ()) -> BookData:  # type: ignore[assignment]
    return BookData("BTCUSDT", list(b), list(a), u, 1)


def test_snapshot_then_contiguous_deltas() -> None:
    sync, stats = new_sync()
    rows = sync.on_message(True, msg(100, [(100.0, 1.0), (99.9, 2.0)], [(100.1, 3.0)]), 5, 6)
    assert rows is not None and sync.state is SyncState.LIVE
    assert (rows["flags"][:-1] == BookFlag.SNAPSHOT).all() and rows["flags"][-1] == BookFlag.SNAPSHOT | BookFlag.LAST
    assert rows["price_ticks"].tolist() == [1000, 999, 1001] and rows["side"].tolist() == [1, 1, -1]
    rows = sync.on_message(False, msg(101, [(100.0, 0.0)], [(100.2, 1.5)]), 7, 8)
    assert rows is not None and rows["prev_seq"].tolist() == [100, 100] and rows["flags"].tolist() == [0, 2]
    assert sync.book is not None and sync.book.levels() == ({999: 2.0}, {1001: 3.0, 1002: 1.5})
    assert stats.gaps == stats.resyncs == 0


def test_duplicate_is_dropped_not_a_gap() -> None:
    sync, stats = new_sync()
    sync.on_message(True, msg(10, [(1.0, 1.0)], [(1.1, 1.0)]), 0, 0)
    sync.on_message(False, msg(11, [(1.0, 2.0)]), 0, 0)
    assert sync.on_message(False, msg(11, [(1.0, 2.0)]), 0, 0) is None
    assert stats.dropped == {"duplicate_book_update": 1} and stats.gaps == 0 and not sync.needs_resync


def test_gap_requests_resync_and_drops_until_snapshot() -> None:
    sync, stats = new_sync()
    sync.on_message(True, msg(10, [(1.0, 1.0)], [(1.1, 1.0)]), 0, 0)
    assert sync.on_message(False, msg(12, [(1.0, 5.0)]), 0, 0) is None
    assert sync.needs_resync and sync.state is SyncState.RESYNCING and stats.gaps == 1 and stats.resyncs == 1
    sync.resubscribed()
    assert sync.on_message(False, msg(13, [(1.0, 6.0)]), 0, 0) is None
    assert stats.dropped["resyncing"] == 1
    rows = sync.on_message(True, msg(20, [(1.0, 7.0)], [(1.1, 1.0)]), 0, 0)
    assert rows is not None and sync.state is SyncState.LIVE and sync.book is not None
    assert sync.book.levels() == ({10: 7.0}, {11: 1.0})


def test_u_equal_one_is_a_fresh_snapshot_even_as_delta() -> None:
    sync, stats = new_sync()
    sync.on_message(True, msg(500, [(1.0, 1.0), (0.9, 1.0)], [(1.1, 1.0)]), 0, 0)
    rows = sync.on_message(False, msg(1, [(2.0, 1.0)], [(2.1, 1.0)]), 0, 0)
    assert rows is not None and rows["flags"][0] & BookFlag.SNAPSHOT
    assert sync.book is not None and sync.book.levels() == ({20: 1.0}, {21: 1.0}) and sync.last_u == 1
    assert stats.gaps == 0 and stats.resyncs == 1
    assert sync.on_message(False, msg(2, [(2.0, 0.0)]), 0, 0) is not None


def test_delta_before_snapshot_means_lost_snapshot() -> None:
    sync, stats = new_sync()
    assert sync.on_message(False, msg(7, [(1.0, 1.0)]), 0, 0) is None
    assert sync.needs_resync and stats.dropped["awaiting_snapshot"] == 1


def test_bad_level_is_never_applied() -> None:
    for bad, reason in (((float("nan"), 1.0), "non_finite_price"), ((-1.0, 1.0), "non_positive_price"),
                        ((1.05, 1.0), "off_grid_price"), ((1.0, -2.0), "negative_qty")):
        sync, stats = new_sync()
        sync.on_message(True, msg(1, [(1.0, 1.0)], [(1.1, 1.0)]), 0, 0)
        assert sync.on_message(False, msg(2, [bad]), 0, 0) is None
        assert stats.dropped.get(reason) == 1 and sync.needs_resync
        assert sync.book is not None and sync.book.levels() == ({10: 1.0}, {11: 1.0})


levels = st.lists(st.tuples(st.integers(1, 60), st.sampled_from([0.0, 0.5, 1.0, 2.25])), max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), levels, levels), min_size=1, max_size=25))
def test_books_agree_with_dictionary_reference(messages: list[tuple[bool, list, list]]) -> None:
    """Random snapshots/deltas with contiguous u: the sync's book (and the kernel, when installed, fed the
    emitted rows) equal a dictionary book; every emitted message ends with a LAST row."""
    sync, _ = new_sync()
    kernel = make_book(prefer_kernel=True)
    ref_b: dict[int, float] = {}
    ref_a: dict[int, float] = {}
    first = True
    for u, (snap, bids, asks) in enumerate(messages, start=2):
        snap = snap or first
        first = False
        if snap:
            # A live contract's snapshot has levels on both sides (the empty case has its own test).
            bids, asks = [*bids, (1, 1.0)], [*asks, (1, 1.0)]
        b = [(p / 10, q) for p, q in bids]
        a = [((p + 100) / 10, q) for p, q in asks]
        rows = sync.on_message(snap, msg(u, b, a), 0, 0)
        if snap:
            ref_b.clear()
            ref_a.clear()
        for book, side in ((ref_b, bids), (ref_a, [(p + 100, q) for p, q in asks])):
            for p, q in side:
                if q == 0:
                    book.pop(p, None)
                else:
                    book[p] = q
        if rows is not None:
            assert rows["flags"][-1] & BookFlag.LAST
            kernel.apply_deltas(rows)
    assert sync.book is not None
    assert sync.book.levels() == (ref_b, ref_a)
    assert kernel.levels() == (ref_b, ref_a)
    assert sync.book.best_bid() == (max(ref_b) if ref_b else None)
    assert sync.book.best_ask() == (min(ref_a) if ref_a else None)


def test_empty_snapshot_clears_the_feed_book_and_is_counted() -> None:
    sync, stats = new_sync()
    sync.on_message(True, msg(1, [(1.0, 1.0)], [(1.1, 1.0)]), 0, 0)
    assert sync.on_message(True, msg(5), 0, 0) is None
    assert sync.book is not None and sync.book.levels() == ({}, {}) and stats.dropped == {"empty_snapshot": 1}


def test_kernel_flag_reflects_install() -> None:
    rows = np.zeros(1, BOOK_DELTA_DTYPE)
    rows[0] = (0, 0, 0, int(Side.BUY), int(BookFlag.SNAPSHOT | BookFlag.LAST), 1, 1, -1, 10, 1.0)
    book = make_book()
    book.apply_deltas(rows)
    assert book.best_bid() == 10 and book.best_ask() is None
    assert (type(book).__name__ == "KernelBook") == kernel_available()
