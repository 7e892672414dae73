#!/usr/bin/env python3
"""W2 batch indicators and W3 streaming updates: cryptoscalp-speedups against TA-Lib and the other peers.

The workload is the peers' (``shared/bench/gen_workload.py``: ``synth_bars(1,000,000, 10, seed 43)``, the
bar series of their W2/W3 runs). The five indicators are theirs: EMA(20), RSI(14), ATR(14),
MACD(12,26,9), BBANDS(20,2,2).

- W2: each indicator's ``run`` over the whole series (median of ``--inner`` repeats), ns per element.
- W3: one new bar at a time from a Python loop: the five as separate objects (``update`` each) and
  as one ``IndicatorSet`` (one call per bar, outputs written into a reused buffer), ns per update.

Then the peer scripts found in the bench folder (``CRYPTOSCALP_BENCH``, default ``../shared/bench``)
run on the same bars in this run, with ``CRYPTOSCALP_PEERS_PYTHON`` (default: this interpreter; peers
whose packages are missing are reported as such), and the ratios are printed side by side.

    python benchmarks/indicators.py [--bars 1000000] [--w2-peers talib,numba] [--w3-peers talib_stream,python]
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
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
IND = ["EMA", "RSI", "ATR", "MACD", "BBANDS"]


def bench_dir() -> Path:
    path = Path(os.environ.get("CRYPTOSCALP_BENCH", HERE.parent.parent / "shared" / "bench"))
    if not (path / "gen_workload.py").is_file():
        sys.exit(f"peer bench folder not found at {path}: set CRYPTOSCALP_BENCH")
    return path


def make_bars(bench: Path, out: Path, n: int) -> dict[str, np.ndarray]:
    sys.path.insert(0, str(bench))
    import gen_workload  # type: ignore[import-not-found]

    bars = gen_workload.synth_bars(n, 10, 43)  # gen_workload's default: --bar-ticks 10, seed 42 + 1
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "bars.npz", **bars)
    return {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in bars.items() if k != "ts"}


def run_w2(b: dict[str, np.ndarray], inner: int) -> dict[str, float]:
    from cryptoscalp_speedups.indicators import ATR, BBANDS, EMA, MACD, RSI

    c, h, lo = b["close"], b["high"], b["low"]
    jobs: dict[str, Callable[[], object]] = {
        "EMA": lambda: EMA(20).run(c), "RSI": lambda: RSI(14).run(c), "ATR": lambda: ATR(14).run(h, lo, c),
        "MACD": lambda: MACD(12, 26, 9).run(c), "BBANDS": lambda: BBANDS(20, 2.0, 2.0).run(c)}
    res = {}
    for name, job in jobs.items():
        job()  # page in the output allocation once
        times = []
        for _ in range(inner):
            t0 = time.perf_counter()
            job()
            times.append(time.perf_counter() - t0)
        res[name] = float(np.median(times)) / len(c) * 1e9
    res["ALL5"] = sum(res[k] for k in IND)
    return res


def run_w3(b: dict[str, np.ndarray]) -> dict[str, float]:
    from cryptoscalp_speedups.indicators import ATR, BBANDS, EMA, MACD, RSI, IndicatorSet

    cl, hl, ll = b["close"].tolist(), b["high"].tolist(), b["low"].tolist()
    n = len(cl)
    res = {}
    for name, obj in [("EMA", EMA(20)), ("RSI", RSI(14)), ("MACD", MACD(12, 26, 9)), ("BBANDS", BBANDS(20))]:
        u = obj.update
        t0 = time.perf_counter()
        for x in cl:
            u(x)
        res[name] = (time.perf_counter() - t0) / n * 1e9
    u = ATR(14).update
    t0 = time.perf_counter()
    for i in range(n):
        u(hl[i], ll[i], cl[i])
    res["ATR"] = (time.perf_counter() - t0) / n * 1e9
    res["ALL5 separate"] = sum(res[k] for k in IND)
    combined = IndicatorSet({"ema": EMA(20), "rsi": RSI(14), "atr": ATR(14), "macd": MACD(12, 26, 9),
                             "bb": BBANDS(20, 2.0, 2.0)}, inputs=("close", "high", "low"))
    step = combined.update
    t0 = time.perf_counter()
    for i in range(n):
        step(cl[i], hl[i], ll[i])
    res["ALL5 IndicatorSet"] = (time.perf_counter() - t0) / n * 1e9
    return res


def run_peer(bench: Path, data: Path, script: str, engine: str) -> dict[str, float] | str:
    python = os.environ.get("CRYPTOSCALP_PEERS_PYTHON", sys.executable)
    out = data / f"{script}.{engine}.jsonl"
    proc = subprocess.run([python, str(bench / script), "--engine", engine, "--data", str(data), "--tag",
                           "synthetic", "--out", str(out)], capture_output=True, text=True, timeout=3600,
                          check=False, cwd=bench)
    recs = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not recs:
        return (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {r["metric"].split("_")[-1]: float(r["value"]) for r in recs}


def table(title: str, unit: str, ours: dict[str, float], peers: dict[str, dict[str, float] | str],
          ours_all: str) -> None:
    print(f"\n{title} ({unit}; ours ÷ peer < 1 = faster)")
    print(f"{'engine':<28}" + "".join(f"{k:>10}" for k in [*IND, "ALL5"]) + "   ours ÷ peer (ALL5)")
    print(f"{'cryptoscalp':<28}" + "".join(f"{ours[k]:>10.2f}" for k in IND) + f"{ours[ours_all]:>10.2f}")
    for name, rec in peers.items():
        if isinstance(rec, str):
            print(f"{name:<28} not run: {rec}")
            continue
        print(f"{name:<28}" + "".join(f"{rec.get(k, float('nan')):>10.2f}" for k in [*IND, "ALL5"])
              + f"   {ours[ours_all] / rec['ALL5']:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bars", type=int, default=1_000_000)
    ap.add_argument("--inner", type=int, default=5, help="W2 repeats per indicator (median)")
    ap.add_argument("--w2-peers", default="talib,numba", help="engines of w2_indicators.py ('' for none)")
    ap.add_argument("--w3-peers", default="talib_stream,python", help="engines of w3_streaming.py ('' for none)")
    args = ap.parse_args()
    bench = bench_dir()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        bars = make_bars(bench, data, args.bars)
        w2 = run_w2(bars, args.inner)
        w2_peers = {e: run_peer(bench, data, "w2_indicators.py", e) for e in args.w2_peers.split(",") if e}
        w3 = run_w3(bars)
        w3_peers = {e: run_peer(bench, data, "w3_streaming.py", e) for e in args.w3_peers.split(",") if e}
    n = len(bars["close"])
    print(f"\n{n:,} synthetic bars (gen_workload.synth_bars, seed 43); one run, figures from the same machine state")
    table("W2 batch", "ns per element", w2, w2_peers, "ALL5")
    w3_row = {**w3, "ALL5": w3["ALL5 IndicatorSet"]}
    table("W3 streaming, IndicatorSet (one call per bar)", "ns per update", w3_row, w3_peers, "ALL5")
    print(f"W3 five separate update() calls: {w3['ALL5 separate']:.0f} ns per bar")


if __name__ == "__main__":
    main()
