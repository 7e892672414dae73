"""``PushDecoder.decode_frame`` (book, trade and quote pushes read straight from the frame by the compiled
scanner) gives exactly what ``orjson.loads`` + ``PushDecoder.decode`` give: the same batches, drops, gaps,
checksum verdicts and book, on good pushes, bad levels and values, broken sequences and checksums, and on
frames the scanner does not take (other key orders, escapes, repeated keys, truncation, events, pongs).
Skipped only where the compiled kernels are absent."""

from __future__ import annotations

import copy
import gzip
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptoscalp_exchange_okx.book_sync import BookSync
from cryptoscalp_exchange_okx.decode import PushDecoder
from cryptoscalp_exchange_okx.kernels import FRAMES
from cryptoscalp_exchange_okx.prices import TickParser
from cryptoscalp_exchange_okx.testing import load_recording, synthetic_tape
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.ports.market_feed import FeedStats

pytestmark = pytest.mark.skipif(FRAMES is None, reason="cryptoscalp-speedups is not installed")
SYMBOL = "BTC-USDT-SWAP"
TAPE = synthetic_tape(80, seed=4, depth=40, checksum=True)
_PONG = object()
BAD_LEVELS = [["100.05", "1", "0", "1"], ["-1", "1", "0", "1"], ["100.1", "-3", "0", "1"], ["100.1", "nan", "0", "1"],
              ["100.1"], ["100.1", 5, "0", "1"]]


def _decoders(ticks: dict[str, str], compiled: bool = True) -> tuple[PushDecoder, FeedStats, dict[str, BookSync]]:
    stats = FeedStats()
    books = {s: BookSync(s, i, TickParser(Decimal(t)), stats, compiled=compiled)
             for i, (s, t) in enumerate(ticks.items())}
    return PushDecoder({s: i for i, s in enumerate(ticks)}, books, stats, "books"), stats, books


def _run(frames: list[bytes], by_frame: bool, ticks: dict[str, str] | None = None) -> tuple[Any, ...]:
    decoder, stats, books = _decoders(ticks or {SYMBOL: "0.1"})
    events: list[dict[str, Any]] = []
    out = []
    for frame in frames:
        if by_frame:
            batch = decoder.decode_frame(frame, 5, events.append)
        else:  # the socket loop of before: orjson, then the dict decoder
            msg: Any = _PONG
            if frame != b"pong":
                try:
                    msg = orjson.loads(frame)
                except orjson.JSONDecodeError:
                    stats.drop("malformed")
                    msg = _PONG
            if msg is _PONG:
                batch = None
            elif type(msg) is not dict:
                stats.drop("malformed")
                batch = None
            elif "event" in msg:
                events.append(msg)
                batch = None
            else:
                batch = decoder.decode(msg, 5)
        out.append(None if batch is None else (batch.kind, batch.rows.tobytes()))
    state = {s: (b.state, b.last_seq, b.checksums, b.wants_resubscribe, b.book.depth(True), b.book.depth(False))
             for s, b in books.items()}
    return out, dict(stats.dropped), stats.gaps, stats.resyncs, state, events


def _mutations(frame: bytes, how: int) -> bytes:
    text = frame.decode()
    if how == 1:  # data before arg: a valid push the scanner leaves to orjson
        doc = orjson.loads(frame)
        return orjson.dumps({k: doc[k] for k in reversed(list(doc))})
    if how == 2:
        return frame[: len(frame) // 2]  # truncated
    if how == 3:
        return text.replace('"ts"', '"t\\u0073"', 1).encode()  # an escape: same push for orjson
    if how == 4:
        return text.replace('"action"', '"action":"update","action"', 1).encode()  # repeated key
    if how == 5:
        return text.replace("{", '{"event":"error","code":"1",', 1).encode()
    if how == 6:
        return b"pong" if len(frame) % 2 else b"null"
    if how == 8:  # values the decoder drops or reads its own way (a trade, a quote, a book level)
        for field, junk in (('"sz":"', '"sz":"0'), ('"side":"buy"', '"side":"BUY"'), ('"px":"', '"px":"-'),
                            ('"seqId":', '"seqId":1.0e0,"x":'), ('"bids":[["', '"bids":[["1e1","1"],["')):
            if field in text:
                return text.replace(field, junk, 1).encode()
    return text.replace(":", " : ").replace(",", ",\n").encode()  # spacing: still the scanner's


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(TAPE) - 1), st.sampled_from(BAD_LEVELS), st.booleans()), max_size=3),
       st.lists(st.integers(0, len(TAPE) - 1), max_size=3),
       st.lists(st.tuples(st.integers(0, len(TAPE) - 1), st.integers(0, 8)), max_size=6),
       st.lists(st.integers(1, len(TAPE) - 1), max_size=2))
def test_frame_path_equals_the_dict_path(faults: list[tuple[int, list[Any], bool]], flips: list[int],
                                         mutations: list[tuple[int, int]], dropped: list[int]) -> None:
    pushes = copy.deepcopy(TAPE)
    for at, level, bid in faults:
        data = pushes[at]["data"][0]
        if "bids" in data and pushes[at]["arg"]["channel"] == "books":
            data["bids" if bid else "asks"].append(level)
    for at in flips:
        data = pushes[at]["data"][0]
        if data.get("checksum"):
            data["checksum"] ^= 1
    frames = [orjson.dumps(p) for p in pushes]
    for at, how in mutations:
        frames[at] = _mutations(frames[at], how)
    for at in sorted(set(dropped), reverse=True):  # a lost push: a sequence gap
        del frames[at]
    frames.append(frames[0])  # a fresh snapshot after whatever happened
    frames.extend(frames[1:6])
    assert _run(frames, True) == _run(frames, False)


def test_str_frames_and_the_python_book_path() -> None:
    frames = [orjson.dumps(p) for p in TAPE]
    want = _run(frames, False)
    assert _run([f.decode() for f in frames], True) == want
    decoder, _, books = _decoders({SYMBOL: "0.1"}, compiled=False)  # no scanner: orjson for every push
    assert decoder.decode_frame(frames[0], 5) is not None and books[SYMBOL].checksums == 1


def test_real_recording_through_the_frame_path(market_data_dir: Path) -> None:
    """The 2022 recording: every book push is scanned (none left to orjson), all 290 CRC32s verify, and
    the batches equal the dict path's."""
    ticks: dict[str, str] = {}
    with gzip.open(market_data_dir / "okx" / "cryptofeed" / "OKX.0.gz", "rt") as lines:
        for line in lines:
            _, sep, body = line.partition(": ")
            if sep and body.startswith("{"):
                for row in orjson.loads(body).get("data", []):
                    ticks[row["instId"]] = row["tickSz"]
    symbols = {s: ticks[s] for s in ("BTC-USDT", "UNI-USD-SWAP", "BTC-USD-220527")}
    pushes = load_recording(market_data_dir / "okx" / "cryptofeed" / "OKX.ws.1.0.gz")
    frames = [orjson.dumps(p) for p in pushes]
    got = _run(frames, True, symbols)
    assert got == _run(frames, False, symbols)
    _, dropped, gaps, _, state, _ = got
    assert not dropped and gaps == 0 and sum(s[2] for s in state.values()) == 290
    decoder, _, _ = _decoders(symbols)
    scan = decoder._frames
    assert scan is not None
    assert sum(scan.scan(f) for f in frames) == sum(p["arg"]["channel"] == "books" for p in pushes) == 290
    assert all(scan.read(f, 1) for f in frames)  # trades and tickers too: nothing left to orjson
