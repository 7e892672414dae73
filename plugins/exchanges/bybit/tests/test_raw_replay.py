"""`cryptoscalp record` against the fake Bybit, with a lost book delta and a malformed one, then the
``bybit-recording`` feed over the raw frames it wrote: the raw frames are the bytes the server sent, and
the replay yields the normalised events the recording run wrote, column for column, with the same gaps,
resyncs and drops."""

from __future__ import annotations

import asyncio
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import web
from cryptoscalp_exchange_bybit.testing import FakeBybit

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.marketdata import record_run
from cryptoscalp_core.marketdata.raw import START_TAG
from cryptoscalp_core.marketdata.recorder import (
    KIND_DIR,
    MarketRecorder,
    raw_day_files,
    read_events,
    read_raw_chunks,
)
from cryptoscalp_core.ports.market_feed import EventBatch

pytest.importorskip("pyarrow", reason="recording needs the core's parquet extra")

SETTINGS = "verify_instruments: false, cache_instruments: false, backoff_initial_s: 0.01, backoff_max_s: 0.1"


@pytest.fixture
def sent_frames(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every text frame the fake server (aiohttp's server side) wrote, as bytes."""
    sent: list[bytes] = []
    send_str = web.WebSocketResponse.send_str

    async def logged(self: web.WebSocketResponse, data: str, compress: int | None = None) -> None:
        await send_str(self, data, compress)
        sent.append(data.encode())

    monkeypatch.setattr(web.WebSocketResponse, "send_str", logged)
    return sent


def _profile(tmp_path: Path, name: str, feed: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(f"""
        mode: paper
        instruments: [bybit:BTCUSDT]
        feed: {{{feed}}}
        store: {{url: "sqlite:///{tmp_path / 'runs.db'}"}}
    """))
    return path


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


async def test_recorded_raw_frames_replay_to_the_recorded_events(tmp_path: Path, btc_script: Any, infos: Any,
                                                                  sent_frames: list[bytes],
                                                                  recorders: list[Any]) -> None:
    fake = FakeBybit(btc_script, instruments=infos, interval_s=0.003)
    fake.at(40, lambda: fake.gap(2))  # lost deltas: the topic is resubscribed on the same connection
    fake.at(90, lambda: fake.malformed())  # an undecodable delta: the book resyncs too
    root = tmp_path / "data"
    async with fake:
        live = _profile(tmp_path, "live", f"use: bybit, ws_url: '{fake.ws_url}', rest_url: '{fake.rest_url}', "
                                          f"{SETTINGS}")
        stop = asyncio.Event()
        run = asyncio.create_task(record_run.run_record(live, root, stop_event=stop))
        try:
            await asyncio.wait_for(fake.finished.wait(), 60)  # run_record loads every installed plugin first
            # every frame sent has been recorded (plus the start and the session's reset records)
            await _until(lambda: recorders and recorders[0].raw_frames == len(sent_frames) + 2, "the last frames")
            await _drained(lambda: recorders[0].rows_written)
        finally:
            stop.set()
            result = await run
    live_stats = result.feed
    # the malformed delta is lost too: the next one shows a second gap (unless it came while resyncing)
    assert live_stats["gaps"] >= 1 and live_stats["resyncs"] >= 1 and live_stats["dropped"]["malformed"] == 1

    records = [r for path in raw_day_files(root, "bybit") for chunk in read_raw_chunks(path)
               for r in zip(*chunk, strict=True)]
    assert result.raw_frames == len(records)
    assert [tag for _, _, tag in records[:2]] == [START_TAG, "reset"]
    assert set(records[1][1].decode().split()) == {"orderbook.50.BTCUSDT", "orderbook.1.BTCUSDT",
                                                    "publicTrade.BTCUSDT", "tickers.BTCUSDT"}
    assert [frame for _, frame, tag in records if tag == ""] == sent_frames

    batches, replayed = await _replay(_profile(tmp_path, "replay", f"use: bybit-recording, path: '{root}'"))
    recorded_events = sum(n for path, n in result.files.items() if "_raw" not in Path(path).parts)
    assert replayed.stats.events == live_stats["events"] == recorded_events
    assert (replayed.stats.gaps, replayed.stats.resyncs) == (live_stats["gaps"], live_stats["resyncs"])
    assert replayed.stats.dropped == live_stats["dropped"]
    for kind, name in KIND_DIR.items():
        days = sorted((root / "bybit" / "BTCUSDT" / name).glob("*.parquet"))
        assert days, f"{name}: nothing recorded"
        recorded = np.concatenate([read_events(p) for p in days])
        got = np.concatenate([b.rows for b in batches if b.kind is kind])
        assert got.dtype == recorded.dtype and len(got) == len(recorded), name
        for column in recorded.dtype.names or ():
            nan = recorded[column].dtype.kind == "f"
            assert np.array_equal(got[column], recorded[column], equal_nan=nan), f"{name} {column}"
        assert got.tobytes() == recorded.tobytes()
    assert {b.kind for b in batches} == set(EventKind)
