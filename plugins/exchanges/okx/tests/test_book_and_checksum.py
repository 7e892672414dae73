"""Checksum vectors from OKX's docs, and the book, tick parser and sequencing against plain references."""

from __future__ import annotations

import zlib
from decimal import Decimal

import pytest
from cryptoscalp_exchange_okx.book import OkxBook
from cryptoscalp_exchange_okx.book_sync import BookState, BookSync
from cryptoscalp_exchange_okx.checksum import checksum_string, okx_checksum
from cryptoscalp_exchange_okx.prices import OffGridPriceError, TickParser
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import BookFlag
from cryptoscalp_core.ports.market_feed import FeedStats


@pytest.mark.parametrize(("bids", "asks", "expected"), [
    ([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")], -1881014294),
    ([("3366.1", "7")], [("3366.8", "9"), ("3368", "8"), ("3372", "8")], 831078360),
    ([("43231.1", "4"), ("43231", "6")], [("43232.8", "9"), ("43232.9", "8")], -1504501796),
])
def test_documented_checksums(bids, asks, expected) -> None:
    assert okx_checksum(bids, asks) == expected


def test_checksum_uses_raw_strings_and_25_levels() -> None:
    bids = [(f"{100 - i}.0", "1.50") for i in range(30)]
    asks = [(f"{101 + i}.0", "2") for i in range(3)]
    text = checksum_string(bids, asks)
    assert text.startswith("100.0:1.50:101.0:2:99.0:1.50:102.0:2:98.0:1.50:103.0:2:97.0:1.50")
    assert text.count(":") == 2 * (25 + 3) - 1
    crc = zlib.crc32(text.encode())
    assert okx_checksum(bids, asks) == (crc - 2**32 if crc >= 2**31 else crc)
    assert okx_checksum(bids, asks) != okx_checksum([(p, "1.5") for p, _ in bids], asks)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 60), st.sampled_from(["0", "1", "2.5", "0.010", "7"])),
                max_size=120))
def test_book_matches_dict_reference(ops) -> None:
    book = OkxBook()
    ref: dict[bool, dict[int, str]] = {True: {}, False: {}}
    for is_bid, ticks, size in ops:
        book.set_level(is_bid, ticks, f"{ticks}.0", size, size == "0")
        if size == "0":
            ref[is_bid].pop(ticks, None)
        else:
            ref[is_bid][ticks] = size
    assert [(t, s) for t, _, s in book.depth(True)] == sorted(ref[True].items(), reverse=True)
    assert [(t, s) for t, _, s in book.depth(False)] == sorted(ref[False].items())
    assert book.best_bid() == (max(ref[True]) if ref[True] else None)
    assert book.best_ask() == (min(ref[False]) if ref[False] else None)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1e9"), places=8),
       st.sampled_from(["0.1", "0.01", "0.00001", "1", "5", "10", "0.5", "0.25"]))
def test_tick_parser_agrees_with_decimal(value: Decimal, tick: str) -> None:
    parse = TickParser(Decimal(tick))
    text = format(value.normalize(), "f")
    ratio = value / Decimal(tick)
    if ratio == ratio.to_integral_value() and ratio > 0:
        assert parse(text) == int(ratio)
        assert parse(text + "000" if "." in text else text + ".000") == int(ratio)  # trailing zeros
    else:
        with pytest.raises(OffGridPriceError):
            parse(text)


@pytest.mark.parametrize("text", ["", "-1", "1e5", "nan", "0", "0.00", "1.2.3", " 1", "١٢", "+5"])
def test_tick_parser_refuses_non_prices(text: str) -> None:
    with pytest.raises(OffGridPriceError):
        TickParser(Decimal("0.1"))(text)


def _sync(verify: bool = True) -> tuple[BookSync, FeedStats]:
    stats = FeedStats()
    return BookSync("BTC-USDT-SWAP", 0, TickParser(Decimal("0.1")), stats, verify_checksum=verify), stats


