#!/usr/bin/env python3
"""Bybit v5 parse + apply throughput and frame-to-book latency of the ``bybit`` feed's hot path.

Workloads (each frame is what the WebSocket delivers, as bytes):

* ``xrp-ob500``: Bybit's own XRPUSDT ``orderbook.500`` dump (1 snapshot of 500 levels a side + 49 deltas
  of ~60 levels) from the shared data folder (``CRYPTOSCALP_DATA``, default ``../shared/data``);
* ``btc-mixed``: the plugin's BTCUSDT fixture (book deltas of 1-4 levels, trades, tickers).

Each pass replays the frames through the feed's :class:`FrameRouter` (decode, ``u`` continuity, BOOK_DELTA/
TRADE/MARK rows, apply to the feed's book) on one core; the router is built once and each pass starts
with the workload's snapshot, which replaces the book (as a snapshot Bybit resends does). It prints
messages/s over all passes and, in brackets, over the fastest pass (a loaded machine's preemptions
inflate the first figure), then the per-frame latency (frame bytes in hand → rows built and book updated)
p50/p99 in µs. Two paths: ``scan`` (book frames read straight from the bytes by the compiled scanner) and
``msgspec`` (every frame decoded by msgspec first, as before the scanner).

cryptofeed's and ccxt's Bybit handlers are timed on the ``xrp-ob500`` frames (JSON decode + book apply)
by the interpreter named in ``CRYPTOSCALP_PEERS_PYTHON`` (default: this one), reported as skipped when
they are not installed there.

    python benchmarks/parse_bybit.py [--passes 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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


def make_router(symbol: str, tick: str, depth: int, scanned: bool = True) -> FrameRouter:
    stats = FeedStats()
    drops = DropLog(stats)
    sync = BookSync(0, f"orderbook.{depth}.{symbol}", TickGrid(Decimal(tick)), stats, drops, make_book())
    topics = [Topic(f"orderbook.{depth}.{symbol}", TopicKind.BOOK, symbol, 0, sync=sync),
              Topic(f"orderbook.1.{symbol}", TopicKind.QUOTE, symbol, 0, quote=QuoteState()),
              Topic(f"publicTrade.{symbol}", TopicKind.TRADE, symbol, 0),
              Topic(f"tickers.{symbol}", TopicKind.TICKER, symbol, 0, ticker=TickerState())]
    router = FrameRouter(topics, drops)
    if not scanned:
        router._scan = None  # every frame through msgspec
    return router


def run(name: str, frames: list[bytes], factory: Callable[[bool], FrameRouter], passes: int, scanned: bool) -> float:
    router = factory(scanned)
    route = router.route
    for f in frames:  # warm-up, and a check that the workload parses cleanly
        route(f, 0)
    assert not router.drops.stats.dropped, router.drops.stats.dropped
    clock = time.perf_counter_ns
    total, best = 0, float("inf")
    for _ in range(passes):
        t0 = clock()
        for f in frames:
            route(f, 1)
        lap = clock() - t0
        total, best = total + lap, min(best, lap)
    n = passes * len(frames)
    lat = np.empty(n, dtype=np.int64)
    i = 0
    route = factory(scanned).route
    for _ in range(passes):
        for f in frames:
            t = clock()
            route(f, t)
            lat[i] = clock() - t
            i += 1
    p50, p99 = np.percentile(lat, [50, 99]) / 1000
    path = "scan" if scanned else "msgspec"
    print(f"{name:>10} {path:<7}: {n / total * 1e9:>10,.0f} msg/s ({len(frames) / best * 1e9:>10,.0f})  latency "
          f"p50 {p50:6.1f} µs  p99 {p99:6.1f} µs ({len(frames)} frames x {passes} passes, book "
          f"{'kernel' if kernel_available() else 'python'})")
    return n / total * 1e9


# Runs in the peers' interpreter (no cryptoscalp there): argv = frames file, passes.
PEER_CODE = r"""
import asyncio, json, sys, time
from importlib.metadata import version
frames = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8")]
passes = int(sys.argv[2])

