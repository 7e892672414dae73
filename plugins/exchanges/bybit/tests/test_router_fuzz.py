"""Hypothesis fuzzes the frame router: malformed, truncated or mutated frames never raise and are
always counted; valid frames of every topic give rows of the core dtypes."""

from __future__ import annotations

import json
from decimal import Decimal

import orjson
from cryptoscalp_exchange_bybit.book_sync import BookSync
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.router import FrameRouter, Topic, TopicKind
from cryptoscalp_exchange_bybit.streams import QuoteState, TickerState, trade_id
from cryptoscalp_exchange_bybit.ticks import TickGrid
from cryptoscalp_exchange_bybit.wire import Frame
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import DTYPES, EventKind, valid_rows
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats

BOOK = {"topic": "orderbook.50.BTCUSDT", "type": "delta", "ts": 1, "cts": 1,
        "data": {"s": "BTCUSDT", "b": [["60000.1", "0.5"]], "a": [["60000.2", "0"]], "u": 2, "seq": 9}}
TRADE = {"topic": "publicTrade.BTCUSDT", "type": "snapshot", "ts": 1,
         "data": [{"T": 1, "s": "BTCUSDT", "S": "Buy", "v": "0.010", "p": "60000.1", "L": "PlusTick",
                   "i": "20f43950-d8dd-5b31-9112-a178eb6023af", "BT": False, "seq": 3}]}
TICKER = {"topic": "tickers.BTCUSDT", "type": "delta", "ts": 1, "cs": 2,
          "data": {"symbol": "BTCUSDT", "markPrice": "60000.12", "fundingRate": "-0.0001"}}
L1 = {"topic": "orderbook.1.BTCUSDT", "type": "snapshot", "ts": 1,
      "data": {"s": "BTCUSDT", "b": [["60000.1", "1"]], "a": [["60000.2", "2"]], "u": 7, "seq": 9}}


def router() -> tuple[FrameRouter, FeedStats]:
    stats = FeedStats()
    drops = DropLog(stats)
    sync = BookSync(0, "orderbook.50.BTCUSDT", TickGrid(Decimal("0.1")), stats, drops)
    snap = orjson.dumps({**BOOK, "type": "snapshot", "data": {**BOOK["data"], "u": 1}})
    topics = [Topic("orderbook.50.BTCUSDT", TopicKind.BOOK, "BTCUSDT", 0, sync=sync),
              Topic("orderbook.1.BTCUSDT", TopicKind.QUOTE, "BTCUSDT", 0, quote=QuoteState()),
              Topic("publicTrade.BTCUSDT", TopicKind.TRADE, "BTCUSDT", 0),
              Topic("tickers.BTCUSDT", TopicKind.TICKER, "BTCUSDT", 0, ticker=TickerState())]
    r = FrameRouter(topics, drops)
    assert isinstance(r.route(snap, 1), EventBatch)
    return r, stats


def test_valid_frames_give_core_rows() -> None:
    r, stats = router()
    for message, kind in ((BOOK, EventKind.BOOK_DELTA), (TRADE, EventKind.TRADE), (TICKER, EventKind.MARK),
                          (L1, EventKind.QUOTE)):
        out = r.route(orjson.dumps(message), 5)
        assert isinstance(out, EventBatch) and out.kind is kind and out.rows.dtype == DTYPES[kind]
        assert valid_rows(out.rows).total_dropped == 0
    assert stats.dropped == {}
    reply = r.route(b'{"success":true,"ret_msg":"pong","conn_id":"x","req_id":"","op":"ping"}', 6)
    assert isinstance(reply, Frame) and reply.op == "ping"


def test_trade_fields() -> None:
    r, _ = router()
    out = r.route(orjson.dumps(TRADE), 5)
    assert isinstance(out, EventBatch)
    row = out.rows[0]
    assert (int(row["side"]), float(row["price"]), float(row["qty"]), int(row["ts_event"])) == (1, 60000.1, 0.01,
                                                                                             1_000_000)
    assert int(row["trade_id"]) == int("20f43950d8dd5b31", 16)
    assert trade_id("123456") == 123456


def _mutations() -> st.SearchStrategy[bytes]:
    valid = [orjson.dumps(m) for m in (BOOK, TRADE, TICKER, L1)]
    junk = st.sampled_from(['"x"', "null", "-1", "1e400", '"NaN"', "[]", "{}", '""', "true", '["1"]'])

    def mutate(message: dict, key: str, value: str) -> bytes:
        data = json.loads(json.dumps(message))
        target = data["data"][0] if isinstance(data["data"], list) else data["data"]
        target[key] = json.loads(value)  # 1e400 becomes inf, written back as the invalid token Infinity
        return json.dumps(data).encode()

    fields = st.sampled_from(["b", "a", "u", "s", "p", "v", "S", "T", "i", "markPrice", "nextFundingTime"])
    mutated = st.builds(mutate, st.sampled_from([BOOK, TRADE, TICKER, L1]), fields, junk)
    truncated = st.builds(lambda raw, cut: raw[:cut], st.sampled_from(valid), st.integers(0, 120))
    return st.one_of(st.binary(max_size=200), truncated, mutated)


@settings(max_examples=300, deadline=None)
@given(_mutations())
def test_malformed_frames_never_raise_and_are_counted(raw: bytes) -> None:
    r, stats = router()
    before = sum(stats.dropped.values())
    out = r.route(raw, 10)
    if out is None:
        assert sum(stats.dropped.values()) > before, raw
    elif isinstance(out, EventBatch):
        assert out.rows.dtype == DTYPES[out.kind] and valid_rows(out.rows).total_dropped == 0