def _item(seq, prev, bids=(), asks=(), checksum=0):
    return {"bids": [[*b, "0", "1"] for b in bids], "asks": [[*a, "0", "1"] for a in asks],
            "ts": "1597026383085", "checksum": checksum, "seqId": seq, "prevSeqId": prev}


def test_documented_sequence_heartbeat_and_reset() -> None:
    """Docs: snapshot (prev -1, seq 10) → (10, 15) → (15, 15 no change) → (15, 3 reset) → (3, 5)."""
    sync, stats = _sync()
    snap = sync.on_message("snapshot", _item(10, -1, [("100.0", "1")], [("100.5", "2")]), 1)
    assert snap is not None and list(snap["flags"]) == [BookFlag.SNAPSHOT, BookFlag.SNAPSHOT | BookFlag.LAST]
    assert list(snap["price_ticks"]) == [1000, 1005] and list(snap["last_seq"]) == [10, 10]
    upd = sync.on_message("update", _item(15, 10, [("100.1", "3")]), 2)
    assert upd is not None and list(upd["flags"]) == [BookFlag.LAST] and list(upd["prev_seq"]) == [10]
    assert sync.on_message("update", _item(15, 15), 3) is None  # heartbeat: nothing to emit
    assert sync.on_message("update", _item(3, 15, asks=[("100.5", "0")]), 4) is not None  # reset
    assert sync.on_message("update", _item(5, 3, bids=[("99.9", "1")]), 5) is not None
    assert stats.gaps == 0 and not stats.dropped and sync.state is BookState.LIVE
    assert [t for t, _, _ in sync.book.depth(True)] == [1001, 1000, 999] and sync.book.depth(False) == []


def test_gap_duplicate_and_checksum_rules() -> None:
    sync, stats = _sync()
    sync.on_message("snapshot", _item(10, -1, [("100.0", "1")], [("100.5", "2")]), 1)
    sync.on_message("update", _item(12, 10, [("100.1", "1")]), 2)
    assert sync.on_message("update", _item(12, 10, [("100.1", "1")]), 3) is None  # duplicate
    assert stats.dropped == {"duplicate": 1} and sync.state is BookState.LIVE
    good = okx_checksum([("100.2", "1"), ("100.1", "1"), ("100.0", "1")], [("100.5", "2")])
    assert sync.on_message("update", _item(13, 12, [("100.2", "1")], checksum=good), 4) is not None
    assert sync.on_message("update", _item(14, 13, [("100.3", "1")], checksum=good), 5) is None  # wrong CRC
    assert stats.gaps == 1 and stats.dropped["checksum_mismatch"] == 1 and sync.wants_resubscribe
    assert sync.on_message("update", _item(15, 14), 6) is None and stats.dropped["unsynced"] == 1
    assert sync.on_message("snapshot", _item(20, -1, [("100.0", "1")]), 7) is not None
    assert stats.resyncs == 1 and sync.state is BookState.LIVE
    assert sync.on_message("update", _item(25, 21), 8) is None  # prevSeqId 21 != 20: a gap
    assert stats.gaps == 2 and stats.dropped["sequence_gap"] == 1


def test_checksum_verification_can_be_switched_off() -> None:
    sync, stats = _sync(verify=False)
    assert sync.on_message("snapshot", _item(1, -1, [("100.0", "1")], checksum=12345), 1) is not None
    assert stats.gaps == 0 and sync.checksums == 0


@pytest.mark.parametrize("level", [("100.05", "1"), ("-100", "1"), ("100.0", "-1"), ("100.0", "nan"),
                                   ("100.0", "inf"), ("abc", "1")])
def test_bad_level_resyncs(level) -> None:
    sync, stats = _sync()
    sync.on_message("snapshot", _item(1, -1, [("100.0", "1")]), 1)
    assert sync.on_message("update", _item(2, 1, [level]), 2) is None
    assert stats.gaps == 1 and stats.dropped["malformed"] == 1 and sync.wants_resubscribe
