"""End to end against the Binance plugin's fake venue on 127.0.0.1: multi-source failover over two real
connections, and the `record` and `paper` commands with the example profiles."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cryptoscalp_core.container import build_components
from cryptoscalp_core.domain.events import BookFlag, EventKind, Side
from cryptoscalp_core.marketdata.multi_source import MultiSourceFeed, SourceSwitchBatch
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.profile.resolve import resolve_data

testing = pytest.importorskip(
    "cryptoscalp_exchange_binance.testing",
    reason="the Binance plugin (cryptoscalp-exchange-binance) is not installed: its fake venue drives these tests")
pytest.importorskip("pyarrow", reason="recording needs the core's parquet extra")

ROOT = Path(__file__).resolve().parents[2]
TICK = Decimal("0.1")


def _tape() -> Any:
    return testing.synthetic_tape({"BTCUSDT": ("0.1", "60000")}, steps=500, seed=3)


def _source(venue: Any) -> dict[str, Any]:
    return {"use": "binance-usdm", "ws_url": venue.ws_url, "rest_url": venue.rest_url, "marks": False,
            "backoff_initial_s": 0.05}


async def test_stalled_connection_fails_over_without_losing_a_trade() -> None:
    tape = _tape()
    tape_trades = [int(m.data["t"]) for m in tape.messages if m.kind == "trade"]
    async with testing.FakeBinanceServer(tape) as a, testing.FakeBinanceServer(tape) as b:
        host = PluginHost()
        resolved = resolve_data({"mode": "paper", "instruments": ["binance-usdm:BTCUSDT"],
                                 "feed": {"use": "multi-source", "stall_ms": 200, "check_ms": 10,
                                          "sources": [_source(a), _source(b)]}}, host.registry,
                                resolver=host.hook.cryptoscalp_resolve_instrument)
        _, components = build_components(resolved, host)
        feed = components.feed
        assert isinstance(feed, MultiSourceFeed)
        got: list[tuple[float, Any]] = []
        stalled_at: list[float] = []

        async def read() -> None:
            async for batch in feed.batches():
                got.append((time.monotonic(), batch))
                ids = [int(x) for _, bt in got if bt.kind is EventKind.TRADE for x in bt.rows["trade_id"][-1:]]
                if ids and ids[-1] == tape_trades[-1]:
                    return

        async def play() -> None:
            await a.wait_subscribed(3)
            await b.wait_subscribed(3)
            n = len(tape.messages)
            for pos in range(0, n, 10):
                if pos >= n // 2 and not stalled_at:
                    a.stall()
                    stalled_at.append(time.monotonic())
                await a.play(pos + 10)
                await b.play(pos + 10)
                await asyncio.sleep(0.004)

        await feed.start()
        try:
            await asyncio.wait_for(asyncio.gather(read(), play()), 20)
        finally:
            await feed.stop()
        trades = [int(x) for _, bt in got if bt.kind is EventKind.TRADE for x in bt.rows["trade_id"]]
        assert trades == tape_trades  # every trade once, in order, across the switch
        # the tape's exchange time runs faster than the wall clock here, so "lag" may fire before "stall"
        first = feed.switches[0]
        assert first.reason in ("stall", "lag") and first.to_source.startswith("1:")
        switched = next(t for t, bt in got if isinstance(bt, SourceSwitchBatch))
        assert switched - stalled_at[0] < 0.5
        first_book_after = next(bt for t, bt in got if t >= switched and bt.kind is EventKind.BOOK_DELTA)
        assert (first_book_after.rows["flags"] & BookFlag.SNAPSHOT).all()
        book: dict[tuple[int, int], float] = {}
        fresh = True
        for _, bt in got:
            if bt.kind is not EventKind.BOOK_DELTA:
                continue
            for row in bt.rows:
                if int(row["flags"]) & BookFlag.SNAPSHOT and fresh:
                    book.clear()
                fresh = bool(int(row["flags"]) & BookFlag.LAST)
                key = (int(row["side"]), int(row["price_ticks"]))
                if float(row["qty"]) == 0:
                    book.pop(key, None)
                else:
                    book[key] = float(row["qty"])
        venue_book = b.books["BTCUSDT"]
        expected = {(int(Side.BUY), int(Decimal(p) / TICK)): float(q) for p, q in venue_book.bids.items()}
        expected.update({(int(Side.SELL), int(Decimal(p) / TICK)): float(q) for p, q in venue_book.asks.items()})
        assert book == expected


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cryptoscalp_core", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=False, env={**os.environ, "COLUMNS": "200", **env})


@pytest.mark.slow
def test_record_and_paper_example_profiles_against_the_fake_venue(tmp_path: Path) -> None:
    from cryptoscalp_feed_replay.parquet_io import read_parquet

    tape = testing.synthetic_tape({"BTCUSDT": ("0.1", "60000")}, steps=3000, seed=5)
    with testing.VenueThread(tape, autoplay=4, rate=2000) as venue:
        env = {"BINANCE_WS_URL": venue.ws_url, "BINANCE_REST_URL": venue.rest_url,
               "CRYPTOSCALP_DB_URL": f"sqlite:///{tmp_path / 'runs.db'}"}
        rec = _cli("record", str(ROOT / "examples/profiles/record-binance.yaml"), "-o", str(tmp_path / "data"),
                   "--duration", "3", env=env, cwd=tmp_path)
        assert rec.returncode == 0, rec.stderr[-3000:]
        assert "Traceback" not in rec.stderr
        files = sorted((tmp_path / "data" / "binance-usdm" / "BTCUSDT").glob("*/*.parquet"))
        kinds = {f.parent.name for f in files}
        assert {"trade", "quote", "book_delta"} <= kinds
        trades = np.concatenate([read_parquet(f) for f in files if f.parent.name == "trade"])
        tape_ids = {int(m.data["t"]) for m in tape.messages if m.kind == "trade"}
        assert len(trades) > 10 and set(trades["trade_id"].tolist()) <= tape_ids
        assert (np.diff(trades["trade_id"]) > 0).all()
        for label in ("gaps", "resyncs", "dropped"):
            assert label in rec.stdout
        paper = _cli("paper", str(ROOT / "examples/profiles/paper-binance.yaml"), "-o", str(tmp_path / "runs"),
                     "--duration", "3", env=env, cwd=tmp_path)
        assert paper.returncode == 0, paper.stderr[-3000:]
        assert "Traceback" not in paper.stderr
        for label in ("Paper pp-", "(duration)", "Net PnL", "Events", "failovers", "gaps", "resyncs"):
            assert label in paper.stdout, label
