"""The OKX text book and the venue frame scanners against plain-Python references.

* ``TextBook``: a dict per side of ``ticks -> (price, size)`` texts applied level by level, sorted on
  every query, its checksum ``zlib.crc32`` of the joined string; fed both from scanned frames and from
  decoded lists, in any level order (snapshots listed best first or not, repeats, deletions).
* ``OkxBookFrames`` / ``BybitBookFrames``: whatever they accept is valid JSON whose decoded fields are
  exactly the scanner's; the canonical frames venues send are accepted whatever the key order and
  spacing; repeated keys, escapes, other channels or topics, replies and truncated frames are refused.
"""

from __future__ import annotations

import json
import math
import random
import re
import zlib
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from cryptoscalp_speedups.bybitframes import BybitBookFrames
from cryptoscalp_speedups.crc32 import crc32, simd_available
from cryptoscalp_speedups.levels import LevelError, TickScale
from cryptoscalp_speedups.okxframes import OkxBookFrames
from cryptoscalp_speedups.rawlevels import scan_level_array
from cryptoscalp_speedups.textbook import CHECKSUM_DEPTH, TextBook
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


price = st.integers(1, 600).map(lambda t: str(Decimal(t) * TICK) + "0" * (t % 3))  # venue-style zeros
size = st.sampled_from(["0", "0.0", "1", "1.50", "0.00002071", "12", "3.000", "123456.78901234"])
okx_level = st.tuples(price, size, st.just("0"), st.sampled_from(["1", "3"])).map(list)


@st.composite
def side_levels(draw: st.DrawFn, is_bid: bool) -> list[list[str]]:
    levels = draw(st.lists(okx_level, max_size=60))
    if draw(st.booleans()):  # as venues send them: best first, no repeat
        unique = {int(Decimal(lv[0]) / TICK): lv for lv in levels}
        levels = [unique[t] for t in sorted(unique, reverse=is_bid)]
    return levels


message = st.tuples(st.booleans(), side_levels(True), side_levels(False))


def _frame(snapshot: bool, bids: list[list[str]], asks: list[list[str]]) -> str:
    return json.dumps({"arg": {"channel": "books", "instId": "X"}, "action": "snapshot" if snapshot else "update",
                       "data": [{"asks": asks, "bids": bids, "ts": "12", "checksum": 0}]})


@settings(max_examples=120, deadline=None)
@given(st.lists(message, min_size=1, max_size=12), st.booleans())
def test_book_and_checksum_match_the_reference(messages: list[tuple[bool, Any, Any]], scanned: bool) -> None:
    book, ref = TextBook(), ReferenceBook()
    scale = TickScale(TICK)
    frames = OkxBookFrames("books")
    frames.add("X", scale)
    for snapshot, bids, asks in messages:
        if scanned:
            assert frames.scan(_frame(snapshot, bids, asks))
            rows = book.apply_levels(frames.bids, frames.asks, 1, 2, 0, int(snapshot), int(snapshot) | 2, 5, 5, -1)
        else:
            rows = book.apply(bids, asks, scale, 1, 2, 0, int(snapshot), int(snapshot) | 2, 5, 5, -1)
        ref.apply(bids, asks, snapshot)
        assert rows["price_ticks"].tolist() == [int(Decimal(p) / TICK) for p, *_ in bids + asks]
        assert rows["qty"].tolist() == [float(s) for _, s, *_ in bids + asks]
        assert book.depth(True) == ref.depth(True) and book.depth(False) == ref.depth(False)
        assert book.checksum_string() == ref.checksum_string() and book.checksum() == ref.checksum()
        assert book.checksum_string(3) == ref.checksum_string(3) and book.depth(True, 2) == ref.depth(True)[:2]
        assert len(book) == len(ref.sides[True]) + len(ref.sides[False])
        assert book.best_bid() == (max(ref.sides[True]) if ref.sides[True] else None)
        assert book.best_ask() == (min(ref.sides[False]) if ref.sides[False] else None)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.integers(0, 200))
def test_crc32_is_zlibs(data: bytes, cut: int) -> None:
    for piece in (data, data[cut:], data[: cut + 64]):  # every length class: tables only, folds, tails
        assert crc32(piece) == crc32(piece, simd=False) == zlib.crc32(piece)
    assert isinstance(simd_available(), bool)


