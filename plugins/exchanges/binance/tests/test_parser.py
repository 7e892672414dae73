"""The frame parser: real message shapes decode to the values in them; fuzzed frames never raise and
every frame that yields nothing is counted."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from cryptoscalp_exchange_binance import StreamParser
from cryptoscalp_exchange_binance.drops import DropLog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, Side, valid_rows
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats

BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
TICK = Decimal("0.1")


def _parser() -> tuple[StreamParser, FeedStats, list[int]]:
    stats = FeedStats()
    requested: list[int] = []
    return StreamParser([(0, BTC)], stats, DropLog(stats), requested.append), stats, requested


def _frame(stream: str, data: dict[str, Any]) -> bytes:
    return json.dumps({"stream": stream, "data": data}).encode()  # json: integers beyond 64 bits too


def _live(parser: StreamParser) -> None:
    """Synchronise the book at u=100 with a one-level snapshot."""
    parser.on_frame(_frame("btcusdt@depth", {"e": "depthUpdate", "E": 2, "T": 1, "s": "BTCUSDT", "U": 95, "u": 100,
                                            "pu": 90, "b": [], "a": []}), 1)
    parser.on_snapshot(0, orjson.dumps({"lastUpdateId": 100, "E": 1, "T": 1, "bids": [["100.0", "1"]],
                                        "asks": [["100.1", "1"]]}), 2)
    assert parser.by_index[0].sync.live


TRADE = {"e": "trade", "E": 1723161600002, "T": 1723161600001, "s": "BTCUSDT", "t": 5001, "p": "60000.1",
         "q": "0.010", "X": "MARKET", "m": True}


def test_trade_values() -> None:
    parser, _, _ = _parser()
    (batch,) = parser.on_frame(_frame("btcusdt@trade", TRADE), 7)
    row = batch.rows[0]
    assert batch.kind is EventKind.TRADE
    assert (row["ts_event"], row["ts_recv"], row["trade_id"]) == (1723161600001 * 10**6, 7, 5001)
    assert row["side"] == Side.SELL  # buyer is maker → the seller took
    assert (row["price"], row["qty"]) == (60000.1, 0.01)


def test_depth_levels_become_exact_ticks() -> None:
    parser, stats, _ = _parser()
    _live(parser)
    (batch,) = parser.on_frame(_frame("btcusdt@depth", {"e": "depthUpdate", "E": 5, "T": 4, "s": "BTCUSDT",
                                                        "U": 101, "u": 105, "pu": 100,
                                                        "b": [["99.9", "2.5"]], "a": [["100.1", "0"]]}), 9)
    assert batch.rows["price_ticks"].tolist() == [999, 1001]
    assert batch.rows["side"].tolist() == [Side.BUY, Side.SELL]
    assert batch.rows["flags"].tolist() == [0, 2]
    assert parser.by_index[0].sync.book.depth(int(Side.SELL), 5) == []
    assert stats.gaps == 0


def test_off_grid_level_drops_the_diff_and_the_next_one_resyncs() -> None:
    parser, stats, requested = _parser()
    _live(parser)
    bad = {"e": "depthUpdate", "E": 5, "T": 4, "s": "BTCUSDT", "U": 101, "u": 105, "pu": 100,
           "b": [["99.95", "1"]], "a": []}
    assert parser.on_frame(_frame("btcusdt@depth", bad), 3) == []
    assert stats.dropped == {"off_grid_price": 1}
    nxt = {**bad, "U": 106, "u": 110, "pu": 105, "b": [["99.9", "1"]]}
    assert parser.on_frame(_frame("btcusdt@depth", nxt), 4) == []
    assert stats.gaps == 1 and requested == [0, 0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_are_counted(raw: bytes) -> None:
    parser, stats, _ = _parser()
    batches = parser.on_frame(raw, 1)
    assert batches or sum(stats.dropped.values()) == 1


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
                     | st.text(max_size=12), lambda inner: st.lists(inner, max_size=3), max_leaves=6)
_VALID = {
    "trade": TRADE,
    "bookTicker": {"e": "bookTicker", "u": 200, "s": "BTCUSDT", "b": "100.0", "B": "1", "a": "100.1", "A": "2",
                   "T": 1723161600001, "E": 1723161600002},
    "markPriceUpdate": {"e": "markPriceUpdate", "E": 1723161600002, "s": "BTCUSDT", "p": "100.05", "i": "100",
                        "r": "0.0001", "T": 1723190400000},
    "depthUpdate": {"e": "depthUpdate", "E": 1723161600002, "T": 1723161600001, "s": "BTCUSDT", "U": 101, "u": 104,
                    "pu": 100, "b": [["99.9", "1.5"]], "a": [["100.2", "0"]]},
}


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(_VALID)), st.data())
def test_fuzz_one_field_mutated(event: str, data: st.DataObject) -> None:
    """Any value in any field, or the field missing: never an exception, rows always valid, and a frame
    that yields nothing is counted (a live book never buffers)."""
    parser, stats, _ = _parser()
    _live(parser)
    payload = dict(_VALID[event])
    key = data.draw(st.sampled_from(sorted(payload)))
    if data.draw(st.booleans()):
        del payload[key]
    else:
        payload[key] = data.draw(_JSON | st.sampled_from(["NaN", "-1", "0", "inf", "1e400", "abc", "99.95"]))
    before = sum(stats.dropped.values())
    batches = parser.on_frame(_frame("btcusdt@x", payload), 10)
    for batch in batches:
        assert valid_rows(batch.rows, prev_ts_recv=10).mask.all()
        if batch.kind is EventKind.TRADE:
            assert math.isfinite(float(batch.rows["price"][0]))
    gap = stats.gaps > 0  # a mutated sequence number that breaks the chain is a gap, counted there
    assert batches or sum(stats.dropped.values()) == before + 1 or gap


def test_truncated_and_foreign_frames() -> None:
    parser, stats, _ = _parser()
    frame = _frame("btcusdt@trade", TRADE)
    assert parser.on_frame(frame[:-7], 1) == []
    assert parser.on_frame(_frame("btcusdt@kline_1m", {"e": "kline", "s": "BTCUSDT"}), 1) == []
    assert parser.on_frame(_frame("ethusdt@trade", {**TRADE, "s": "ETHUSDT"}), 1) == []
    assert stats.dropped == {"malformed": 1, "unknown_event": 1, "unknown_symbol": 1}


def _load(path: Path) -> dict[str, Any]:
    obj = json.loads(path.read_text())
    return obj if "stream" in obj else {"stream": "x", "data": obj}


def test_real_message_shapes(market_data_dir: Path) -> None:
    """The venue's own messages (nautilus_trader fixtures) decode to the values written in them."""
    root = market_data_dir / "messages" / "binance-usdm" / "nautilus" / "crates_test_data" / "market_data_json"
    checked = 0
    for name in ("trade_stream.json", "agg_trade_stream.json", "book_ticker_stream.json", "mark_price_stream.json"):
        envelope = _load(root / name)
        data = envelope["data"]
        inst = Instrument("binance-usdm", data["s"], tick_size=Decimal("0.01"), lot_size=Decimal("0.001"))
        stats = FeedStats()
        parser = StreamParser([(0, inst)], stats, DropLog(stats), lambda i: None)
        (batch,) = parser.on_frame(orjson.dumps(envelope), 1)
        row = batch.rows[0]
        if data["e"] in ("trade", "aggTrade"):
            assert row["price"] == float(data["p"]) and row["qty"] == float(data["q"])
            assert row["trade_id"] == data["t" if data["e"] == "trade" else "a"]
            assert row["ts_event"] == data["T"] * 10**6
        elif data["e"] == "bookTicker":
            assert (row["bid_price"], row["ask_qty"], row["seq"]) == (float(data["b"]), float(data["A"]), data["u"])
        else:
            assert row["mark_price"] == float(data["p"]) and row["funding_rate"] == float(data["r"])
            assert row["next_funding_ts"] == data["T"] * 10**6
        checked += 1
    depth = _load(root / "depth_update_stream.json")["data"]
    inst = Instrument("binance-usdm", depth["s"], tick_size=Decimal("0.0001"), lot_size=Decimal("0.001"))
    stats = FeedStats()
    parser = StreamParser([(0, inst)], stats, DropLog(stats), lambda i: None)
    assert parser.on_frame(orjson.dumps({"stream": "x", "data": depth}), 1) == []  # buffered until a snapshot
    assert parser.by_index[0].sync.snapshot_requested and not stats.dropped
    assert checked == 4
