"""OKX feed hot path: frame bytes → PushDecoder (sequencing, book apply, checksum) → EventBatch.

Measures, on one core, the messages per second and the per-frame latency (frame received → book updated
and rows built, p50/p99) of the code the live socket runs per frame, on:

* the real OKX recording (``okx/cryptofeed/OKX.ws.1.0.gz`` under ``$CRYPTOSCALP_DATA``, default
  ``../shared/data``): 2022 format, every book push carries a real CRC32 that is verified;
* a synthetic BTC-USDT-SWAP session in today's format (seqId/prevSeqId, ``checksum: 0``), which is what
  OKX sends now: sequencing only; and the same with CRC32s.

Two paths are timed: ``frame`` is :meth:`PushDecoder.decode_frame` (book pushes read straight from the
bytes by the compiled scanner, other pushes through orjson), ``dict`` is ``orjson.loads`` followed by
:meth:`PushDecoder.decode` (every push decoded to Python objects first). Throughput is over all laps, and
in brackets over the fastest lap (a loaded machine's preemptions inflate the first figure).

cryptofeed's and ccxt's OKX handlers are timed on the recording's frames (JSON decode + book apply, the
checksum verified by cryptofeed) by the interpreter named in ``CRYPTOSCALP_PEERS_PYTHON`` (default: this
one), reported as skipped when they are not installed there. Run:
``.venv/bin/python benchmarks/parse_okx.py [--laps N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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


def _step(decoder: PushDecoder, path: str) -> Any:
    if path == "frame":
        return lambda frame, ts: decoder.decode_frame(frame, ts)
    decode, loads = decoder.decode, orjson.loads
    return lambda frame, ts: decode(loads(frame), ts)


def run(name: str, pushes: list[dict[str, Any]], ticks: dict[str, str], laps: int, path: str) -> float:
    frames = [orjson.dumps(p) for p in pushes]
    decoder, stats = _decoder(ticks)
    step = _step(decoder, path)
    # Throughput: the loop a socket runs, without timing calls inside.
    clock = time.perf_counter_ns
    rows, best, total = 0, float("inf"), 0
    for _ in range(laps):
        t0 = clock()
        for frame in frames:
            batch = step(frame, 1)
            if batch is not None:
                rows += len(batch.rows)
        lap = clock() - t0
        total += lap
        best = min(best, lap)
    n = laps * len(frames)
    # Latency: one clock pair per frame.
    decoder, stats = _decoder(ticks)
    step = _step(decoder, path)
    lat: list[int] = []
    for _ in range(max(1, laps // 4)):
        for frame in frames:
            t0 = clock()
            step(frame, 1)
            lat.append(clock() - t0)
    lat.sort()
    p50, p99 = lat[len(lat) // 2] / 1000, lat[int(len(lat) * 0.99)] / 1000
    book_frames = sum(1 for p in pushes if p["arg"]["channel"].startswith("books"))
    checked = sum(sync.checksums for sync in decoder.books.values())
    print(f"{name:<38} {path:<5} {n / total * 1e9:>9,.0f} msg/s ({len(frames) / best * 1e9:>9,.0f})  "
          f"{rows / total * 1e9:>10,.0f} rows/s  p50 {p50:5.1f} µs  p99 {p99:6.1f} µs  ({len(frames)} frames, "
          f"{book_frames} book, CRC checked {checked}, gaps {stats.gaps}, dropped {dict(stats.dropped)})")
    return n / total * 1e9


# Runs in the peers' interpreter (no cryptoscalp there): argv = frames file, laps, instIds.
PEER_CODE = r"""
import asyncio, json, sys, time
frames = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8")]
laps, insts = int(sys.argv[2]), json.loads(sys.argv[3])

