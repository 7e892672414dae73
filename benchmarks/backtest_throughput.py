#!/usr/bin/env python3
"""W1 backtest throughput: EMA(20)/EMA(100) trade-price crossover through the full cryptoscalp engine.

The workload is the peers' (``shared/bench/gen_workload.py``, seed 42, 1,000,000 synthetic BTCUSDT
trades). The strategy is the one of the peer scripts: buy 0.01 when the fast EMA crosses above the slow
one and flat, sell when it crosses below and long, market orders. Here it runs as plugins — features
``basic`` (EMAs), model ``ema-cross``, executor ``sim`` (trade-only mode: a market order fills at the
next trade after its arrival) — through the same engine as every backtest, with results in the store.

Prints events/s of the loop (feed start to last event, less the recorder's time) and end to end
(profile load, container, feed start-up, run, writing orders and fills to the store — with the
``fast-store`` extra, on a second core during the run — summary; no interpreter start-up and no HTML
report), trades, PnL and peak RSS, then runs the peer scripts found in the bench folder
(``CRYPTOSCALP_BENCH``, default ``../shared/bench``) with ``CRYPTOSCALP_PEERS_PYTHON`` (default: this
interpreter; peers whose packages are missing are reported as such) and prints the ratios.

    python benchmarks/backtest_throughput.py [--events 1000000] [--peers python-loop,hftbacktest,...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PEER_SCRIPTS = {"python-loop": "w1_reference.py", "numba-loop": "w1_reference.py",
                "hftbacktest": "w1_hftbacktest.py", "nautilus_trader": "w1_nautilus.py",
                "vectorbt(vectorized)": "w1_vectorbt.py", "backtrader": "w1_backtrader.py"}


def bench_dir() -> Path:
    path = Path(os.environ.get("CRYPTOSCALP_BENCH", HERE.parent.parent / "shared" / "bench"))
    if not (path / "gen_workload.py").is_file():
        sys.exit(f"peer bench folder not found at {path}: set CRYPTOSCALP_BENCH")
    return path


def make_workload(bench: Path, out: Path, events: int) -> Path:
    """Write the peers' workload with their generator, and our Parquet copy of its trades."""
    sys.path.insert(0, str(bench))
    import gen_workload  # type: ignore[import-not-found]
    from cryptoscalp_feed_replay.parquet_io import write_parquet

    from cryptoscalp_core.domain.events import TRADE_DTYPE, Side

    out.mkdir(parents=True, exist_ok=True)
    trades, quotes = gen_workload.synth_trades(events, seed=42)
    np.savez(out / "trades.npz", **trades)
    np.savez(out / "quotes.npz", **quotes)
    rows = np.zeros(len(trades["ts"]), dtype=TRADE_DTYPE)
    rows["ts_event"] = rows["ts_recv"] = trades["ts"]
    rows["price"], rows["qty"] = trades["price"], trades["qty"]
    rows["side"] = np.where(trades["is_buyer_maker"], int(Side.SELL), int(Side.BUY))
    rows["trade_id"] = np.arange(len(rows))
    write_parquet(out / "parquet", "binance-usdm", "BTCUSDT", "trade", rows)
    return out


PROFILE = """
    name: w1-throughput
    mode: backtest
    instruments:
      - {{id: "binance-usdm:BTCUSDT", tick_size: "0.1", lot_size: "0.001"}}
    feed: {{use: replay, format: parquet, path: "{parquet}", parquet_kinds: [trade], chunk_rows: 262144}}
    features: {{use: basic, ema_spans: [20, 100], sma_windows: [], return_horizons: [], flow_windows: [],
               quotes: false}}
    model: {{use: ema-cross, fast: trade_ema_20, slow: trade_ema_100}}
    executor:
      use: sim
      latency: {{entry: {{kind: constant, ms: 0}}, response: {{kind: constant, ms: 0}}}}
      fees_bps: {{maker: 0, taker: 0}}
      initial_balance: 100000
    store: {{url: "sqlite:///{db}"}}
    trading: {{max_position: "0.01", order_type: market, equity_sample_ms: 60000}}
"""


