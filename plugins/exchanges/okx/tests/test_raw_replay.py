"""`cryptoscalp record` against the fake server, with a sequence gap, a truncated frame and a dropped
connection, then the ``okx-recording`` feed over the raw frames it wrote: the raw frames are the bytes the
server sent, and the replay yields the normalised events the recording run wrote, column for column, with
the same gaps, resyncs and drops."""

from __future__ import annotations

import asyncio
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptoscalp_exchange_okx.testing import FakeOkxServer, swap_instrument_row, synthetic_tape
from websockets.asyncio.server import ServerConnection

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.marketdata import record_run
from cryptoscalp_core.marketdata.raw import START_TAG
from cryptoscalp_core.marketdata.recorder import KIND_DIR, MarketRecorder, raw_day_files, read_events, read_raw_chunks
from cryptoscalp_core.ports.market_feed import EventBatch

pytest.importorskip("pyarrow", reason="recording needs the core's parquet extra")

SYMBOLS = ("BTC-USDT-SWAP", "ETH-USDT-SWAP")
SETTINGS = "backoff_initial_s: 0.05, backoff_max_s: 0.2, subscribe_timeout_s: 2.0, fetch_instruments: false"


def _tape() -> list[dict[str, Any]]:
    """Both instruments' sessions, interleaved."""
    btc = synthetic_tape(240, seed=11)
    eth = synthetic_tape(200, seed=5, inst_id="ETH-USDT-SWAP", mid_ticks=35_000)
    out = [push for pair in zip(btc, eth, strict=False) for push in pair]
    return out + btc[len(eth):]


@pytest.fixture
def sent_frames(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every frame the fake server (websockets' server side) wrote, as bytes."""
    sent: list[bytes] = []
    send = ServerConnection.send

    async def logged(self: ServerConnection, message: Any, *, text: bool | None = None) -> None:
        await send(self, message, text=text)
        sent.append(message.encode() if isinstance(message, str) else bytes(message))

    monkeypatch.setattr(ServerConnection, "send", logged)
    return sent


def _profile(tmp_path: Path, name: str, feed: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(f"""
        mode: paper
        instruments: [{', '.join(f'okx:{s}' for s in SYMBOLS)}]
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


async def test_recorded_raw_frames_replay_to_the_recorded_events(tmp_path: Path, sent_frames: list[bytes],
                                                                  recorders: list[Any],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [swap_instrument_row(), swap_instrument_row("ETH-USDT-SWAP", tick="0.01", ct_val="0.1")]
    server = FakeOkxServer(_tape(), instruments=rows)
    await server.start()
    root = tmp_path / "data"
    sources: list[Any] = []
    find = record_run.find_raw_source
    monkeypatch.setattr(record_run, "find_raw_source", lambda feed: sources.append(find(feed)) or sources[-1])
    live = _profile(tmp_path, "live", f"use: okx, ws_url: '{server.ws_url}', rest_url: '{server.rest_url}', {SETTINGS}")
    stop = asyncio.Event()
    run = asyncio.create_task(record_run.run_record(live, root, stop_event=stop))

    def settled() -> bool:
        books = sources[0].books
        return all(books[s].state == 1 and books[s].last_seq == server.seq.get(s) for s in SYMBOLS)

    async def settle(records: int) -> None:
        """Until the feed has every frame sent (and ``records`` start/reset records) and passed it on."""
        await server.flush()
        await _until(settled, "the books to catch up with the server")
        await _until(lambda: recorders[0].raw_frames == len(sent_frames) + records, "the frames")
        await _drained(lambda: recorders[0].rows_written)

    try:
        await _until(lambda: sources and sources[0].sockets and sources[0].sockets[0].connected.is_set(), "subscribed",
                     timeout=60)  # run_record loads every installed plugin first
        await server.advance(120)
        await settle(1)
        server.faults.skip_book_pushes = 1  # a gap: the book channel is resubscribed for a fresh snapshot
        await server.advance(60)
        server.faults.truncate_next = 1  # a frame that is not JSON
        await server.advance(60)
        await settle(1)
        await server.drop_connections()  # the socket's books are void until the new session's snapshots
        await _until(lambda: sources[0].stats.reconnects == 1 and settled(), "the reconnect")
        await server.advance(len(server.tape))
        await settle(2)
    finally:
        stop.set()
        result = await run
        await server.close()
    live_stats = result.feed
    # the truncated frame may or may not be a book push (then a second gap), as the resubscription goes
    assert live_stats["gaps"] >= 1 and live_stats["resyncs"] >= 3 and live_stats["dropped"]["malformed"] == 1

    records = [r for path in raw_day_files(root, "okx") for chunk in read_raw_chunks(path)
               for r in zip(*chunk, strict=True)]
    assert result.raw_frames == len(records)
    assert records[0][2] == START_TAG
    assert [frame for _, frame, tag in records if tag == ""] == sent_frames  # one socket at a time: in order
    assert [frame.decode().split() for _, frame, tag in records if tag == "reset"][:1] == [list(SYMBOLS)]

    batches, replayed = await _replay(_profile(tmp_path, "replay", f"use: okx-recording, path: '{root}'"))
    recorded_events = sum(n for path, n in result.files.items() if "_raw" not in Path(path).parts)
    assert replayed.stats.events == live_stats["events"] == recorded_events
    assert (replayed.stats.gaps, replayed.stats.resyncs) == (live_stats["gaps"], live_stats["resyncs"])
    assert replayed.stats.dropped == live_stats["dropped"]
    for index, symbol in enumerate(SYMBOLS):
        for kind, name in KIND_DIR.items():
            days = sorted((root / "okx" / symbol / name).glob("*.parquet"))
            assert days, f"{symbol} {name}: nothing recorded"
            recorded = np.concatenate([read_events(p) for p in days])
            got = np.concatenate([b.rows for b in batches if b.kind is kind])
            got = got[got["instrument"] == index]
            assert got.dtype == recorded.dtype and len(got) == len(recorded), f"{symbol} {name}"
            for column in recorded.dtype.names or ():
                nan = recorded[column].dtype.kind == "f"
                assert np.array_equal(got[column], recorded[column], equal_nan=nan), f"{symbol} {name} {column}"
            assert got.tobytes() == recorded.tobytes()
    assert EventKind.MARK in {b.kind for b in batches}
