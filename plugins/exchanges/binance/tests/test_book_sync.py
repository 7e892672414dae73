"""The documented USD-M sync procedure on the worked example of the protocol notes."""

from __future__ import annotations

from cryptoscalp_exchange_binance.book import LocalBook
from cryptoscalp_exchange_binance.book_sync import DepthSync
from cryptoscalp_exchange_binance.depth import Depth
from cryptoscalp_exchange_binance.drops import DropLog

from cryptoscalp_core.domain.events import BookFlag
from cryptoscalp_core.ports.market_feed import FeedStats


def _diff(first: int, last: int, prev: int, bid: int = 10) -> Depth:
    return Depth(first, last, prev, 1, [bid], [1.0], [], [])


def _sync() -> tuple[DepthSync, FeedStats, list[int]]:
    stats = FeedStats()
    requests: list[int] = []
    return DepthSync(0, "X", LocalBook(), stats, DropLog(stats), requests.append), stats, requests


def test_worked_example() -> None:
    sync, stats, requests = _sync()
    assert sync.on_diff(_diff(990, 995, 980), 1) is None
    assert requests == [0]  # the stream delivers: fetch the snapshot
    assert sync.on_diff(_diff(996, 1003, 995, bid=11), 2) is None
    rows = sync.on_snapshot(Depth(1000, 1000, -1, 1, [5], [2.0], [20], [3.0]), 3)
    assert rows is not None and sync.live and sync.last_u == 1003
    assert stats.dropped == {"pre_snapshot": 1}  # (990, 995) was older than the snapshot
    flags = rows["flags"].tolist()
    assert flags == [BookFlag.SNAPSHOT, BookFlag.SNAPSHOT | BookFlag.LAST, BookFlag.LAST]
    assert rows["last_seq"].tolist() == [1000, 1000, 1003]
    assert sync.on_diff(_diff(1004, 1010, 1003), 4) is not None
    assert sync.on_diff(_diff(1015, 1020, 1012), 5) is None
    assert stats.gaps == 1 and not sync.live and requests == [0, 0]


def test_snapshot_older_than_the_stream_is_refetched() -> None:
    sync, stats, requests = _sync()
    sync.on_diff(_diff(1010, 1020, 1005), 1)
    assert sync.on_snapshot(Depth(1000, 1000, -1, 1, [5], [1.0], [], []), 2) is None
    assert stats.dropped == {"stale_snapshot": 1} and requests == [0, 0] and sync.stale_in_row == 1


def test_snapshot_ahead_of_the_stream_waits_for_the_straddling_diff() -> None:
    sync, _, _ = _sync()
    sync.on_diff(_diff(990, 995, 980), 1)
    assert sync.on_snapshot(Depth(1000, 1000, -1, 1, [5], [1.0], [], []), 2) is None
    assert not sync.live
    rows = sync.on_diff(_diff(996, 1003, 995), 3)
    assert rows is not None and sync.live and sync.last_u == 1003


def test_repeat_is_not_a_gap_and_resync_counts() -> None:
    sync, stats, _ = _sync()
    sync.on_diff(_diff(996, 1003, 995), 1)
    sync.on_snapshot(Depth(1000, 1000, -1, 1, [5], [1.0], [], []), 2)
    assert sync.on_diff(_diff(996, 1003, 995), 3) is None
    assert stats.dropped.get("duplicate") == 1 and stats.gaps == 0
    sync.on_diff(_diff(1010, 1012, 1008), 4)  # gap
    sync.on_snapshot(Depth(1011, 1011, -1, 1, [7], [1.0], [], []), 5)
    assert sync.live and stats.resyncs == 1 and sync.book.depth(1, 5) == [(10, 1.0), (7, 1.0)]
