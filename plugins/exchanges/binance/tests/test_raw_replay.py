"""`cryptoscalp record` against the fake venue, with a sequence gap and a malformed frame, then the
``binance-usdm-recording`` feed over the raw frames it wrote: the raw frames are the bytes the venue sent
(WebSocket frames and REST snapshot bodies), and the replay yields the normalised events the recording
run wrote, column for column, with the same gaps, resyncs and drops."""

from __future__ import annotations

import asyncio
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import WSMsgType, web
from cryptoscalp_exchange_binance.testing import FakeBinanceServer, synthetic_tape

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.marketdata import record_run
from cryptoscalp_core.marketdata.raw import START_TAG
from cryptoscalp_core.marketdata.recorder import KIND_DIR, MarketRecorder, raw_day_files, read_events, read_raw_chunks
from cryptoscalp_core.ports.market_feed import EventBatch, MarketFeed
from cryptoscalp_core.testing.conformance import MarketFeedConformance

pytest.importorskip("pyarrow", reason="recording needs the core's parquet extra")

SYMBOLS = ("BTCUSDT", "ETHUSDT")
FAST = ("backoff_initial_s: 0.02, backoff_max_s: 0.2, subscribe_timeout_s: 2.0, rest_timeout_s: 3.0, "
        "trades: trade, max_messages_per_second: 10, check_instruments: false")


class LoggingVenue(FakeBinanceServer):
    """The fake venue, keeping every depth snapshot body it answered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.snapshots: list[tuple[str, bytes]] = []

    async def _depth(self, request: web.Request) -> web.Response:
        response = await super()._depth(request)
        if response.status == 200:
            assert isinstance(response.body, bytes)
            self.snapshots.append((request.query["symbol"], response.body))
        return response


@pytest.fixture
def sent_frames(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every WebSocket text frame the fake venue (aiohttp's server side) sends, as bytes."""
    sent: list[bytes] = []
    send_frame, send_str = web.WebSocketResponse.send_frame, web.WebSocketResponse.send_str

    async def logged_frame(self: web.WebSocketResponse, message: bytes, opcode: WSMsgType,
                           compress: int | None = None) -> None:
        if opcode == WSMsgType.TEXT:
            sent.append(bytes(message))
        await send_frame(self, message, opcode, compress)

    async def logged_str(self: web.WebSocketResponse, data: str, compress: int | None = None) -> None:
        sent.append(data.encode())
        await send_str(self, data, compress)

    monkeypatch.setattr(web.WebSocketResponse, "send_frame", logged_frame)
    monkeypatch.setattr(web.WebSocketResponse, "send_str", logged_str)
    return sent


def _profile(tmp_path: Path, feed: str) -> Path:
    path = tmp_path / f"{feed.split(',')[0].split(':')[1].strip()}.yaml"
    path.write_text(textwrap.dedent(f"""
        mode: paper
        instruments: [{', '.join(f'binance-usdm:{s}' for s in SYMBOLS)}]
        feed: {{{feed}}}
        store: {{url: "sqlite:///{tmp_path / 'runs.db'}"}}
    """))
    return path


