"""The Binance USD-M book synchronisation on hand-made messages and on the hand-made recording."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from cryptoscalp_feed_replay.binance.book_sync import BookSync
from cryptoscalp_feed_replay.binance.decode import Depth
from cryptoscalp_feed_replay.drops import DropLog

from cryptoscalp_core.domain.events import BookFlag, EventKind, Side
from cryptoscalp_core.ports.market_feed import FeedStats


def make_book() -> tuple[BookSync, FeedStats]:
    stats = FeedStats()
    return BookSync(0, "TEST", stats, DropLog(stats), max_buffer=3), stats


def diff(first: int, last: int, prev: int, *levels: tuple[int, float]) -> Depth:
    return Depth(first, last, prev, ts_event=last, bids=list(levels), asks=[])


def snap(lid: int) -> Depth:
    return Depth(lid, lid, -1, ts_event=lid, bids=[(100, 1.0)], asks=[(101, 1.0)])


def apply(rows: list[tuple[object, ...]] | np.ndarray, book: dict[tuple[int, int], float] | None = None,
          ) -> dict[tuple[int, int], float]:
    """Reference receiver: clears on the first SNAPSHOT row of a run, applies absolute quantities."""
    book = {} if book is None else book
    in_snapshot = False
    for row in rows:
        side, flags, ticks, qty = int(row[3]), int(row[4]), int(row[8]), float(row[9])  # type: ignore[call-overload]
        if flags & BookFlag.SNAPSHOT and not in_snapshot:
            book.clear()
        in_snapshot = bool(flags & BookFlag.SNAPSHOT) and not flags & BookFlag.LAST
        if qty == 0:
            book.pop((side, ticks), None)
        else:
            book[(side, ticks)] = qty
    return book


def test_diffs_before_the_snapshot_are_buffered_and_the_straddling_one_starts_the_chain() -> None:
    book, stats = make_book()
    assert book.on_diff(diff(1, 4, 0, (99, 1.0)), 10) == []  # u < lastUpdateId: dropped at sync
    assert book.on_diff(diff(5, 9, 4, (98, 2.0)), 11) == []  # straddles 7
    rows = book.on_snapshot(snap(7), 12)
    assert book.synced and book.last_u == 9 and stats.dropped == {"pre_snapshot": 1}
    assert [r[4] for r in rows] == [BookFlag.SNAPSHOT, BookFlag.SNAPSHOT | BookFlag.LAST, BookFlag.LAST]
    assert {r[1] for r in rows} == {12}, "held rows go out when the book becomes usable"
    assert rows[-1][5:8] == (5, 9, 4) and rows[0][5:8] == (7, 7, -1)


def test_snapshot_first_waits_for_the_straddling_diff() -> None:
    book, stats = make_book()
    assert book.on_snapshot(snap(7), 1) == []
    assert book.on_diff(diff(2, 6, 1), 2) == []
    rows = book.on_diff(diff(7, 8, 6, (97, 1.0)), 3)
    assert book.synced and len(rows) == 3 and stats.dropped == {"pre_snapshot": 1}


def test_gap_stops_deltas_until_the_next_snapshot_and_counts_a_resync() -> None:
    book, stats = make_book()
    book.on_snapshot(snap(7), 1)
    book.on_diff(diff(5, 9, 4), 2)
    assert book.on_diff(diff(12, 14, 11, (96, 1.0)), 3) == []  # pu 11 != 9
    assert stats.gaps == 1 and not book.synced
    assert book.on_diff(diff(15, 16, 14, (95, 1.0)), 4) == []  # buffered, not applied
    rows = book.on_snapshot(snap(15), 5)
    assert book.synced and stats.resyncs == 1 and rows[0][4] & BookFlag.SNAPSHOT
    assert book.last_u == 16 and stats.dropped.get("pre_snapshot") == 1


def test_stale_snapshot_duplicate_diff_and_buffer_limit() -> None:
    book, stats = make_book()
    book.on_diff(diff(10, 12, 9), 1)
    assert book.on_snapshot(snap(5), 2) == [] and stats.dropped == {"stale_snapshot": 1}
    for u in range(13, 16):
        book.on_diff(diff(u, u, u - 1), 3)
    assert stats.dropped["unsynced"] == 1, "the buffer keeps max_buffer diffs"
    book.on_snapshot(snap(14), 4)
    assert book.synced and book.last_u == 15
    assert book.on_diff(diff(14, 15, 13), 5) == [] and stats.dropped["stale_diff"] == 1 and stats.gaps == 0
    book.on_diff(diff(20, 21, 19), 6)
    book.finish()
    assert stats.gaps == 1 and stats.dropped["unsynced"] == 2


def test_fixture_book_matches_hand_computed_state(replay: Callable[..., object], fixtures_dir: Path) -> None:
    out = replay(path=str(fixtures_dir / "btcusdt_mini.txt"))
    deltas = out.rows(EventKind.BOOK_DELTA)  # type: ignore[attr-defined]
    assert out.stats.dropped == {"pre_snapshot": 1} and out.stats.gaps == 0  # type: ignore[attr-defined]
    assert int((deltas["flags"] & BookFlag.LAST != 0).sum()) == 5  # snapshot + 4 diffs
    bid, ask = int(Side.BUY), int(Side.SELL)
    assert apply(deltas) == {(bid, 599999): 2.5, (ask, 600001): 0.6, (ask, 600003): 5.0, (ask, 600004): 0.7}
    first_diff = deltas[deltas["flags"] & BookFlag.SNAPSHOT == 0][0]
    assert first_diff["last_seq"] == 106 and first_diff["ts_recv"] == deltas[0]["ts_recv"]
    assert (np.diff(deltas["ts_recv"]) >= 0).all()
    quotes = out.rows(EventKind.QUOTE)  # type: ignore[attr-defined]
    for quote in quotes:  # best bid/ask after the diff with the same update id equals the bookTicker
        upto = deltas[deltas["last_seq"] <= quote["seq"]]
        if len(upto) == 0 or upto["last_seq"].max() != quote["seq"]:
            continue
        levels = apply(upto)
        best_bid = max(t for s, t in levels if s == bid)
        best_ask = min(t for s, t in levels if s == ask)
        assert (best_bid, best_ask) == (round(quote["bid_price"] * 10), round(quote["ask_price"] * 10))


def test_fixture_with_a_missing_diff_reports_the_gap(replay: Callable[..., object], fixtures_dir: Path,
                                                     tmp_path: Path) -> None:
    lines = (fixtures_dir / "btcusdt_mini.txt").read_bytes().splitlines(keepends=True)
    missing = next(i for i, line in enumerate(lines) if b'"U":110,' in line)
    path = tmp_path / "btcusdt_gap.txt"
    path.write_bytes(b"".join(lines[:missing] + lines[missing + 1:]))
    out = replay(path=str(path))
    deltas = out.rows(EventKind.BOOK_DELTA)  # type: ignore[attr-defined]
    assert out.stats.gaps == 1 and out.stats.dropped["unsynced"] == 1  # type: ignore[attr-defined]
    assert deltas["last_seq"].max() == 109, "nothing after the gap is applied"
    assert out.feed.book_synced == {"binance-usdm:BTCUSDT": False}  # type: ignore[attr-defined]
