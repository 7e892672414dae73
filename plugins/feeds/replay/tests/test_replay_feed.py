"""Feed behaviour around the data: path and format resolution, batching, clock, pacing, stop, symbols."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptoscalp_feed_replay import ReplayConfig, make_replay_feed
from cryptoscalp_feed_replay.sources import detect_format, resolve_paths

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument


def first_line(path: Path, marker: str) -> tuple[int, dict[str, Any]]:
    for line in path.read_text().splitlines():
        if marker in line:
            stamp, body = line.split(" ", 1)
            return int(stamp), json.loads(body)["data"]
    raise AssertionError(marker)


def test_formats_are_told_from_names_and_content(fixtures_dir: Path, tmp_path: Path) -> None:
    assert detect_format([fixtures_dir / "btcusdt_mini.txt"]) == "binance-ws"
    assert detect_format([fixtures_dir / "bars_mini.csv"]) == "ohlcv"
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(ValueError, match="format"):
        detect_format([tmp_path / "notes.txt"])
    assert resolve_paths(str(fixtures_dir / "*_mini.txt")) == sorted(fixtures_dir.glob("*_mini.txt"))
    with pytest.raises(FileNotFoundError):
        resolve_paths(str(tmp_path / "none*.gz"))


def test_runs_of_one_kind_are_one_batch_up_to_chunk_rows(replay: Callable[..., Any], fixtures_dir: Path) -> None:
    whole = replay(path=str(fixtures_dir / "*_mini.txt"))
    kinds = [b.kind for b in whole.batches]
    assert all(a is not b for a, b in itertools.pairwise(kinds))
    capped = replay(path=str(fixtures_dir / "*_mini.txt"), chunk_rows=2)
    assert max(len(b) for b in capped.batches) == 2
    assert sum(len(b) for b in capped.batches) == whole.stats.events == capped.stats.events
    for kind in EventKind:
        assert np.array_equal(whole.rows(kind), capped.rows(kind))


def test_clock_correction_centres_latency_on_md_latency(replay: Callable[..., Any], fixtures_dir: Path) -> None:
    path = fixtures_dir / "btcusdt_mini.txt"
    local, trade = first_line(path, "@trade")
    samples = []  # local - E of the pushed events (not the snapshot, not the mark price): the documented sample
    for line in path.read_text().splitlines():
        stamp, body = line.split(" ", 1)
        data = json.loads(body).get("data", {})
        if data.get("e") in ("trade", "bookTicker", "depthUpdate"):
            samples.append(int(stamp) - data["E"] * 1_000_000)
    median = sorted(samples)[(len(samples) - 1) // 2]
    out = replay(path=str(path), md_latency_ms=4)
    row = out.rows(EventKind.TRADE)[0]
    assert row["ts_recv"] == local - median + 4_000_000
    assert row["ts_event"] == trade["T"] * 1_000_000
    fixed = replay(path=str(path), clock_offset_ms=-1000.0)
    assert fixed.rows(EventKind.TRADE)[0]["ts_recv"] == local + 1_000_000_000
    floor = replay(path=str(path), clock_quantile=0.0)
    trades = floor.rows(EventKind.TRADE)
    assert (trades["ts_recv"] >= trades["ts_event"]).all()


def test_symbols_outside_the_profile_are_skipped_and_counted(replay: Callable[..., Any], fixtures_dir: Path,
                                                             instruments: tuple[Instrument, ...]) -> None:
    lines = (fixtures_dir / "ethusdt_mini.txt").read_text().splitlines()
    out = replay(instruments[:1], path=str(fixtures_dir / "*_mini.txt"))
    assert out.stats.dropped["not_subscribed"] == len(lines)
    assert set(np.concatenate([b.rows["instrument"] for b in out.batches]).tolist()) == {0}
    other_venue = (Instrument("okx-swap", "BTCUSDT", instruments[0].tick_size, instruments[0].lot_size),)
    assert replay(other_venue, path=str(fixtures_dir / "btcusdt_mini.txt")).stats.events == 0


def test_speed_paces_batches_and_stop_ends_the_wait(fixtures_dir: Path, instruments: tuple[Instrument, ...]) -> None:
    config = ReplayConfig(path=str(fixtures_dir / "btcusdt_mini.txt"), speed=20.0)
    feed = make_replay_feed(config, instruments=instruments)
    span_ns = None

    async def paced() -> float:
        nonlocal span_ns
        await feed.start()
        started, seen = time.monotonic(), []
        async for batch in feed.batches():
            seen.append(batch.rows["ts_recv"])
        span_ns = int(seen[-1][0] - seen[0][0])
        return time.monotonic() - started

    elapsed = asyncio.run(paced())
    assert span_ns is not None and elapsed >= span_ns / 1e9 / 20 * 0.9

    async def stopped() -> float:
        slow = make_replay_feed(config.model_copy(update={"speed": 0.001}), instruments=instruments)
        await slow.start()
        iterator = slow.batches()
        await anext(iterator)
        asyncio.get_running_loop().call_later(0.05, lambda: asyncio.ensure_future(slow.stop()))
        started = time.monotonic()
        rest = [b async for b in iterator]
        assert rest == []
        return time.monotonic() - started

    assert asyncio.run(stopped()) < 2.0


def test_batches_needs_start_and_restart_replays_from_the_beginning(
        fixtures_dir: Path, instruments: tuple[Instrument, ...]) -> None:
    feed = make_replay_feed(ReplayConfig(path=str(fixtures_dir / "btcusdt_mini.txt")), instruments=instruments)

    async def run() -> list[int]:
        with pytest.raises(RuntimeError, match="start"):
            await anext(feed.batches())
        counts = []
        for _ in range(2):
            await feed.start()
            counts.append(sum([len(b) async for b in feed.batches()]))
            with pytest.raises(RuntimeError, match="once"):
                await anext(feed.batches())
            await feed.stop()
        return counts

    first, second = asyncio.run(run())
    assert first == second == feed.stats.events > 0
