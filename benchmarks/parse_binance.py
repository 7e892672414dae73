"""Binance USD-M feed parser: parse + book-apply throughput and per-frame latency on real recordings.

    python benchmarks/parse_binance.py [recording.gz ...]

Default recordings: ``$CRYPTOSCALP_DATA/binance-usdm/hftbacktest/{btc,eth}usdt_20240808.gz``. Every
frame goes through ``StreamParser.on_frame`` exactly as the live feed calls it (decode, validate, dedupe,
book sync and apply, rows built); the REST snapshot line is fed through ``on_snapshot`` where it was
recorded. Reported, on one core:

* throughput, messages/s, over the whole recording (target >= 300,000);
* latency frame-received → book-updated (one ``on_frame`` call), p50/p99 per message kind (target
  p99 <= 50 us);
* two paths: ``frames`` is the live default (``depthUpdate`` frames read straight from the bytes by the
  compiled scanner ``cryptoscalp_speedups.binanceframes``, every other frame through msgspec), ``msgspec``
  the previous path (``scan_frames=False``: every frame decoded by msgspec first);
* side by side: ``orjson.loads`` alone on the same frames (the floor of any JSON parser), and cryptofeed's
  and ccxt's Binance USD-M depth handlers (JSON decode + book apply) on the recording's diffs from the
  snapshot on, run by the interpreter named in ``CRYPTOSCALP_PEERS_PYTHON`` (default: this one), reported
  as skipped when they are not installed there (they are not dependencies of this project).
"""

from __future__ import annotations

import gc
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import orjson
from cryptoscalp_exchange_binance import StreamParser
from cryptoscalp_exchange_binance.drops import DropLog

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats

TICKS = {"BTCUSDT": "0.1", "ETHUSDT": "0.01"}


def load(path: Path) -> tuple[str, list[tuple[str, bytes]]]:
    """(symbol, [(event, frame bytes)]) with the snapshot as event ``snapshot``."""
    frames: list[tuple[str, bytes]] = []
    symbol = ""
    with gzip.open(path, "rb") as handle:
        for line in handle:
            _, _, body = line.rstrip(b"\n").partition(b" ")
            if body.startswith(b'{"lastUpdateId"'):
                frames.append(("snapshot", body))
                continue
            data = orjson.loads(body)["data"]
            symbol = data["s"]
            frames.append((data["e"], body))
    return symbol, frames


def run_parser(symbol: str, frames: list[tuple[str, bytes]], *, timed: bool,
               scan: bool) -> tuple[float, dict[str, list[int]]]:
    inst = Instrument("binance-usdm", symbol, tick_size=Decimal(TICKS[symbol]), lot_size=Decimal("0.001"))
    stats = FeedStats()
    parser = StreamParser([(0, inst)], stats, DropLog(stats), lambda i: None, max_buffer=1_000_000,
                          scan_frames=scan)
    on_frame, on_snapshot = parser.on_frame, parser.on_snapshot
    latencies: dict[str, list[int]] = {}
    clock = time.perf_counter_ns
    gc.disable()
    start = time.perf_counter()
    if timed:
        for event, raw in frames:
            t0 = clock()
            if event == "snapshot":
                on_snapshot(0, raw, 1)
            else:
                on_frame(raw, 1)
            latencies.setdefault(event, []).append(clock() - t0)
    else:
        for event, raw in frames:
            if event == "snapshot":
                on_snapshot(0, raw, 1)
            else:
                on_frame(raw, 1)
    elapsed = time.perf_counter() - start
    gc.enable()
    assert parser.by_index[0].sync.live and not stats.gaps, stats
    return elapsed, latencies


def orjson_floor(frames: list[tuple[str, bytes]]) -> float:
    loads = orjson.loads
    start = time.perf_counter()
    for _, raw in frames:
        loads(raw)
    return time.perf_counter() - start


