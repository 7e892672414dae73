"""The L2 book kernel on real venue data: a Binance USD-M recording and OKX books with checksums.

Binance: the replay feed's parser turns the recording into ``BOOK_DELTA`` rows (REST snapshot, then the
synchronised diffs); the kernel must hold the same book as a dict replay of those rows, report no gap,
and its best bid/ask must equal Binance's own bookTicker wherever the two share an update id.
OKX: the CRC32 of the kernel's top 25 levels must equal the checksum OKX sent with each message.
"""

from __future__ import annotations

import gzip
import itertools
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_speedups.book import BOOK_DELTA_DTYPE, L2Book

from cryptoscalp_core.domain.events import BookFlag, EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats

BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))


@pytest.fixture(scope="module")
def binance(market_data_dir: Path) -> dict[EventKind, np.ndarray]:
    from cryptoscalp_feed_replay.binance.reader import BinanceReplay
    from cryptoscalp_feed_replay.drops import DropLog

    stats = FeedStats()
    replay = BinanceReplay([BTC], "binance-usdm", stats, DropLog(stats))
    path = market_data_dir / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz"
    batches = [b for slab in replay.slabs([path], 65536) for b in slab]
    assert stats.gaps == 0
    return {kind: np.concatenate([b.rows for b in batches if b.kind is kind])
            for kind in (EventKind.BOOK_DELTA, EventKind.QUOTE)}


def dict_replay(rows: np.ndarray) -> dict[int, dict[int, float]]:
    book: dict[int, dict[int, float]] = {1: {}, -1: {}}
    fresh = True
    for side, flags, price, qty in zip(rows["side"].tolist(), rows["flags"].tolist(), rows["price_ticks"].tolist(),
                                       rows["qty"].tolist(), strict=True):
        if flags & BookFlag.SNAPSHOT and fresh:  # every Binance snapshot names both sides
            book = {1: {}, -1: {}}
        fresh = not flags & BookFlag.SNAPSHOT or bool(flags & BookFlag.LAST)
        if qty > 0:
            book[side][price] = qty
        else:
            book[side].pop(price, None)
    return book


def test_binance_recording_gives_the_reference_book(binance: dict[EventKind, np.ndarray]) -> None:
    rows = binance[EventKind.BOOK_DELTA]
    assert rows.dtype == BOOK_DELTA_DTYPE and int(rows["flags"][0]) & BookFlag.SNAPSHOT
    book = L2Book(window=4096)  # smaller than the snapshot's span: the far levels take the map path
    checkpoints = np.linspace(0, len(rows), 6).astype(int)
    for lo, hi in itertools.pairwise(checkpoints.tolist()):
        book.apply_deltas(rows[lo:hi])
        expected = dict_replay(rows[:hi])
        for side in (1, -1):
            prices, qtys = book.depth(side)
            assert dict(zip(prices.tolist(), qtys.tolist(), strict=True)) == expected[side]
            assert prices.tolist() == sorted(expected[side], reverse=side > 0)
    assert book.gaps == 0 and book.rejected == 0 and book.snapshots == 1
    assert book.last_update_id == int(rows["last_seq"][-1])
    assert book.n_levels(1) > 900 and book.n_levels(-1) > 900


def test_binance_best_levels_equal_the_book_ticker(binance: dict[EventKind, np.ndarray]) -> None:
    rows, quotes = binance[EventKind.BOOK_DELTA], binance[EventKind.QUOTE]
    top = L2Book().apply_deltas_top(rows)
    ends = np.flatnonzero((rows["flags"] & BookFlag.LAST) != 0)
    best = {int(rows["last_seq"][i]): (int(top["best_bid"][i]), int(top["best_ask"][i])) for i in ends}
    compared = 0
    for seq, bid, ask in zip(quotes["seq"].tolist(), quotes["bid_price"].tolist(), quotes["ask_price"].tolist(),
                             strict=True):
        if seq in best:
            assert best[seq] == (round(bid * 10), round(ask * 10)), f"update id {seq}"
            compared += 1
    assert compared > 500  # 629 of the 6,551 diffs share their id with a bookTicker