def test_many_updates_keep_the_texts() -> None:
    """Long runs of replacements: the text arena is compacted and every level keeps its own text."""
    book, ref = TextBook(), ReferenceBook()
    rng = random.Random(5)
    for step in range(3000):
        level = [str(Decimal(rng.randint(1, 300)) * TICK), rng.choice(["0", "1.5", "2", "0.00100"]), "0", "1"]
        bids, asks = ([level], []) if rng.random() < 0.5 else ([], [level])
        book.apply(bids, asks, TickScale(TICK), 0, 0, 0, 0, 2, step, step, step - 1)
        ref.apply(bids, asks, False)
    assert book.depth(True) == ref.depth(True) and book.depth(False) == ref.depth(False)
    assert book.checksum() == ref.checksum()


def test_okx_documented_example_and_refusals() -> None:
    book = TextBook()
    book.apply([["3366.8", "9", "0", "3"], ["3366.6", "3", "0", "3"], ["3366.1", "7", "0", "3"]],
               [["3366.9", "9", "0", "3"], ["3367", "2", "0", "3"]], TickScale("0.1"), 0, 0, 0, 1, 3, 1, 1, -1)
    assert book.checksum_string() == "3366.8:9:3366.9:9:3366.6:3:3367:2:3366.1:7"
    expected = zlib.crc32(b"3366.8:9:3366.9:9:3366.6:3:3367:2:3366.1:7")
    assert book.checksum() == (expected - (1 << 32) if expected >= 1 << 31 else expected)
    assert CHECKSUM_DEPTH == 25
    before = (book.depth(True), book.depth(False), book.checksum())
    bad = scan_level_array(b'[["3366.05","1"]]', TickScale("0.1"))
    empty = scan_level_array(b"[]", TickScale("0.1"))
    assert bad is not None and empty is not None
    for snapshot in (0, 1):
        with pytest.raises(LevelError):
            book.apply_levels(empty, bad, 0, 0, 0, snapshot, snapshot | 2, 2, 2, 1)
        with pytest.raises(LevelError):
            book.apply([["1"]], [], TickScale("0.1"), 0, 0, 0, snapshot, snapshot | 2, 2, 2, 1)
        assert (book.depth(True), book.depth(False), book.checksum()) == before
    book.set_level(True, 33669, "3366.90", "1", False)  # a crossed level is still a level
    assert book.best_bid() == 33669 and book.depth(True, 1) == [(33669, "3366.90", "1")]
    book.clear()
    assert len(book) == 0 and book.best_bid() is None and book.checksum_string() == ""


# -- frame scanners ---------------------------------------------------------------------------------------
def _dumps(value: Any, rng: random.Random) -> str:
    """JSON text with random spacing and key order (as any encoder may write it)."""
    sp = lambda: rng.choice(["", "", " ", "\n", "\t "])  # noqa: E731
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return "{" + sp() + ("," + sp()).join(f"{json.dumps(k)}{sp()}:{sp()}{_dumps(v, rng)}" for k, v in items) \
            + sp() + "}"
    if isinstance(value, list):
        return "[" + sp() + ("," + sp()).join(_dumps(v, rng) for v in value) + sp() + "]"
    return json.dumps(value)


def _okx_fields(doc: dict[str, Any]) -> dict[str, Any]:
    item = doc["data"][0]
    return {"inst_id": doc["arg"]["instId"], "snapshot": doc["action"] == "snapshot", "ts": int(item["ts"]),
            "seq": item.get("seqId"), "prev": item.get("prevSeqId"), "checksum": item.get("checksum"),
            "bids": [tuple(lv[:2]) for lv in item["bids"]], "asks": [tuple(lv[:2]) for lv in item["asks"]]}


def _okx_scanned(scan: OkxBookFrames) -> dict[str, Any]:
    return {"inst_id": scan.inst_id, "snapshot": scan.snapshot, "ts": scan.ts, "seq": scan.seq, "prev": scan.prev,
            "checksum": scan.checksum, "bids": scan.bids.texts(), "asks": scan.asks.texts()}


okx_push = st.fixed_dictionaries(
    {"arg": st.fixed_dictionaries({"channel": st.just("books"), "instId": st.sampled_from(["BTC-USDT", "ETH-USDT"])}),
     "action": st.sampled_from(["snapshot", "update"]),
     "data": st.tuples(st.fixed_dictionaries(
         {"bids": st.lists(okx_level, max_size=4), "asks": st.lists(okx_level, max_size=4),
          "ts": st.one_of(st.integers(0, 10**13).map(str), st.integers(0, 10**13))},
         optional={"checksum": st.integers(-2**31, 2**31 - 1), "seqId": st.integers(-1, 10**12),
                   "prevSeqId": st.integers(-1, 10**12), "instId": st.just("X")})).map(list)},
    optional={"extra": st.sampled_from([None, 1.5, "x", [1, {"a": []}]])})