# Runs in the peers' interpreter (no cryptoscalp there): argv = diffs file, snapshot file, laps, symbol.
PEER_CODE = r'''
import asyncio, json, sys, time
snapshot = open(sys.argv[2], encoding="utf-8").read()
frames = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8")]
laps, symbol = int(sys.argv[3]), sys.argv[4]

last_u = json.loads(frames[-1])["data"]["u"]

async def measure(name, make):
    try:
        handle, version, synced = await make()
        for f in frames[:50]:
            await handle(f)
    except Exception as exc:  # not installed, or an API this script does not know
        print(json.dumps({"peer": name, "missing": f"{type(exc).__name__}: {exc}"}))
        return
    clock, total, best = time.perf_counter_ns, 0, float("inf")
    for _ in range(laps):
        handle, _, synced = await make()
        t0 = clock()
        for f in frames:
            await handle(f)
        lap = clock() - t0
        total, best = total + lap, min(best, lap)
    handle, _, synced = await make()
    lat = []
    for f in frames:
        t0 = clock()
        await handle(f)
        lat.append(clock() - t0)
    lat.sort()
    print(json.dumps({"peer": f"{name} {version}", "msg_s": laps * len(frames) / total * 1e9,
                      "best_msg_s": len(frames) / best * 1e9, "p50": lat[len(lat) // 2] / 1000,
                      "p99": lat[int(len(lat) * 0.99)] / 1000, "synced": synced() == last_u}))

async def cryptofeed_binance():
    from importlib.metadata import version
    from cryptofeed.defines import L2_BOOK
    from cryptofeed.exchanges import BinanceFutures
    from cryptofeed.symbols import Symbols
    std = symbol[:-4] + "-USDT-PERP"
    # its instrument list comes from REST: the recorded symbol instead
    Symbols.set(BinanceFutures.id, {std: symbol}, {"instrument_type": {std: "perpetual"}, "tick_size": {}})
    feed = BinanceFutures(symbols=[std], channels=[L2_BOOK])

    async def read(*args, **kwargs):  # the recorded REST snapshot instead of a request
        return snapshot
    feed.http_conn.read = read
    return (lambda f: feed.message_handler(f, None, 1.0)), version("cryptofeed"), \
        lambda: feed.last_update_id.get(std)

async def ccxt_binance():
    import ccxt
    import ccxt.pro
    ex = ccxt.pro.binanceusdm()
    base = symbol[:-4]
    ex.set_markets([{"id": symbol, "symbol": f"{base}/USDT:USDT", "base": base, "quote": "USDT", "settle": "USDT",
                     "baseId": base, "quoteId": "USDT", "settleId": "USDT", "type": "swap", "spot": False,
                     "swap": True, "future": False, "option": False, "contract": True, "linear": True,
                     "inverse": False, "active": True, "precision": {}, "limits": {}, "info": {}}])
    client = ex.client(ex.urls["api"]["ws"]["linear"])
    snap = json.loads(snapshot)
    book = ex.order_book({}, 1000)
    ex.orderbooks[f"{base}/USDT:USDT"] = book
    parsed = ex.parse_order_book(snap, f"{base}/USDT:USDT")
    parsed["nonce"] = snap["lastUpdateId"]
    book.reset(parsed)
    loads, handle = json.loads, ex.handle_order_book

    async def step(f):
        handle(client, loads(f)["data"])
    return step, ccxt.__version__, lambda: book["nonce"]

async def main():
    await measure("cryptofeed", cryptofeed_binance)
    await measure("ccxt.pro", ccxt_binance)

asyncio.run(main())
'''


def run_peers(frames: list[tuple[str, bytes]]) -> None:
    """cryptofeed's and ccxt's depth handlers on the diffs from the snapshot on, in CRYPTOSCALP_PEERS_PYTHON."""
    python = os.environ.get("CRYPTOSCALP_PEERS_PYTHON", sys.executable)
    snapshot = next(raw for event, raw in frames if event == "snapshot")
    lid = orjson.loads(snapshot)["lastUpdateId"]
    diffs = [raw for event, raw in frames if event == "depthUpdate" and orjson.loads(raw)["data"]["u"] >= lid]
    symbol = orjson.loads(diffs[0])["data"]["s"]
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl") as tape, \
            tempfile.NamedTemporaryFile("wb", suffix=".json") as snap:
        tape.write(b"\n".join(diffs) + b"\n")
        snap.write(snapshot)
        tape.flush()
        snap.flush()
        proc = subprocess.run([python, "-c", PEER_CODE, tape.name, snap.name, "2", symbol],
                              capture_output=True, text=True, timeout=1800, check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(f"  peers: no result from {python} ({(proc.stderr.strip().splitlines() or ['no output'])[-1]})")
    for peer in lines:
        if "missing" in peer:
            print(f"  {peer['peer']:<24}: skipped, not usable in {python}: {peer['missing']}")
        else:
            print(f"  {peer['peer']:<24}: {peer['msg_s']:12,.0f} msg/s  depthUpdate only ({len(diffs)} diffs)  "
                  f"p50 {peer['p50']:6.2f} us  p99 {peer['p99']:7.2f} us  "
                  f"{'in sync at the end' if peer['synced'] else 'NOT in sync at the end'}")


def main() -> None:
    data = Path(os.environ.get("CRYPTOSCALP_DATA", "../shared/data"))
    paths = [Path(p) for p in sys.argv[1:]] or [data / "binance-usdm" / "hftbacktest" / f"{s}_20240808.gz"
                                                 for s in ("btcusdt", "ethusdt")]
    for path in paths:
        symbol, frames = load(path)
        n = len(frames)
        print(f"\n{path.name}: {n:,} messages")
        for name, scan in (("frames", True), ("msgspec", False)):
            best = min(run_parser(symbol, frames, timed=False, scan=scan)[0] for _ in range(3))
            _, lat = run_parser(symbol, frames, timed=True, scan=scan)
            print(f"  cryptoscalp {name:<8}    : {n / best:12,.0f} msg/s  ({best * 1e6 / n:.2f} us/msg)")
            every = np.concatenate([np.asarray(v) for v in lat.values()]) / 1000
            p50, p99 = np.percentile(every, 50), np.percentile(every, 99)
            print(f"    latency frame->book all : p50 {p50:6.2f} us  p99 {p99:6.2f} us")
            for event, values in sorted(lat.items()):
                us = np.asarray(values) / 1000
                p50, p99 = np.percentile(us, 50), np.percentile(us, 99)
                print(f"      {event:16s} n={len(us):6d}  p50 {p50:6.2f} us  p99 {p99:7.2f} us")
        floor = min(orjson_floor(frames) for _ in range(3))
        print(f"  orjson.loads only       : {n / floor:12,.0f} msg/s  (JSON decode floor, no validation/book)")
        run_peers(frames)
    print(f"python {sys.version.split()[0]}, one core; targets: >= 300,000 msg/s, p99 <= 50 us")


if __name__ == "__main__":
    main()