def test_a_missing_binance_message_is_one_gap(binance: dict[EventKind, np.ndarray]) -> None:
    rows = binance[EventKind.BOOK_DELTA]
    diffs = np.unique(rows["last_seq"][(rows["flags"] & BookFlag.SNAPSHOT) == 0])
    lost = diffs[len(diffs) // 2]
    book = L2Book()
    book.apply_deltas(rows[rows["last_seq"] != lost])
    assert book.gaps == 1


# -- OKX ----------------------------------------------------------------------------------------------------
def okx_instruments(folder: Path) -> dict[str, tuple[str, int]]:
    """instId -> (tick size, lot-size decimals), from the recorded REST instruments replies."""
    out: dict[str, tuple[str, int]] = {}
    with gzip.open(folder / "OKX.0.gz", "rt") as lines:
        for line in lines:
            if " -> " not in line:
                continue
            for item in json.loads(line.split(": ", 1)[1]).get("data", []):
                exponent = Decimal(item["lotSz"]).as_tuple().exponent
                out[item["instId"]] = (item["tickSz"], max(0, -int(exponent)))
    return out


def okx_rows(levels: list[list[str]], side: int, tick: Decimal, flags: int) -> list[tuple[int, ...]]:
    return [(0, 0, 0, side, flags, -1, -1, -1, int(Decimal(px) / tick), float(sz)) for px, sz, *_ in levels]


def test_okx_checksums_of_a_real_session(market_data_dir: Path) -> None:
    folder = market_data_dir / "okx" / "cryptofeed"
    instruments = okx_instruments(folder)
    books: dict[str, L2Book] = {}
    checked = 0
    with gzip.open(folder / "OKX.ws.1.0.gz", "rt") as lines:
        for line in lines:
            body = line.split(": ", 1)[1] if ": " in line else ""
            if '"books"' not in body or '"data"' not in body:
                continue
            message = json.loads(body)
            inst = message["arg"]["instId"]
            tick_size, qty_decimals = instruments[inst]
            book = books.setdefault(inst, L2Book())
            flags = int(BookFlag.SNAPSHOT) if message["action"] == "snapshot" else 0
            for data in message["data"]:
                rows = okx_rows(data["bids"], 1, Decimal(tick_size), flags)
                rows += okx_rows(data["asks"], -1, Decimal(tick_size), flags)
                batch = np.array(rows, dtype=BOOK_DELTA_DTYPE)
                if len(batch):
                    batch["flags"][-1] |= BookFlag.LAST
                book.apply_deltas(batch)
                assert book.okx_checksum(tick_size, qty_decimals) == data["checksum"], (inst, data["ts"])
                checked += 1
    assert checked == 290 and len(books) == 3
    assert all(book.crossed_count == 0 and book.rejected == 0 for book in books.values())


def test_okx_documented_examples(market_data_dir: Path) -> None:
    book = L2Book()
    for side, px, sz in ((1, 33661, 7), (1, 33660, 6), (-1, 33668, 9), (-1, 33680, 8)):
        book.apply(side, px, sz)
    assert book.checksum_string("0.1", 0) == "3366.1:7:3366.8:9:3366:6:3368:8"
    assert book.okx_checksum("0.1", 0) == -1881014294
    book.apply(1, 33660, 0.0)
    book.apply(-1, 33720, 8)
    assert book.okx_checksum("0.1", 0) == 831078360
    snapshot = json.loads((market_data_dir / "messages" / "okx" / "nautilus" / "ws_books_snapshot.json").read_text())
    data = snapshot["data"][0]
    book = L2Book()
    rows = np.array(okx_rows(data["bids"], 1, Decimal("0.01"), 1) + okx_rows(data["asks"], -1, Decimal("0.01"), 1),
                    dtype=BOOK_DELTA_DTYPE)
    rows["flags"][-1] |= BookFlag.LAST
    book.apply_deltas(rows)
    assert book.okx_checksum("0.01", 0) == -2102840145
    assert book.checksum_string("0.01", 0, levels=1) == "8476.97:256:8476.98:415"