async def measure(name, make):
    try:
        handle, version = make()
    except Exception as exc:  # not installed, or an API this script does not know
        print(json.dumps({"peer": name, "missing": f"{type(exc).__name__}: {exc}"}))
        return
    clock, total, best = time.perf_counter_ns, 0, float("inf")
    for _ in range(laps):
        t0 = clock()
        for f in frames:
            await handle(f)
        lap = clock() - t0
        total, best = total + lap, min(best, lap)
    handle, _ = make()
    lat = []
    for _ in range(max(1, laps // 4)):
        for f in frames:
            t0 = clock()
            await handle(f)
            lat.append(clock() - t0)
    lat.sort()
    print(json.dumps({"peer": f"{name} {version}", "msg_s": laps * len(frames) / total * 1e9,
                      "best_msg_s": len(frames) / best * 1e9, "p50": lat[len(lat) // 2] / 1000,
                      "p99": lat[int(len(lat) * 0.99)] / 1000}))

def cryptofeed_okx():
    from importlib.metadata import version
    from cryptofeed.defines import L2_BOOK, TICKER, TRADES
    from cryptofeed.exchanges import OKX
    from cryptofeed.symbols import Symbols
    # its instrument list comes from REST; the recorded instIds as their own names instead
    Symbols.set(OKX.id, {s: s for s in insts}, {"instrument_type": {s: "spot" for s in insts}, "tick_size": {}})
    feed = OKX(symbols=insts, channels=[L2_BOOK, TRADES, TICKER], checksum_validation=True)
    return (lambda f: feed.message_handler(f, None, 1.0)), version("cryptofeed")

def ccxt_okx():
    import ccxt
    import ccxt.pro
    ex = ccxt.pro.okx()
    ex.set_markets([{"id": s, "symbol": s.replace("-", "/", 1), "base": s.split("-")[0], "quote": s.split("-")[1],
                     "baseId": s.split("-")[0], "quoteId": s.split("-")[1], "settle": None, "type": "spot",
                     "spot": True, "swap": False, "future": False, "option": False, "contract": False,
                     "active": True, "precision": {}, "limits": {}, "info": {}} for s in insts])
    client = ex.client("wss://ws.okx.com:8443/ws/v5/public")
    for s in insts:
        for channel in ("books", "trades", "tickers"):
            client.subscriptions[channel + ":" + s.replace("-", "/", 1)] = True
    loads, handle = json.loads, ex.handle_message

    async def step(f):
        handle(client, loads(f))
    return step, ccxt.__version__

async def main():
    await measure("cryptofeed", cryptofeed_okx)
    await measure("ccxt.pro", ccxt_okx)

asyncio.run(main())
"""


def run_peers(frames: list[bytes], insts: list[str], laps: int, ours: float) -> None:
    """cryptofeed's and ccxt's OKX handlers on the same frames, in ``CRYPTOSCALP_PEERS_PYTHON``."""
    python = os.environ.get("CRYPTOSCALP_PEERS_PYTHON", sys.executable)
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl") as tmp:
        tmp.write(b"\n".join(frames) + b"\n")
        tmp.flush()
        proc = subprocess.run([python, "-c", PEER_CODE, tmp.name, str(laps), json.dumps(insts)],
                              capture_output=True, text=True, timeout=1800, check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(f"peers: no result from {python} ({(proc.stderr.strip().splitlines() or ['no output'])[-1]})")
    for peer in lines:
        if "missing" in peer:
            print(f"{peer['peer']:<44} skipped, not usable in {python}: {peer['missing']}")
        else:
            print(f"{peer['peer']:<44} {peer['msg_s']:>9,.0f} msg/s ({peer['best_msg_s']:>9,.0f})  p50 "
                  f"{peer['p50']:5.1f} µs  p99 {peer['p99']:6.1f} µs  (recording; frame path ÷ peer: "
                  f"{ours / peer['msg_s']:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--laps", type=int, default=40, help="passes over each tape")
    args = parser.parse_args()
    data = Path(os.environ.get("CRYPTOSCALP_DATA", "../shared/data"))
    recording = data / "okx" / "cryptofeed" / "OKX.ws.1.0.gz"
    pushes = load_recording(recording) if recording.exists() else []
    ours = 0.0
    for path in ("frame", "dict"):
        if pushes:
            speed = run("recording (CRC32 verified)", pushes, RECORDED_TICKS, args.laps, path)
            ours = ours or speed
        else:
            print(f"recording not found under {data}: set CRYPTOSCALP_DATA; running the synthetic tape only")
        tape = synthetic_tape(2000, seed=1, checksum=False)
        run("synthetic BTC-USDT-SWAP (seqId, cs=0)", tape, {"BTC-USDT-SWAP": "0.1"}, max(1, args.laps // 4), path)
        tape_cs = synthetic_tape(2000, seed=1, checksum=True)
        run("synthetic BTC-USDT-SWAP (seqId + CRC)", tape_cs, {"BTC-USDT-SWAP": "0.1"}, max(1, args.laps // 4), path)
    if pushes:
        run_peers([orjson.dumps(p) for p in pushes], sorted(RECORDED_TICKS), args.laps, ours)
    print(f"python {sys.version.split()[0]}, one core; targets: >= 300,000 msg/s, p99 <= 50 µs")


if __name__ == "__main__":
    main()