def _arg_first(doc: dict[str, Any], rng: random.Random) -> str:
    # OKX writes ``arg`` first; the rest in any order
    rest = {k: v for k, v in doc.items() if k != "arg"}
    body = _dumps(rest, rng)
    return '{"arg":' + _dumps(doc["arg"], rng) + ("," + body[1:] if rest else "}")


@settings(max_examples=200, deadline=None)
@given(okx_push, st.integers(0, 2**32), st.integers(0, 3), st.integers(0, 10**6),
       st.sampled_from(["", "\\", '\\"', "é", "}", "]", '"', ",", "x", "1e5", '"event":1,', '"action":"update",',
                        '"seqId":1,', '"bids":[],']))
def test_okx_scanner_reads_what_json_reads(doc: dict[str, Any], seed: int, how: int, at: int, junk: str) -> None:
    rng = random.Random(seed)
    text = _arg_first(doc, rng)
    scan = OkxBookFrames("books")
    scan.add("BTC-USDT", TickScale(TICK))
    accepted = doc["arg"]["instId"] == "BTC-USDT"
    assert scan.scan(text) is accepted and scan.scan(text.encode()) is accepted
    if accepted:
        assert _okx_scanned(scan) == _okx_fields(doc)
    at %= len(text) + 1
    mutated = [text[:at], text[:at] + junk + text[at:], text[:at] + junk + text[at + 1:]][min(how, 2)]
    if scan.scan(mutated):  # accepted: the decoder reads the very same push
        decoded = json.loads(mutated)
        assert _okx_scanned(scan) == _okx_fields(decoded)
        assert len(decoded["data"]) == 1 and "event" not in decoded


def test_okx_scanner_refusals() -> None:
    scan = OkxBookFrames("books")
    scan.add("X", TickScale("1"))
    good = '{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"bids":[],"asks":[],"ts":"1"}]}'
    assert scan.scan(good) and scan.seq is None and scan.checksum is None
    for bad in (good.replace('"books"', '"books5"'), good.replace('"X"', '"Y"'), good.replace('"1"', '"-1"'),
                good.replace('"1"', '"1.5"'), good.replace('"update"', '"partial"'), good.replace('"ts"', '"t\\u0073"'),
                good.replace('"asks":[],', ""), good.replace('"ts":"1"', '"ts":"1","ts":"2"'),
                good.replace("}]}", '},{"ts":"1"}]}'), good.replace('"arg"', '"event":"subscribe","arg"'),
                '{"action":"update","data":[{"bids":[],"asks":[],"ts":"1"}],"arg":{"channel":"books","instId":"X"}}',
                good + "x", good[:-1], "", "null", b"\xff", 5):
        assert not scan.scan(bad), bad  # type: ignore[arg-type]


def _bybit_fields(doc: dict[str, Any]) -> dict[str, Any]:
    data = doc["data"]
    return {"snapshot": doc["type"] == "snapshot", "ts": doc.get("ts", 0), "cts": doc.get("cts", 0), "u": data["u"],
            "seq": data.get("seq", -1), "b": [tuple(lv) for lv in data["b"]], "a": [tuple(lv) for lv in data["a"]]}


def _bybit_scanned(scan: BybitBookFrames) -> dict[str, Any]:
    return {"snapshot": scan.snapshot, "ts": scan.ts, "cts": scan.cts, "u": scan.u, "seq": scan.seq,
            "b": scan.b.texts(), "a": scan.a.texts()}


pair = st.tuples(price, size).map(list)
bybit_frame = st.fixed_dictionaries(
    {"topic": st.just("orderbook.50.BTCUSDT"), "type": st.sampled_from(["snapshot", "delta"]),
     "data": st.fixed_dictionaries({"s": st.just("BTCUSDT"), "b": st.lists(pair, max_size=4),
                                    "a": st.lists(pair, max_size=4), "u": st.integers(1, 10**12)},
                                   optional={"seq": st.integers(0, 10**12)})},
    optional={"ts": st.integers(0, 10**13), "cts": st.integers(0, 10**13), "id": st.just("x")})


@settings(max_examples=200, deadline=None)
@given(bybit_frame, st.integers(0, 2**32), st.integers(0, 2), st.integers(0, 10**6),
       st.sampled_from(["", "\\", "é", "}", "]", '"', ",", "x", "1.5", '"op":"x",', '"u":1,', '"type":"delta",']))
