"""OKX feed hot path: frame text → orjson → PushDecoder (sequencing, book apply, checksum) → EventBatch.

Measures, on one core, the messages per second and the per-frame latency (frame received → book updated
and rows built, p50/p99) of the exact code the live socket runs per frame, on:

* the real OKX recording (``okx/cryptofeed/OKX.ws.1.0.gz`` under ``$CRYPTOSCALP_DATA``, default
  ``../shared/data``): 2022 format, every book push carries a real CRC32 that is verified;
* a synthetic BTC-USDT-SWAP session in today's format (seqId/prevSeqId, ``checksum: 0``), which is what
  OKX sends now: sequencing only.

cryptofeed's and ccxt's OKX parsers are timed on the same frames when installed; otherwise they are
reported as skipped. Run: ``.venv/bin/python benchmarks/parse_okx.py [--laps N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from cryptoscalp_exchange_okx.book_sync import BookSync
from cryptoscalp_exchange_okx.decode import PushDecoder
from cryptoscalp_exchange_okx.prices import TickParser
from cryptoscalp_exchange_okx.testing import load_recording, synthetic_tape

from cryptoscalp_core.ports.market_feed import FeedStats

RECORDED_TICKS = {"BTC-USDT": "0.1", "UNI-USD-SWAP": "0.001", "BTC-USD-220527": "0.1"}


def _decoder(ticks: dict[str, str]) -> tuple[PushDecoder, FeedStats]:
    stats = FeedStats()
    books = {s: BookSync(s, i, TickParser(Decimal(t)), stats) for i, (s, t) in enumerate(ticks.items())}
    return PushDecoder({s: i for i, s in enumerate(ticks)}, books, stats, "books"), stats


def run(name: str, pushes: list[dict[str, Any]], ticks: dict[str, str], laps: int) -> None:
    frames = [orjson.dumps(p).decode() for p in pushes]
    decoder, stats = _decoder(ticks)
    decode, loads, clock = decoder.decode, orjson.loads, time.perf_counter_ns
    # Throughput: the loop a socket runs, without timing calls inside.
    start = time.perf_counter()
    rows = 0
    for _ in range(laps):
        for frame in frames:
            msg = loads(frame)
            batch = decode(msg, 1)
            if batch is not None:
                rows += len(batch.rows)
    elapsed = time.perf_counter() - start
    n = laps * len(frames)
    # Latency: one clock pair per frame.
    decoder, stats = _decoder(ticks)
    decode = decoder.decode
    lat: list[int] = []
    for _ in range(max(1, laps // 4)):
        for frame in frames:
            t0 = clock()
            decode(loads(frame), 1)
            lat.append(clock() - t0)
    lat.sort()
    p50, p99 = lat[len(lat) // 2] / 1000, lat[int(len(lat) * 0.99)] / 1000
    book_frames = sum(1 for p in pushes if p["arg"]["channel"].startswith("books"))
    print(f"{name:<38} {n / elapsed:>12,.0f} msg/s  {rows / elapsed:>12,.0f} rows/s  "
          f"p50 {p50:6.1f} µs  p99 {p99:6.1f} µs  ({len(frames)} frames, {book_frames} book, "
          f"gaps {stats.gaps}, dropped {dict(stats.dropped)})")


def peers(pushes: list[dict[str, Any]]) -> None:
    try:
        import cryptofeed  # noqa: F401
    except ImportError:
        print("cryptofeed: not installed, skipped (pip install cryptofeed in a throwaway venv to compare)")
    else:
        print("cryptofeed: installed, but its OKX parser is bound to its feed handler's network loop; not timed")
    try:
        import ccxt  # noqa: F401
    except ImportError:
        print("ccxt: not installed, skipped (pip install ccxt in a throwaway venv to compare)")
    else:
        print("ccxt: installed, but its OKX book handler needs ccxt.pro's client object; not timed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--laps", type=int, default=40, help="passes over each tape")
    args = parser.parse_args()
    data = Path(os.environ.get("CRYPTOSCALP_DATA", "../shared/data"))
    recording = data / "okx" / "cryptofeed" / "OKX.ws.1.0.gz"
    if recording.exists():
        run("recording (CRC32 verified)", load_recording(recording), RECORDED_TICKS, args.laps)
    else:
        print(f"recording not found under {data}: set CRYPTOSCALP_DATA; running the synthetic tape only")
    tape = synthetic_tape(2000, seed=1, checksum=False)
    run("synthetic BTC-USDT-SWAP (seqId, cs=0)", tape, {"BTC-USDT-SWAP": "0.1"}, max(1, args.laps // 4))
    tape_cs = synthetic_tape(2000, seed=1, checksum=True)
    run("synthetic BTC-USDT-SWAP (seqId + CRC)", tape_cs, {"BTC-USDT-SWAP": "0.1"}, max(1, args.laps // 4))
    peers(tape)
    print(f"python {sys.version.split()[0]}, one core; targets: >= 300,000 msg/s, p99 <= 50 µs")


if __name__ == "__main__":
    main()