async def measure(name, make):
    try:
        handle = make()
    except Exception as exc:  # not installed, or an API this script does not know
        print(json.dumps({"peer": name, "missing": f"{type(exc).__name__}: {exc}"}))
        return
    clock, total, best = time.perf_counter_ns, 0, float("inf")
    for _ in range(passes):
        t0 = clock()
        for f in frames:
            await handle(f)
        lap = clock() - t0
        total, best = total + lap, min(best, lap)
    handle, lat = make(), []
    for _ in range(passes):
        for f in frames:
            t0 = clock()
            await handle(f)
            lat.append(clock() - t0)
    lat.sort()
    print(json.dumps({"peer": f"{name} {version(name.split('.')[0])}", "msg_s": passes * len(frames) / total * 1e9,
                      "best_msg_s": len(frames) / best * 1e9, "p50": lat[len(lat) // 2] / 1000,
                      "p99": lat[int(len(lat) * 0.99)] / 1000}))

class Conn:  # what cryptofeed's handler reads of its connection
    address, uuid = "wss://stream.bybit.com/v5/public/linear", "bench"

def cryptofeed_bybit():
    from cryptofeed.defines import L2_BOOK
    from cryptofeed.exchanges import Bybit
    from cryptofeed.symbols import Symbols
    # its instrument list comes from REST; the one recorded symbol instead
    Symbols.set(Bybit.id, {"XRP-USDT-PERP": "XRPUSDT"}, {"instrument_type": {"XRP-USDT-PERP": "perpetual"},
                                                         "tick_size": {}})
    feed = Bybit(symbols=["XRP-USDT-PERP"], channels=[L2_BOOK])
    return lambda f: feed.message_handler(f, Conn, 1.0)

def ccxt_bybit():
    import ccxt.pro
    ex = ccxt.pro.bybit()
    ex.set_markets([{"id": "XRPUSDT", "symbol": "XRP/USDT:USDT", "base": "XRP", "quote": "USDT", "settle": "USDT",
                     "baseId": "XRP", "quoteId": "USDT", "settleId": "USDT", "type": "swap", "spot": False,
                     "swap": True, "future": False, "option": False, "contract": True, "linear": True,
                     "inverse": False, "active": True, "precision": {}, "limits": {}, "info": {}}])
    client = ex.client("wss://stream.bybit.com/v5/public/linear")
    client.subscriptions["orderbook:XRP/USDT:USDT"] = True
    loads, handle = json.loads, ex.handle_message

    async def step(f):
        handle(client, loads(f))
    return step

async def main():
    await measure("cryptofeed", cryptofeed_bybit)
    await measure("ccxt.pro", ccxt_bybit)

asyncio.run(main())
"""


def peers(frames: list[bytes], passes: int, ours: float) -> None:
    python = os.environ.get("CRYPTOSCALP_PEERS_PYTHON", sys.executable)
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl") as tmp:
        tmp.write(b"\n".join(frames) + b"\n")
        tmp.flush()
        proc = subprocess.run([python, "-c", PEER_CODE, tmp.name, str(passes)], capture_output=True, text=True,
                              timeout=1800, check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(f"    peers: no result from {python} ({(proc.stderr.strip().splitlines() or ['no output'])[-1]})")
    for peer in lines:
        if "missing" in peer:
            print(f"    {peer['peer']}: skipped, not usable in {python}: {peer['missing']}")
        else:
            print(f"    {peer['peer']:<22}: {peer['msg_s']:>10,.0f} msg/s ({peer['best_msg_s']:>10,.0f})  latency p50 "
                  f"{peer['p50']:6.1f} µs  p99 {peer['p99']:6.1f} µs (scan path ÷ peer: {ours / peer['msg_s']:.1f}x)")
    # The floor any Python parser pays: decoding the JSON alone.
    t0 = time.perf_counter()
    for _ in range(passes):
        for f in frames:
            orjson.loads(f)
    print(f"    orjson.loads only     : {passes * len(frames) / (time.perf_counter() - t0):>10,.0f} msg/s "
          "(the decode floor of a parser that builds Python objects)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=200)
    args = parser.parse_args()
    xrp = data_dir() / "bybit" / "nautilus" / "2024-12-01_XRPUSDT_ob500.data"
    if xrp.exists():
        frames = [orjson.dumps(m) for m in load_script(xrp)]
        ours = run("xrp-ob500", frames, lambda s: make_router("XRPUSDT", "0.0001", 500, s), args.passes, True)
        run("xrp-ob500", frames, lambda s: make_router("XRPUSDT", "0.0001", 500, s), args.passes, False)
        peers(frames, args.passes, ours)
    else:
        print(f"xrp-ob500: {xrp} not found (set CRYPTOSCALP_DATA); skipped")
    frames = [orjson.dumps(m) for m in load_script(fixture_path())]
    for scanned in (True, False):
        run("btc-mixed", frames, lambda s: make_router("BTCUSDT", "0.1", 50, s), args.passes, scanned)
    print(f"python {sys.version.split()[0]}, one core; targets: >= 300,000 msg/s, p99 <= 50 µs")


if __name__ == "__main__":
    main()