def test_bybit_scanner_reads_what_json_reads(doc: dict[str, Any], seed: int, how: int, at: int, junk: str) -> None:
    rng = random.Random(seed)
    rest = {k: v for k, v in doc.items() if k != "topic"}
    text = '{"topic":"orderbook.50.BTCUSDT",' + _dumps(rest, rng)[1:]  # Bybit writes the topic first
    scan = BybitBookFrames()
    scan.add("orderbook.50.BTCUSDT", "BTCUSDT", TickScale(TICK), "target")
    assert scan.scan(text.encode()) and scan.target == "target" and _bybit_scanned(scan) == _bybit_fields(doc)
    at %= len(text) + 1
    mutated = [text[:at], text[:at] + junk + text[at:], text[:at] + junk + text[at + 1:]][how]
    if scan.scan(mutated.encode()):
        assert _bybit_scanned(scan) == _bybit_fields(json.loads(mutated))


def test_bybit_scanner_refusals() -> None:
    scan = BybitBookFrames()
    scan.add("orderbook.1.X", "X", TickScale("1"), None)
    good = b'{"topic":"orderbook.1.X","type":"delta","data":{"s":"X","b":[["1","2"]],"a":[],"u":3}}'
    assert scan.scan(good) and (scan.ts, scan.cts, scan.seq) == (0, 0, -1)
    for bad in (good.replace(b'"X"', b'"Y"'), good.replace(b"1.X", b"1.Y"), good.replace(b'"delta"', b'"x"'),
                good.replace(b'"2"]', b'"2","3"]'), good.replace(b'"2"', b"2"), good.replace(b'"u":3', b'"u":3.0'),
                good.replace(b'"u":3', b'"u":3,"u":4'), good.replace(b'{"topic"', b'{"op":"ping","topic"'),
                b'{"type":"delta","data":{"s":"X","b":[],"a":[],"u":3},"topic":"orderbook.1.X"}',
                good.replace(b',"u":3', b""), good[:-1], good + b" x"):
        assert not scan.scan(bad), bad


# -- trades and quotes of the OKX scanner ----------------------------------------------------------------
TRADE = np.dtype([("ts_event", "<i8"), ("ts_recv", "<i8"), ("instrument", "<u2"), ("side", "i1"),
                  ("trade_id", "<i8"), ("price", "<f8"), ("qty", "<f8")])
QUOTE = np.dtype([("ts_event", "<i8"), ("ts_recv", "<i8"), ("instrument", "<u2"), ("seq", "<i8"),
                  ("bid_price", "<f8"), ("bid_qty", "<f8"), ("ask_price", "<f8"), ("ask_qty", "<f8")])
number = st.one_of(price, size, st.sampled_from(["0", "-1", "1e5", "", "nan", "1.", ".5", "12345678901234567890"]),
                   st.floats(0, 1e6).map(repr))
stamp = st.one_of(st.integers(0, 10**13).map(str), st.integers(0, 10**13), st.sampled_from(["", "-5", "1.5", "x"]))


def _events_reference(doc: dict[str, Any], ts_recv: int) -> tuple[int, bytes] | None:
    """What the plugin's decoder makes of a trades / tickers / bbo-tbt push: ``(kind, rows)``, or ``None``
    where it drops it (any field it cannot use)."""
    try:
        channel, data = doc["arg"]["channel"], doc["data"]
        if channel == "trades":
            rows = []
            for item in data:
                side = {"buy": 1, "sell": -1}[item["side"]]
                px, qty = float(item["px"]), float(item["sz"])
                if not (0 < px < math.inf and 0 < qty < math.inf):
                    return None
                rows.append((int(item["ts"]) * 1_000_000, ts_recv, 7, side, int(item["tradeId"]), px, qty))
            return (2, np.array(rows, TRADE).tobytes()) if rows else None
        item = data[0]
        if channel == "tickers":
            quote = (-1, float(item["bidPx"]), float(item["bidSz"]), float(item["askPx"]), float(item["askSz"]))
        else:
            seq = item.get("seqId")
            quote = (seq if type(seq) is int else -1, float(item["bids"][0][0]), float(item["bids"][0][1]),
                     float(item["asks"][0][0]), float(item["asks"][0][1]))
        if not (0 < quote[1] < math.inf and 0 <= quote[2] < math.inf and 0 < quote[3] < math.inf
                and 0 <= quote[4] < math.inf):
            return None
        return 3, np.array([(int(item["ts"]) * 1_000_000, ts_recv, 7, *quote)], QUOTE).tobytes()
    except (KeyError, TypeError, ValueError, IndexError, OverflowError):
        return None


def _plain(v: Any) -> bool:
    return isinstance(v, str) and re.fullmatch(r"[0-9]+\.?[0-9]*|\.[0-9]+", v) is not None and \
        sum(c.isdigit() for c in v) <= 18


