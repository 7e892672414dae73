#!/usr/bin/env python3
"""W4 L2 book throughput: apply one level diff, then read best bid, best ask and the top-5 imbalance,
for every diff — the peers' definition (``shared/bench/w4_book.py``).

Workloads: the peers' synthetic one (``gen_workload.synth_depth``, seed 44 = their 42 + 2, a 1000-level
snapshot and 1,000,000 diffs) and the real Binance USD-M recording ``btcusdt_20240808.gz`` (REST snapshot
+ every diff with ``u >= lastUpdateId``, flattened by the peers' loader). Our kernel is
``cryptoscalp_speedups.book.L2Book.apply_deltas_top`` on ``BOOK_DELTA`` rows in batches of 65,536 (a
replay chunk), writing one top-of-book row per diff; building the rows is setup, not timed. The check
columns (mean best bid / mean best ask / Σ imbalance) must equal the peers'.

Then the peer scripts found in the bench folder (``CRYPTOSCALP_BENCH``, default ``../shared/bench``) run
on the same files with ``CRYPTOSCALP_PEERS_PYTHON`` (default: this interpreter); peers whose packages are
missing are reported as such. Figures are noisy on a shared machine: compare ratios of one run.

    python benchmarks/book_updates.py [--rounds 3] [--peers numba,numpy,sorted,hftbacktest,nautilus]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
CHUNK = 65536


def bench_dir() -> Path:
    path = Path(os.environ.get("CRYPTOSCALP_BENCH", HERE.parent.parent / "shared" / "bench"))
    if not (path / "gen_workload.py").is_file():
        sys.exit(f"peer bench folder not found at {path}: set CRYPTOSCALP_BENCH")
    return path


def data_dir() -> Path:
    return Path(os.environ.get("CRYPTOSCALP_DATA", HERE.parent.parent / "shared" / "data"))


def make_workloads(bench: Path, out: Path, n: int) -> dict[str, Path]:
    """The peers' depth.npz files, one folder per workload."""
    sys.path.insert(0, str(bench))
    import gen_workload  # type: ignore[import-not-found]

    folders = {"synthetic": out / "synthetic"}
    folders["synthetic"].mkdir(parents=True, exist_ok=True)
    np.savez(folders["synthetic"] / "depth.npz", **gen_workload.synth_depth(n, 42 + 2))
    recording = data_dir() / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz"
    if recording.is_file():
        folders["real"] = out / "real"
        folders["real"].mkdir(parents=True, exist_ok=True)
        _, _, depth = gen_workload.load_binance_usdm_recording(str(recording))
        np.savez(folders["real"] / "depth.npz", **depth)
    else:
        print(f"real recording not found at {recording} (set CRYPTOSCALP_DATA): synthetic only")
    return folders


def as_rows(depth: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The workload as BOOK_DELTA rows: one snapshot message, then one row per diff (no sequence ids)."""
    from cryptoscalp_speedups.book import BOOK_DELTA_DTYPE, LAST, SNAPSHOT

    bids = np.round(depth["snap_bid_px"] * 10).astype(np.int64)
    asks = np.round(depth["snap_ask_px"] * 10).astype(np.int64)
    snap = np.zeros(len(bids) + len(asks), dtype=BOOK_DELTA_DTYPE)
    snap["side"] = np.r_[np.ones(len(bids)), -np.ones(len(asks))]
    snap["price_ticks"] = np.r_[bids, asks]
    snap["qty"] = np.r_[depth["snap_bid_qty"], depth["snap_ask_qty"]]
    snap["flags"] = SNAPSHOT
    snap["flags"][-1] = SNAPSHOT | LAST
    snap["first_seq"] = snap["last_seq"] = snap["prev_seq"] = -1
    rows = np.zeros(len(depth["qty"]), dtype=BOOK_DELTA_DTYPE)
    rows["side"] = np.where(depth["side"] == 0, 1, -1)
    rows["price_ticks"] = depth["price_ticks"]
    rows["qty"] = depth["qty"]
    rows["first_seq"] = rows["last_seq"] = rows["prev_seq"] = -1
    return snap, rows


def run_ours(folder: Path) -> dict[str, float]:
    from cryptoscalp_speedups.book import TOP_DTYPE, L2Book

    snap, rows = as_rows(dict(np.load(folder / "depth.npz")))
    book = L2Book()
    book.apply_deltas(snap)
    out = np.empty(CHUNK, dtype=TOP_DTYPE)
    s_bb = s_ba = s_imb = 0.0
    started = time.perf_counter()
    for lo in range(0, len(rows), CHUNK):
        top = book.apply_deltas_top(rows[lo:lo + CHUNK], 5, out=out)
        s_bb += float(top["best_bid"].sum())
        s_ba += float(top["best_ask"].sum())
        s_imb += float(top["imbalance"].sum())
    elapsed = time.perf_counter() - started
    n = len(rows)
    return {"n": n, "ups": n / elapsed, "bb": s_bb / n / 10, "ba": s_ba / n / 10, "imb": s_imb,
            "crossed": book.crossed_count}


def run_peer(bench: Path, folder: Path, tag: str, engine: str) -> dict[str, Any]:
    python = os.environ.get("CRYPTOSCALP_PEERS_PYTHON", sys.executable)
    proc = subprocess.run([python, str(bench / "w4_book.py"), "--engine", engine, "--data", str(folder),
                           "--tag", tag, "--out", str(folder / "peers.jsonl")],
                          capture_output=True, text=True, timeout=1800, check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"engine": engine, "missing": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    last: dict[str, Any] = lines[-1]
    return last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=1_000_000, help="synthetic diffs")
    ap.add_argument("--rounds", type=int, default=3, help="our runs per workload (the median is shown)")
    ap.add_argument("--peers", default="numba,numpy,sorted,hftbacktest,nautilus",
                    help="comma-separated w4_book.py engines to run beside ours ('' for none)")
    args = ap.parse_args()
    bench = bench_dir()
    with tempfile.TemporaryDirectory() as tmp:
        for tag, folder in make_workloads(bench, Path(tmp), args.updates).items():
            runs = [run_ours(folder) for _ in range(args.rounds)]
            ours = sorted(runs, key=lambda r: r["ups"])[len(runs) // 2]
            print(f"\nW4 {tag}: {ours['n']:,.0f} diffs, apply + best bid/ask + top-5 imbalance per diff")
            print(f"{'engine':<36}{'updates/s':>14}  {'ours ÷ peer':>11}  check: mean bid / mean ask / Σimbalance")
            spread = ", ".join(f"{r['ups'] / 1e6:.1f}M" for r in runs)
            label = f"cryptoscalp L2Book (median of {args.rounds})"
            print(f"{label:<36}{ours['ups']:>14,.0f}  {'':>11}  {ours['bb']:.4f} / {ours['ba']:.4f} / "
                  f"{ours['imb']:.3f}  (runs: {spread})")
            for engine in [p for p in args.peers.split(",") if p]:
                rec = run_peer(bench, folder, tag, engine)
                if "missing" in rec:
                    print(f"{engine:<36} not run: {rec['missing']}")
                    continue
                ups = float(rec["value"])
                print(f"{rec['engine']!s:<36}{ups:>14,.0f}  {ours['ups'] / ups:>10.2f}x  "
                      f"{rec['check_mean_bb']} / {rec['check_mean_ba']} / {rec['check_sum_imb']}")


if __name__ == "__main__":
    main()
