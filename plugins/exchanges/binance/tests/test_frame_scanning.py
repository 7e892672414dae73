"""The raw-frame path (``cryptoscalp_speedups.binanceframes`` reading ``depthUpdate`` frames straight from
the bytes) gives exactly the batches, drops, sequencing and book of the msgspec path, on the real
recording's frames (kept, dropped, repeated, reordered, mangled) and on generated frames of every shape
the scanner must accept or refuse. Skipped only where the compiled scanner is absent."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptoscalp_exchange_binance import StreamParser
from cryptoscalp_exchange_binance.drops import DropLog
from cryptoscalp_exchange_binance.kernels import FRAMES, KERNEL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats

pytestmark = pytest.mark.skipif(FRAMES is None, reason="the compiled frame scanner is not installed")

BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
ETH = Instrument("binance-usdm", "ETHUSDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001"))
_RECORDING: dict[str, tuple[bytes, list[bytes]]] = {}


def _outcome(scan: bool, steps: list[tuple[str, bytes]]) -> tuple[Any, ...]:
    """Everything observable of a parser fed ``steps`` (``frame`` / ``snapshot`` of BTC)."""
    stats = FeedStats()
    requested: list[int] = []
    parser = StreamParser([(0, BTC), (1, ETH)], stats, DropLog(stats), requested.append, max_buffer=50,
                          compiled=True, scan_frames=scan)
    out = []
    for i, (kind, raw) in enumerate(steps):
        batches = parser.on_snapshot(0, raw, i) if kind == "snapshot" else parser.on_frame(raw, i)
        out.append([(int(b.kind), b.rows.tobytes()) for b in batches])
    syncs = [parser.by_index[k].sync for k in (0, 1)]
    books = [(s.book.depth(1, 10_000), s.book.depth(-1, 10_000), s.live, s.last_u) for s in syncs]
    return out, dict(stats.dropped), stats.gaps, stats.resyncs, requested, books


def _same(steps: list[tuple[str, bytes]]) -> None:
    assert _outcome(True, steps) == _outcome(False, steps)


def _recording(market_data_dir: Path) -> tuple[bytes, list[bytes]]:
    """The BTC recording's snapshot and its first depth diffs (every frame kind, for the refusals)."""
    if "btc" not in _RECORDING:
        snapshot, frames = b"", []
        with gzip.open(market_data_dir / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz", "rb") as fh:
            for line in fh:
                body = line.rstrip(b"\n").partition(b" ")[2]
                if body.startswith(b'{"lastUpdateId"'):
                    snapshot = body
                elif len(frames) < 4000:
                    frames.append(body)
                elif snapshot:
                    break
        _RECORDING["btc"] = (snapshot, frames)
    return _RECORDING["btc"]


def test_whole_recording_prefix_is_identical(market_data_dir: Path) -> None:
    snapshot, frames = _recording(market_data_dir)
    steps = [("frame", f) for f in frames[:200]] + [("snapshot", snapshot)] + [("frame", f) for f in frames[200:]]
    _same(steps)


def _mangle(frame: bytes, how: int, at: int) -> bytes:
    at %= max(1, len(frame))
    if how == 1:
        return frame[:at]  # truncated
    if how == 2:
        return frame[:at] + b"x" + frame[at + 1:]  # one byte wrong
    if how == 3:
        return frame[:at] + b" \n" + frame[at:]  # whitespace (valid only between tokens)
    if how == 4:  # the same message re-encoded with its keys in another order
        obj = orjson.loads(frame)
        data = obj["data"]
        obj["data"] = dict(sorted(data.items(), key=lambda kv: (sum(kv[0].encode()) * 31 + at) % 97))
        return json.dumps(obj, indent=at % 3 or None).encode()
    if how == 5:
        return frame.replace(b'"pu":', b'"pu":-', 1) if at % 2 else frame.replace(b'"U":', b'"U":1', 1)
    return frame


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_recording_frames_kept_dropped_repeated_mangled(market_data_dir: Path, data: st.DataObject) -> None:
    snapshot, frames = _recording(market_data_dir)
    start = data.draw(st.integers(0, len(frames) - 300))
    steps: list[tuple[str, bytes]] = []
    where = data.draw(st.integers(0, 120))
    for k, frame in enumerate(frames[start:start + 250]):
        if k == where:
            steps.append(("snapshot", snapshot))
        how = data.draw(st.sampled_from([0] * 12 + [1, 2, 3, 4, 5, 6, 7]))
        if how == 6:
            continue  # lost: the next diff's pu shows the gap
        if how == 7:
            steps.append(("frame", frame))  # repeated
        steps.append(("frame", _mangle(frame, how, data.draw(st.integers(0, 10_000)))))
    _same(steps)


# -- generated frames -----------------------------------------------------------------------------------
good_price = st.integers(1, 3000).map(lambda t: f"{Decimal(t) / 10:f}")
bad_price = st.sampled_from(["100.05", "-1.0", "0", "nan", "abc", "1e2", " 5", "5.", "00012.3", "\\u0031"])
good_qty = st.sampled_from(["0", "0.000", "1.5", "0.001", "12", "3.25"])
bad_qty = st.sampled_from(["-1", "inf", "1e-3", "", "0.1234567890123456789", "NaN"])
odd_level = st.sampled_from([[1.5, "2"], ["10.0"], ["10.0", "1", "2"], {"p": "1"}, "1"])
level: Any = st.one_of(st.tuples(good_price, good_qty).map(list), st.tuples(good_price, good_qty).map(list),
                       st.tuples(good_price, good_qty).map(list), st.tuples(good_price, good_qty).map(list),
                       st.tuples(st.one_of(good_price, bad_price), st.one_of(good_qty, bad_qty)).map(list), odd_level)
levels = st.lists(level, max_size=4)
integer = st.one_of(st.integers(-3, 60), st.sampled_from([2**62, 2**63 - 1, 10**18, 10**19]),
                    st.sampled_from(["12", 1.0, None, True]))
key = st.sampled_from(["e", "E", "T", "s", "U", "u", "pu", "b", "a", "x", "stream"])


def _rarely(draw: st.DrawFn) -> bool:
    return draw(st.sampled_from([False] * 7 + [True]))


@st.composite
def depth_frame(draw: st.DrawFn, u: int) -> bytes:
    """Mostly a canonical diff (the scanner's), each way of being unusual now and then (the decoder's)."""
    data: dict[str, Any] = {"e": draw(st.sampled_from(["depthUpdate"] * 12 + ["trade", "DepthUpdate", 5])),
                            "E": u, "T": u, "s": draw(st.sampled_from(["BTCUSDT"] * 12 + ["ETHUSDT", "btcusdt",
                                                                                        "XRPUSDT", 1])),
                            "U": u, "u": u, "pu": u - 1, "b": draw(levels), "a": draw(levels)}
    if _rarely(draw):
        for name in draw(st.lists(key, max_size=2)):
            data[name] = draw(integer) if name not in ("b", "a", "x") else draw(st.one_of(levels, integer))
    if _rarely(draw):
        data.pop(draw(key), None)
    order = draw(st.permutations(list(data))) if _rarely(draw) else list(data)
    data = {k: data[k] for k in order}
    stream = draw(st.sampled_from(["btcusdt@depth@0ms"] * 8 + ["", 7]))
    envelope: dict[str, Any] = {"stream": stream, "data": data}
    if _rarely(draw):
        envelope = {"data": data, "stream": stream, "id": [1, {"z": None}]}
    if _rarely(draw):
        envelope.pop(draw(st.sampled_from(["stream", "data"])))
    text = json.dumps(envelope, indent=1 if _rarely(draw) else None,
                      separators=(", ", ": ") if _rarely(draw) else (",", ":"))
    if _rarely(draw):  # a repeated key (the decoder keeps the last)
        text = text.replace('"u":', '"u": 3, "u":', 1)
    return text.encode()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_generated_frames_agree(data: st.DataObject) -> None:
    snap = {"lastUpdateId": 10, "E": 5, "T": 5, "bids": [["100.0", "1"]], "asks": [["200.0", "2"]]}
    n = data.draw(st.integers(1, 10))
    frames = [data.draw(depth_frame(10 + i)) for i in range(n)]
    steps = [("frame", frames[0]), ("snapshot", orjson.dumps(snap))] + [("frame", f) for f in frames[1:]]
    _same(steps)


@settings(max_examples=150, deadline=None)
@given(depth_frame(20))
def test_scanner_reads_what_json_says(frame: bytes) -> None:
    scan = FRAMES.BinanceDepthFrames()
    scan.add("BTCUSDT", KERNEL.TickScale("0.1"), "btc")
    scan.add("ETHUSDT", KERNEL.TickScale("0.01"), "eth")
    if not scan.scan(frame):
        return
    d = json.loads(frame)["data"]
    assert scan.target == {"BTCUSDT": "btc", "ETHUSDT": "eth"}[d["s"]] and d["e"] == "depthUpdate"
    assert (scan.E, scan.T, scan.U, scan.u, scan.pu) == (d["E"], d.get("T", 0), d["U"], d["u"], d["pu"])
    assert scan.b.texts() == [tuple(lv) for lv in d["b"]] and scan.a.texts() == [tuple(lv) for lv in d["a"]]
