"""Line framing, payload decoding and tick conversion: exact on good input, counted on bad, never raising."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from cryptoscalp_feed_replay.binance.decode import decode_diff, decode_mark, decode_quote, decode_snapshot, decode_trade
from cryptoscalp_feed_replay.binance.lines import Line, parse_line
from cryptoscalp_feed_replay.ticks import TickGrid
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import Side
from cryptoscalp_core.domain.instrument import Instrument

TRADE = {"e": "trade", "E": 1680652700455, "T": 1680652700452, "s": "BTCUSDT", "t": 3535186032, "p": "28145.10",
         "q": "0.002", "X": "MARKET", "m": True}


def framed(stamp: int, obj: object) -> bytes:
    return str(stamp).encode() + b" " + orjson.dumps(obj) + b"\n"


@pytest.mark.parametrize(("stamp", "ns"), [(1723161255030314667, 1723161255030314667),
                                           (1680652700441533, 1680652700441533000),
                                           (1680652700441, 1680652700441000000)])
def test_local_stamp_unit_is_told_by_magnitude(stamp: int, ns: int) -> None:
    parsed = parse_line(framed(stamp, {"stream": "btcusdt@trade", "data": TRADE}))
    assert isinstance(parsed, Line) and parsed.local_ns == ns and parsed.event == "trade"
    assert parsed.push_ms == TRADE["E"]


def test_envelope_raw_stream_and_snapshot_are_classified() -> None:
    assert isinstance(parsed := parse_line(framed(1680652700441533, TRADE)), Line) and parsed.event == "trade"
    snap = parse_line(framed(1680652700441533, {"lastUpdateId": 5, "E": 1, "T": 1, "bids": [], "asks": []}))
    assert isinstance(snap, Line) and snap.event == "snapshot"


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "bad_line"), (b"1680652700441533", "bad_line"), (b"abc {}", "bad_local_ts"),
    (b"12 {}", "bad_local_ts"), (b"1680652700441533 {not json", "bad_json"),
    (b"1680652700441533 [1,2]", "unknown_message"), (b'1680652700441533 {"stream":"x","data":3}', "unknown_message"),
    (b'1680652700441533 {"e":"kline","E":1}', "unknown_event"), (b'1680652700441533 {"a":1}', "unknown_message"),
])
def test_bad_lines_give_a_reason(raw: bytes, reason: str) -> None:
    assert parse_line(raw) == reason


def test_trade_side_and_units() -> None:
    row = decode_trade(TRADE, 3, 99)
    assert row == (1680652700452_000000, 99, 3, Side.SELL, 3535186032, 28145.10, 0.002)
    assert decode_trade({**TRADE, "m": False}, 0, 0)[3] == Side.BUY  # type: ignore[index]


@pytest.mark.parametrize(("patch", "reason"), [
    ({"p": "NaN"}, "non_finite_price"), ({"p": "-1"}, "non_positive_price"), ({"p": "0"}, "non_positive_price"),
    ({"q": "0"}, "non_positive_qty"), ({"q": "-0.1"}, "negative_qty"), ({"p": None}, "missing_field"),
    ({"m": "yes"}, "bad_field"), ({"t": -5}, "bad_field"), ({"T": 10**20}, "bad_field"), ({"p": "1,5"}, "bad_field"),
])
def test_bad_trade_fields(patch: dict[str, object], reason: str) -> None:
    assert decode_trade({**TRADE, **patch}, 0, 0) == reason


def test_quote_and_mark() -> None:
    quote = {"e": "bookTicker", "u": 7, "s": "BTCUSDT", "b": "1.5", "B": "2", "a": "1.6", "A": "0", "T": 5, "E": 6}
    assert decode_quote(quote, 1, 2) == (5_000_000, 2, 1, 7, 1.5, 2.0, 1.6, 0.0)
    mark = {"e": "markPriceUpdate", "E": 1000, "s": "X", "p": "10", "i": "", "r": "", "T": 0}
    row = decode_mark(mark, 0, 0)
    assert isinstance(row, tuple) and row[3] == 10.0 and math.isnan(row[4]) and math.isnan(row[5]) and row[6] == 0


def test_depth_levels_are_exact_ticks_and_bad_levels_reject_the_message() -> None:
    grid = TickGrid(Decimal("0.1"))
    diff = {"e": "depthUpdate", "E": 2, "T": 1, "s": "BTCUSDT", "U": 3, "u": 4, "pu": 2,
            "b": [["28145.10", "0.000"]], "a": [["28145.20", "1.5"]]}
    depth = decode_diff(diff, grid)
    assert not isinstance(depth, str) and depth.bids == [(281451, 0.0)] and depth.asks == [(281452, 1.5)]
    assert decode_diff({**diff, "a": [["28145.25", "1"]]}, grid) == "off_grid_price"
    assert decode_diff({**diff, "a": [["nan", "1"]]}, grid) == "bad_price"
    assert decode_diff({**diff, "a": [["28145.2", "NaN"]]}, grid) == "non_finite_qty"
    assert decode_diff({**diff, "a": [["28145.2", "-1"]]}, grid) == "negative_qty"
    assert decode_diff({**diff, "a": [["28145.2"]]}, grid) == "bad_field"
    assert decode_diff({**diff, "U": 9}, grid) == "bad_sequence"
    assert decode_snapshot({"lastUpdateId": 5, "T": 1, "bids": "x", "asks": []}, grid) == "bad_field"


@given(st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1e9"), places=8),
       st.sampled_from(["0.1", "0.01", "0.5", "0.00001", "1", "25"]))
def test_tick_grid_agrees_with_instrument_exact_math(price: Decimal, tick: str) -> None:
    inst = Instrument("v", "S", tick_size=Decimal(tick), lot_size=Decimal(1))
    text = format(price, "f")
    got = TickGrid(Decimal(tick)).ticks(text)
    if price <= 0:
        assert got == "non_positive_price"
        return
    try:
        expected: int | str = inst.price_to_ticks(text)
    except Exception:
        expected = "off_grid_price"
    assert got == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=12)
keys = st.sampled_from(["e", "E", "T", "s", "t", "a", "p", "q", "m", "u", "U", "pu", "b", "a", "B", "A", "i", "r",
                        "lastUpdateId", "bids", "asks"])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_bytes_never_raise(raw: bytes) -> None:
    result = parse_line(raw)
    assert isinstance(result, Line | str)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, json_values, max_size=12))
def test_garbage_payloads_never_raise(data: dict[str, object]) -> None:
    grid = TickGrid(Decimal("0.01"))
    for result in (decode_trade(data, 0, 0), decode_quote(data, 0, 0), decode_mark(data, 0, 0),
                   decode_diff(data, grid), decode_snapshot(data, grid)):
        assert isinstance(result, str) or result is not None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=80) | st.builds(lambda d: b"1723161599002000000 " + orjson.dumps(d),
                                                     st.dictionaries(keys, json_values, max_size=8)),
                min_size=1, max_size=20))
def test_a_file_of_garbage_is_counted_not_raised(tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]) -> None:
    import asyncio

    from cryptoscalp_feed_replay import ReplayConfig, make_replay_feed

    content = b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n"
    assume(not content.startswith(b"\x1f\x8b"))  # that is a (corrupt) gzip file: tested on its own
    path: Path = tmp_path_factory.mktemp("garbage") / "btcusdt_garbage.txt"
    path.write_bytes(content)
    inst = (Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001")),)
    feed = make_replay_feed(ReplayConfig(path=str(path), format="binance-ws"), instruments=inst)

    async def run() -> int:
        await feed.start()
        return sum([len(batch) async for batch in feed.batches()])

    rows = asyncio.run(run())
    assert rows == feed.stats.events
    dropped = sum(feed.stats.dropped.values())
    # every line is used or counted: with no row out, each of them is a counted drop
    assert dropped == len(lines) if rows == 0 else dropped <= len(lines)