def run_ours(work: Path) -> dict[str, float]:
    import anyio

    from cryptoscalp_core.engine.run import run_backtest
    from cryptoscalp_core.plugins import default_host

    host = default_host()  # plugin discovery happens once per process, before the clock starts
    profile = work / "w1.yaml"
    profile.write_text(textwrap.dedent(PROFILE.format(parquet=work / "parquet", db=work / "w1.db")))
    started = time.perf_counter()
    # the HTML report (matplotlib) is left out of the timing: the peers write none
    result = anyio.run(lambda: run_backtest(profile, host=host, output_dir=work / "runs", report=False))
    total = time.perf_counter() - started
    s = result.summary
    lane = s.get("fast_lane", {})
    return {"events": s["events"], "loop_eps": s["events_per_s"], "total_eps": s["events"] / total,
            "lane_decisions": lane.get("decisions", 0), "decisions": s.get("decisions", 0),
            "persist_s": s.get("persist_s", 0.0),
            "orders": s["orders"], "trades": s["trades"], "pnl": s["net_pnl"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_peers(bench: Path, data: Path, wanted: list[str]) -> list[dict[str, object]]:
    python = os.environ.get("CRYPTOSCALP_PEERS_PYTHON", sys.executable)
    results: list[dict[str, object]] = []
    for script in dict.fromkeys(PEER_SCRIPTS[name] for name in wanted if name in PEER_SCRIPTS):
        out = data / f"{script}.jsonl"
        proc = subprocess.run([python, str(bench / script), "--data", str(data), "--tag", "synthetic",
                               "--out", str(out)], capture_output=True, text=True, timeout=1800, check=False)
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        if not lines:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            results.append({"engine": script, "missing": last})
        results.extend(rec for rec in lines if rec.get("engine") in wanted)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--peers", default="python-loop,numba-loop,hftbacktest,nautilus_trader",
                    help="comma-separated peer engines to run beside ours ('' for none)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the workload here (default: temp dir)")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    bench = bench_dir()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        if args.generate_only:
            make_workload(bench, work, args.events)
            return
        # in a process of its own: generating 10M trades peaks at ~2.5 GB, which would hide the engine's
        # peak RSS (the figure printed below is this process's)
        subprocess.run([sys.executable, __file__, "--generate-only", "--events", str(args.events),
                        "--workdir", str(work)], check=True)
        ours = run_ours(work)
        peers = run_peers(bench, work, [p for p in args.peers.split(",") if p]) if args.peers else []
    print(f"\nW1 EMA(20)/EMA(100) cross, {ours['events']:,.0f} synthetic trades (seed 42), market orders of 0.01")
    header = f"{'engine':<24}{'loop events/s':>16}{'total events/s':>16}{'orders':>9}{'PnL':>12}"
    print(header + "  ours ÷ peer (loop, total)")
    print(f"{'cryptoscalp':<24}{ours['loop_eps']:>16,.0f}{ours['total_eps']:>16,.0f}{ours['orders']:>9,.0f}"
          f"{ours['pnl']:>12.3f}")
    for rec in peers:
        if "missing" in rec:
            print(f"{rec['engine']:<24} not run: {rec['missing']}")
            continue
        loop, total = float(rec.get("loop_eps", 0)), float(rec["value"])
        print(f"{rec['engine']!s:<24}{loop:>16,.0f}{total:>16,.0f}{float(rec.get('trades', 0)):>9,.0f}"
              f"{float(rec.get('pnl', rec.get('gross_pnl', 0.0))):>12.3f}  "
              f"{ours['loop_eps'] / loop if loop else float('nan'):.2f}x, {ours['total_eps'] / total:.2f}x")
    print(f"peak RSS {ours['peak_rss_mb']:.0f} MB; fills {ours['trades']:,.0f}; decisions taken by the taker fast "
          f"lane {ours['lane_decisions']:,.0f} of {ours['decisions']:,.0f}; the recorder's time handing orders and "
          f"fills to the store, during the run and after it: {ours['persist_s']:.2f} s (in the total, not in the "
          "loop)")


if __name__ == "__main__":
    main()