async def _replay(profile: Path) -> tuple[list[EventBatch], Any]:
    from cryptoscalp_core.container import build_components
    from cryptoscalp_core.plugins import default_host
    from cryptoscalp_core.profile import load_profile

    host = default_host()
    resolved = load_profile(profile, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    _, components = build_components(resolved, host)
    feed = components.feed
    await feed.start()
    batches = [batch async for batch in feed.batches()]
    await feed.stop()
    return batches, feed


def _rows(batches: list[EventBatch], kind: EventKind, instrument: int) -> np.ndarray:
    rows = np.concatenate([b.rows for b in batches if b.kind is kind])
    return rows[rows["instrument"] == instrument]


def _assert_same_columns(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.dtype == want.dtype and len(got) == len(want), what
    for name in want.dtype.names or ():
        nan = want[name].dtype.kind == "f"
        assert np.array_equal(got[name], want[name], equal_nan=nan), f"{what}: column {name}"


@pytest.fixture
def recorders(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The recorder `run_record` makes, counting the rows it was given."""
    made: list[Any] = []

    class Spy(MarketRecorder):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.rows_written = 0
            made.append(self)

        def write(self, kind: EventKind, rows: np.ndarray) -> None:
            super().write(kind, rows)
            self.rows_written += len(rows)

    monkeypatch.setattr(record_run, "MarketRecorder", Spy)
    return made


async def _drained(count: Callable[[], int]) -> None:
    """Until ``count`` stays put over five polls: the consumer has emptied the feed's queue (each poll lets
    every ready task run, so a consumer with work left always moves it)."""
    last, still = -1, 0
    while still < 5:
        await asyncio.sleep(0.02)
        now = count()
        still = still + 1 if now == last else 0
        last = now


async def _until(cond: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def test_recorded_raw_frames_replay_to_the_recorded_events(tmp_path: Path, sent_frames: list[bytes],
                                                                  recorders: list[Any],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    venue = LoggingVenue(synthetic_tape(steps=300))
    await venue.start()
    root = tmp_path / "data"
    sources: list[Any] = []
    find = record_run.find_raw_source
    monkeypatch.setattr(record_run, "find_raw_source", lambda feed: sources.append(find(feed)) or sources[-1])
    live = _profile(tmp_path, f"use: binance-usdm, ws_url: '{venue.ws_url}', rest_url: '{venue.rest_url}', {FAST}")
    stop = asyncio.Event()
    run = asyncio.create_task(record_run.run_record(live, root, stop_event=stop))
    try:
        await venue.wait_subscribed(8, timeout=60)  # run_record loads every installed plugin first
        feed = sources[0]

        def caught_up() -> bool:
            return all(feed.book_synced(s) and feed.last_update_id(s) == venue.last_u(s) for s in SYMBOLS)

        await venue.play(120)
        venue.faults.skip_depth["BTCUSDT"] = 1  # a sequence gap: resync from a new REST snapshot
        await venue.play(200)
        await _until(caught_up, "the resync")  # so the next fault is not inside the resync
        venue.faults.corrupt, venue.faults.corrupt_kind = "garbage", "depth"  # a frame the parser drops
        await venue.play()
        await _until(caught_up, "the feed to catch up with the venue")
        # every frame and snapshot sent is recorded (and the start record), then written out
        await _until(lambda: recorders[0].raw_frames == len(sent_frames) + len(venue.snapshots) + 1, "the frames")
        await _drained(lambda: recorders[0].rows_written)
    finally:
        stop.set()
        result = await run
        await venue.close()
    live_stats = result.feed
    assert live_stats["gaps"] == 2 and live_stats["resyncs"] == 2 and live_stats["dropped"]["malformed"] == 1

    # the raw frames are what the venue sent, in the order each stream sent them
    records = [r for path in raw_day_files(root, "binance-usdm") for chunk in read_raw_chunks(path)
               for r in zip(*chunk, strict=True)]
    assert result.raw_frames == len(records)
    assert [tag for _, _, tag in records[:1]] == [START_TAG]
    frames = [frame for _, frame, tag in records if tag == ""]
    assert Counter(frames) == Counter(sent_frames)
    for stream in {f.split(b'"data"')[0] for f in sent_frames if f.startswith(b'{"stream":')}:
        assert [f for f in frames if f.startswith(stream)] == [f for f in sent_frames if f.startswith(stream)]
    assert [(tag.split()[1], frame) for _, frame, tag in records if tag.startswith("depth ")] == venue.snapshots
    assert len(venue.snapshots) == 4  # two at start, two resyncs
    ts = [t for t, _, _ in records]
    assert ts == sorted(ts)

    replay = _profile(tmp_path, f"use: binance-usdm-recording, path: '{root}'")
    batches, replayed = await _replay(replay)
    recorded_events = sum(n for path, n in result.files.items() if "_raw" not in Path(path).parts)
    assert replayed.stats.events == live_stats["events"] == recorded_events
    assert (replayed.stats.gaps, replayed.stats.resyncs) == (live_stats["gaps"], live_stats["resyncs"])
    assert replayed.stats.dropped == live_stats["dropped"]
    for index, symbol in enumerate(SYMBOLS):
        for kind, name in KIND_DIR.items():
            days = sorted((root / "binance-usdm" / symbol / name).glob("*.parquet"))
            assert days, f"{symbol} {name}: nothing recorded"
            recorded = np.concatenate([read_events(p) for p in days])
            got = _rows(batches, kind, index)
            _assert_same_columns(got, recorded, f"{symbol} {name}")
            assert got.tobytes() == recorded.tobytes()


async def test_batches_a_full_queue_dropped_are_dropped_by_the_replay_too(tmp_path: Path) -> None:
    from cryptoscalp_exchange_binance import BinanceFeedConfig, make_binance_feed
    from cryptoscalp_exchange_binance.instruments import resolve
    from cryptoscalp_exchange_binance.recording import make_binance_recording

    from cryptoscalp_core.marketdata.raw import RawRecordingConfig
    from cryptoscalp_core.marketdata.recorder import MarketRecorder

    instruments = [resolve(s) for s in SYMBOLS]
    async with LoggingVenue(synthetic_tape(steps=300)) as venue:
        config = BinanceFeedConfig(ws_url=venue.ws_url, rest_url=venue.rest_url, trades="trade",
                                   max_messages_per_second=10, backoff_initial_s=0.02, backoff_max_s=0.2,
                                   check_instruments=False, max_pending_batches=10)
        feed = make_binance_feed(config, instruments=instruments)
        recorder = MarketRecorder(tmp_path, instruments, raw_venue="binance-usdm")
        feed.set_raw_sink(recorder.raw)
        await feed.start()
        await venue.wait_subscribed(8, timeout=30)
        await venue.play(150)  # nobody consumes: the queue fills and later batches are dropped
        await _until(lambda: feed.stats.dropped.get("consumer_overflow", 0) > 0, "an overflow")
        await asyncio.sleep(0.1)
        got: list[EventBatch] = []

        async def consume() -> None:
            async for batch in feed.batches():
                got.append(batch)

        consumer = asyncio.create_task(consume())
        await venue.play()
        await _until(lambda: all(feed.book_synced(s) and feed.last_update_id(s) == venue.last_u(s) for s in SYMBOLS),
                     "the feed to catch up")
        await _drained(lambda: len(got))
        await feed.stop()
        await consumer
        feed.set_raw_sink(None)
        recorder.close()
    live = feed.stats
    assert live.dropped["consumer_overflow"] > 0 and live.resyncs >= 1

    replay = make_binance_recording(RawRecordingConfig(path=str(tmp_path)), instruments=instruments)
    await replay.start()
    replayed = [batch async for batch in replay.batches()]
    assert [b.kind for b in replayed] == [b.kind for b in got]
    assert all(a.rows.tobytes() == b.rows.tobytes() for a, b in zip(replayed, got, strict=True))
    assert (replay.stats.gaps, replay.stats.resyncs, replay.stats.dropped) == (live.gaps, live.resyncs, live.dropped)


async def _record(root: Path) -> None:
    """A short clean recording of the synthetic tape (raw frames only) under ``root``."""
    from cryptoscalp_exchange_binance import BinanceFeedConfig, make_binance_feed

    from cryptoscalp_core.marketdata.recorder import MarketRecorder
    from cryptoscalp_core.testing.conformance.instruments import sample_instruments

    instruments = sample_instruments()
    async with FakeBinanceServer(synthetic_tape(steps=200)) as venue:
        feed = make_binance_feed(BinanceFeedConfig(ws_url=venue.ws_url, rest_url=venue.rest_url, trades="trade",
                                                   max_messages_per_second=10, check_instruments=False),
                                 instruments=instruments)
        recorder = MarketRecorder(root, instruments, raw_venue="binance-usdm")
        feed.set_raw_sink(recorder.raw)
        await feed.start()
        await venue.wait_subscribed(8, timeout=30)
        await venue.play()
        await _until(lambda: all(feed.last_update_id(s) == venue.last_u(s) for s in SYMBOLS), "the feed")
        await feed.stop()
        recorder.close()


@pytest.fixture(scope="module")
def recording_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("raw")
    asyncio.run(_record(root))
    return root


class TestRecordingFeedConformance(MarketFeedConformance):
    """The core's FEED suite on the ``binance-usdm-recording`` feed (a finite feed: it ends by itself)."""

    n_instruments = 3
    max_events = 100_000
    timeout_s = 10.0

    @pytest.fixture
    def make_feed(self, recording_root: Path) -> Callable[[], MarketFeed]:
        from cryptoscalp_exchange_binance.recording import make_binance_recording

        from cryptoscalp_core.marketdata.raw import RawRecordingConfig
        from cryptoscalp_core.testing.conformance.instruments import sample_instruments

        config = RawRecordingConfig(path=str(recording_root), chunk_frames=16)
        return lambda: make_binance_recording(config, instruments=sample_instruments())
