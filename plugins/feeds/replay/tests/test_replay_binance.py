"""The ``binance-ws`` replay on the real recordings, checked against an independent reading of the files.

The reference here shares no code with the feed: stdlib ``json`` and ``Decimal``, a plain dict book and
the Binance procedure written out again. Expected counts are derived by scanning the files, never typed in.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cryptoscalp_core.domain.events import BookFlag, EventKind, Side

TICKS = {"BTCUSDT": Decimal("0.1"), "ETHUSDT": Decimal("0.01")}
BID, ASK = int(Side.BUY), int(Side.SELL)
pytestmark = pytest.mark.shared_data


def messages(paths: list[Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        with gzip.open(path, "rt") as text:
            for line in text:
                obj = json.loads(line.split(" ", 1)[1])
                yield obj.get("data", obj)


def reference_book(paths: list[Path], symbol: str, checkpoints: int = 6) -> tuple[dict[int, dict[Any, float]], int]:
    """Book states (``(side, ticks) → qty``) after a few applied diffs, keyed by the diff's ``u``, by the
    documented procedure; and the number of applied diffs."""
    tick = TICKS[symbol]
    book: dict[tuple[int, int], float] = {}
    buffered: list[dict[str, Any]] = []
    applied: list[dict[str, Any]] = []
    lid: int | None = None  # lastUpdateId of the snapshot in force
    for msg in messages(paths):
        if "lastUpdateId" in msg:
            lid = msg["lastUpdateId"]
            for side, key in ((BID, "bids"), (ASK, "asks")):
                for price, qty in msg[key]:
                    book[(side, int(Decimal(price) / tick))] = float(qty)
            pending, buffered = buffered, []
        elif msg.get("e") == "depthUpdate":
            pending = [msg]
        else:
            continue
        if lid is None:
            buffered += pending
            continue
        for d in pending:
            if not applied:
                if d["u"] < lid:
                    continue  # older than the snapshot
                assert d["U"] <= lid <= d["u"], "the first diff applied must straddle lastUpdateId"
            else:
                assert d["pu"] == applied[-1]["u"], "the recording itself has a gap"
            applied.append(d)
    picks = {applied[int(i)]["u"] for i in np.linspace(0, len(applied) - 1, checkpoints)}
    states: dict[int, dict[Any, float]] = {}
    for d in applied:
        for side, key in ((BID, "b"), (ASK, "a")):
            for price, qty in d[key]:
                if float(qty) == 0:
                    book.pop((side, int(Decimal(price) / tick)), None)
                else:
                    book[(side, int(Decimal(price) / tick))] = float(qty)
        if d["u"] in picks:
            states[d["u"]] = dict(book)
    return states, len(applied)


def feed_books(deltas: np.ndarray, checkpoints: set[int], quoted: set[int]) -> tuple[
        dict[int, dict[Any, float]], dict[int, tuple[int, int]], int]:
    """Apply the feed's rows as a receiver would. Returns the book after each checkpoint diff (by its
    ``u``), the best bid/ask after every diff, and the number of diffs applied."""
    book: dict[tuple[int, int], float] = {}
    states: dict[int, dict[Any, float]] = {}
    best: dict[int, tuple[int, int]] = {}
    side, flags, seq, ticks, qty = (deltas[c].tolist() for c in ("side", "flags", "last_seq", "price_ticks", "qty"))
    fresh, applied = True, 0
    for i in range(len(deltas)):
        if flags[i] & BookFlag.SNAPSHOT and fresh:
            book.clear()
        fresh = not (flags[i] & BookFlag.SNAPSHOT) or bool(flags[i] & BookFlag.LAST)
        if qty[i] == 0:
            book.pop((side[i], ticks[i]), None)
        else:
            book[(side[i], ticks[i])] = qty[i]
        if flags[i] & BookFlag.LAST and not flags[i] & BookFlag.SNAPSHOT:
            applied += 1
            if seq[i] in checkpoints:
                states[seq[i]] = dict(book)
            if seq[i] in quoted:
                best[seq[i]] = (max(t for s, t in book if s == BID), min(t for s, t in book if s == ASK))
    return states, best, applied


CASES = {"btc-2024": ("btcusdt_20240808.gz",), "eth-2024": ("ethusdt_20240808.gz",),
         "btc-2023-pair": ("btcusdt_20230404.gz", "btcusdt_20230405.gz")}


@pytest.mark.parametrize("case", list(CASES))
def test_book_equals_independent_reconstruction_and_bbo_matches_book_ticker(
        case: str, hft_dir: Path, replay: Callable[..., Any]) -> None:
    paths = [hft_dir / name for name in CASES[case]]
    symbol = paths[0].name.split("_")[0].upper()
    pattern = str(hft_dir / "btcusdt_2023040*.gz") if len(paths) > 1 else str(paths[0])
    started = time.perf_counter()
    out = replay(path=pattern)
    elapsed = time.perf_counter() - started
    deltas = out.rows(EventKind.BOOK_DELTA)
    print(f"\n{case}: {out.stats.events} rows in {elapsed:.2f}s = {out.stats.events / elapsed:,.0f} rows/s; "
          f"{out.stats.batches} batches; trades {out.count(EventKind.TRADE)}, quotes {out.count(EventKind.QUOTE)}, "
          f"deltas {len(deltas)}, marks {out.count(EventKind.MARK)}; gaps {out.stats.gaps}; "
          f"dropped {out.stats.dropped}")
    expected, n_applied = reference_book(paths, symbol)
    quotes = out.rows(EventKind.QUOTE)
    states, best, applied = feed_books(deltas, set(expected), set(quotes["seq"].tolist()))
    assert applied == n_applied
    assert out.stats.gaps == 0 and all(out.feed.book_synced.values())
    assert sorted(states) == sorted(expected)
    for u, state in expected.items():
        assert states[u] == state, f"book differs after u={u}"
    tick = TICKS[symbol]
    comparable = [q for q in quotes.tolist() if q[3] in best]
    mismatched = [q for q in comparable
                  if best[q[3]] != (int(Decimal(repr(q[4])) / tick), int(Decimal(repr(q[6])) / tick))]
    print(f"{case}: {len(comparable)} bookTickers share an update id with a diff; {len(mismatched)} differ")
    assert comparable and not mismatched


@pytest.mark.parametrize("case", list(CASES))
def test_counts_equal_the_line_counts_of_the_files(case: str, hft_dir: Path, replay: Callable[..., Any]) -> None:
    paths = [hft_dir / name for name in CASES[case]]
    kinds: Counter[str] = Counter()
    levels = 0
    for msg in messages(paths):
        kind = "snapshot" if "lastUpdateId" in msg else msg["e"]
        kinds[kind] += 1
        if kind == "depthUpdate":
            levels += len(msg["b"]) + len(msg["a"])
    out = replay(path=str(hft_dir / "btcusdt_2023040*.gz") if len(paths) > 1 else str(paths[0]))
    deltas = out.rows(EventKind.BOOK_DELTA)
    diff_rows = deltas[deltas["flags"] & BookFlag.SNAPSHOT == 0]
    applied = int((diff_rows["flags"] & BookFlag.LAST != 0).sum())
    assert out.count(EventKind.TRADE) == kinds["trade"]
    assert out.count(EventKind.QUOTE) == kinds["bookTicker"]
    assert out.count(EventKind.MARK) == kinds["markPriceUpdate"]
    assert applied + out.stats.dropped.get("pre_snapshot", 0) == kinds["depthUpdate"]
    assert int((deltas["flags"] & BookFlag.SNAPSHOT != 0).sum()) + len(diff_rows) == len(deltas)
    assert set(out.stats.dropped) <= {"pre_snapshot"}
    assert len(diff_rows) <= levels


def test_the_2023_pair_is_one_chain_across_midnight(hft_dir: Path, replay: Callable[..., Any]) -> None:
    out = replay(path=str(hft_dir / "btcusdt_2023040*.gz"))
    deltas = out.rows(EventKind.BOOK_DELTA)
    first_u_0405 = next(m["U"] for m in messages([hft_dir / "btcusdt_20230405.gz"]) if m.get("e") == "depthUpdate")
    midnight = np.datetime64("2023-04-05T00:00:00", "ns").astype(np.int64)
    assert out.stats.gaps == 0 and out.stats.resyncs == 0
    assert (deltas["ts_event"] < midnight).any() and (deltas["ts_event"] >= midnight).any()
    assert (deltas["first_seq"] == first_u_0405).any(), "the first diff of the second file was applied"
    for kind in EventKind:
        ts = out.rows(kind)["ts_recv"] if out.count(kind) else np.empty(0)
        assert (np.diff(ts) >= 0).all()


def test_a_dropped_diff_is_a_counted_gap_and_nothing_after_it_is_applied(
        hft_dir: Path, tmp_path: Path, replay: Callable[..., Any]) -> None:
    with gzip.open(hft_dir / "btcusdt_20240808.gz", "rb") as raw:
        lines = raw.readlines()
    depth_at = [i for i, line in enumerate(lines) if b"@depth" in line]
    victim = depth_at[len(depth_at) // 2]
    lost_u = json.loads(lines[victim].split(b" ", 1)[1])["data"]["u"]
    after = len(depth_at) - depth_at.index(victim) - 1
    copy = tmp_path / "btcusdt_20240808.gz"
    with gzip.open(copy, "wb") as out_file:
        out_file.writelines(lines[:victim] + lines[victim + 1:])
    out = replay(path=str(copy))
    deltas = out.rows(EventKind.BOOK_DELTA)
    assert out.stats.gaps == 1 and out.stats.resyncs == 0
    assert deltas["last_seq"].max() < lost_u, "a diff after the gap reached the book"
    assert out.stats.dropped["unsynced"] == after
    assert out.feed.book_synced == {"binance-usdm:BTCUSDT": False}


def test_malformed_lines_are_counted_by_reason(hft_dir: Path, tmp_path: Path, replay: Callable[..., Any]) -> None:
    shutil.copy(hft_dir / "btcusdt_20230404.gz", tmp_path / "clean.gz")
    with gzip.open(tmp_path / "clean.gz", "rb") as raw:
        lines = raw.readlines()
    stamp = lines[100].split(b" ", 1)[0]
    trade = json.loads(lines[next(i for i, line in enumerate(lines) if b"@trade" in line)].split(b" ", 1)[1])
    bad = {
        "bad_json": b'{"stream":"btcusdt@trade","data":{"e":"trade",',
        "non_finite_price": json.dumps({**trade, "data": {**trade["data"], "p": "NaN"}}).encode(),
        "non_positive_price": json.dumps({**trade, "data": {**trade["data"], "p": "-5.0"}}).encode(),
        "missing_field": json.dumps({**trade, "data": {k: v for k, v in trade["data"].items() if k != "q"}}).encode(),
        "unknown_event": b'{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT"}}',
    }
    injected = list(lines[:100])
    for body in bad.values():
        injected += [stamp + b" " + body + b"\n"] * 2
    injected += lines[100:]
    with gzip.open(tmp_path / "btcusdt_20230404.gz", "wb") as out_file:
        out_file.writelines(injected)
    clean = replay(path=str(tmp_path / "clean.gz"))
    dirty = replay(path=str(tmp_path / "btcusdt_20230404.gz"))
    assert {reason: dirty.stats.dropped[reason] for reason in bad} == dict.fromkeys(bad, 2)
    assert dirty.stats.events == clean.stats.events