def _whole(v: Any) -> bool:
    return (isinstance(v, str) and re.fullmatch(r"[0-9]{1,18}", v) is not None) or (type(v) is int and 0 <= v < 10**18)


def _canonical(doc: dict[str, Any]) -> bool:
    """The subset the scanner reads (the rest it leaves to the decoder)."""
    channel, data = doc["arg"]["channel"], doc["data"]
    if channel == "trades":
        return all(_whole(t["ts"]) and _whole(t["tradeId"]) and _plain(t["px"]) and _plain(t["sz"])
                   and t["side"] in ("buy", "sell") for t in data)
    item = data[0]
    if channel == "tickers":
        return _whole(item["ts"]) and all(_plain(item[k]) for k in ("bidPx", "bidSz", "askPx", "askSz"))
    return _whole(item["ts"]) and all(_plain(v) for lv in (item["bids"][0], item["asks"][0]) for v in lv[:2]) and \
        type(item.get("seqId", 0)) is int


okx_trade = st.fixed_dictionaries({"tradeId": st.one_of(st.integers(0, 10**12).map(str), st.integers(0, 10**9)),
                                   "px": number, "sz": number, "side": st.sampled_from(["buy", "sell", "BUY"]),
                                   "ts": stamp}, optional={"instId": st.just("X"), "count": st.just("3")})
okx_ticker = st.fixed_dictionaries({"bidPx": number, "bidSz": number, "askPx": number, "askSz": number, "ts": stamp},
                                   optional={"last": number, "instType": st.just("SWAP"), "sodUtc0": st.just("")})
okx_bbo = st.fixed_dictionaries({"bids": st.lists(st.tuples(number, number, st.just("0"), st.just("1")).map(list),
                                                  min_size=1, max_size=2),
                                 "asks": st.lists(st.tuples(number, number).map(list), min_size=1, max_size=2),
                                 "ts": stamp}, optional={"seqId": st.integers(-1, 10**12)})
okx_event = st.one_of(
    st.builds(lambda d: {"arg": {"channel": "trades", "instId": "X"}, "data": d}, st.lists(okx_trade, min_size=1,
                                                                                         max_size=3)),
    st.builds(lambda d: {"arg": {"channel": "tickers", "instId": "X"}, "data": d}, st.lists(okx_ticker, min_size=1,
                                                                                          max_size=2)),
    st.builds(lambda d: {"arg": {"channel": "bbo-tbt", "instId": "X"}, "data": [d]}, okx_bbo))


@settings(max_examples=300, deadline=None)
@given(okx_event, st.integers(0, 2**32), st.integers(0, 3), st.integers(0, 10**6),
       st.sampled_from(["", "\\", "}", "]", '"', ",", "x", "1", '"px":"1",', '"ts":"1",', '"event":1,']))
def test_okx_trades_and_quotes_are_what_the_decoder_makes(doc: dict[str, Any], seed: int, how: int, at: int,
                                                          junk: str) -> None:
    rng = random.Random(seed)
    scan = OkxBookFrames("books")
    scan.add_instrument("X", 7)
    text = _arg_first(doc, rng)
    want = _events_reference(doc, 9)
    got = scan.read(text, 9)
    if want is not None and _canonical(doc):
        assert want == (got, scan.rows.tobytes())
    else:  # the decoder drops it, or takes a form outside the subset: the scanner leaves it to the decoder
        assert got == 0
    at %= len(text) + 1
    mutated = [text[:at], text[:at] + junk + text[at:], text[:at] + junk + text[at + 1:], text][how]
    got = scan.read(mutated, 9)
    if got:
        decoded = json.loads(mutated)
        assert "event" not in decoded and _events_reference(decoded, 9) == (got, scan.rows.tobytes())


def test_okx_events_of_unregistered_instruments_and_channels_are_left_to_the_decoder() -> None:
    scan = OkxBookFrames("books")
    scan.add("X", TickScale("0.1"))  # its book only
    trade = ('{"arg":{"channel":"trades","instId":"X"},"data":[{"tradeId":"1","px":"1","sz":"1","side":"buy",'
             '"ts":"1"}]}')
    assert scan.read(trade, 0) == 0
    scan.add_instrument("X", 3)
    assert scan.read(trade, 0) == 2 and scan.rows["instrument"].tolist() == [3]
    assert scan.read(trade.replace("trades", "mark-price"), 0) == 0
    assert scan.read(trade.replace('"sz":"1"', '"sz":"0"'), 0) == 0  # a zero-size trade: the decoder drops it
    with pytest.raises(ValueError):
        scan.add_instrument("Y", 70000)
