#!/usr/bin/env python3
"""Market-data stages: throughput of the DataValidator, the shadow book and the multi-source merge.

Each figure is printed beside a baseline measured in the same run on the same rows, so the shared-CPU noise
cancels out of the ratio:

* validator rows/s on backtest-sized batches (65,536 rows) and on live-sized ones (1..k rows), against
  the core's bare ``valid_rows`` (the cheapest check there is);
* shadow-book deltas/s, against applying the same deltas to a Python dict (the obvious implementation);
* multi-source merge batches/s with two sources, against reading one source directly.

    python benchmarks/marketdata.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Callable

import numpy as np

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, TRADE_DTYPE, BookFlag, EventKind, Side, valid_rows
from cryptoscalp_core.marketdata.multi_source import FailoverRule, MultiSourceFeed
from cryptoscalp_core.marketdata.shadow_book import ShadowBook
from cryptoscalp_core.marketdata.validator import DataValidator
from cryptoscalp_core.marketdata.validator_config import ValidatorConfig
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats

MS = 1_000_000


def trades(n: int, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.zeros(n, dtype=TRADE_DTYPE)
    rows["trade_id"] = np.arange(n)
    rows["ts_event"] = 1_704_067_200_000 * MS + np.cumsum(rng.integers(0, 5, n)) * MS
    rows["ts_recv"] = rows["ts_event"] + 5 * MS
    rows["price"] = 60_000 * np.exp(np.cumsum(rng.normal(0, 1e-5, n)))
    rows["qty"] = rng.lognormal(-5, 1, n)
    rows["side"] = np.where(rng.random(n) < 0.5, int(Side.BUY), int(Side.SELL))
    return rows


def deltas(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.zeros(n, dtype=BOOK_DELTA_DTYPE)
    rows["side"] = np.where(rng.random(n) < 0.5, int(Side.BUY), int(Side.SELL))
    rows["price_ticks"] = np.where(rows["side"] == int(Side.BUY), 600_000 - rng.integers(0, 500, n),
                                   600_001 + rng.integers(0, 500, n))
    rows["qty"] = np.where(rng.random(n) < 0.2, 0.0, rng.random(n))
    rows["last_seq"] = np.arange(n)
    rows["flags"] = int(BookFlag.LAST)
    return rows


def rate(n: int, fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return n / (time.perf_counter() - started)


def bench_validator(rows: np.ndarray) -> None:
    for size, label in ((65_536, "backtest batches of 65,536"), (8, "live batches of 8")):
        n = len(rows) if size > 8 else min(len(rows), 100_000)
        parts = [rows[i:i + size] for i in range(0, n, size)]
        v = DataValidator(ValidatorConfig(), 1)
        ours = rate(n, lambda: [v.check(p) for p in parts])  # noqa: B023
        base = rate(n, lambda: [valid_rows(p) for p in parts])  # noqa: B023
        print(f"validator, {label:28s} {ours:>14,.0f} rows/s   valid_rows alone {base:>14,.0f} rows/s "
              f"({base / ours:.1f}x cheaper; the validator adds 6 rules and the statistics)")


def bench_book(rows: np.ndarray) -> None:
    for size in (1000, 10):
        parts = [rows[i:i + size] for i in range(0, len(rows), size)]
        book = ShadowBook()
        ours = rate(len(rows), lambda: [book.apply(p) for p in parts])  # noqa: B023
        def python() -> None:
            ref: dict[tuple[int, int], float] = {}
            for side, price, qty in zip(rows["side"].tolist(), rows["price_ticks"].tolist(), rows["qty"].tolist(),
                                        strict=True):
                if qty == 0:
                    ref.pop((side, price), None)
                else:
                    ref[(side, price)] = qty

        base = rate(len(rows), python)
        print(f"shadow book, batches of {size:5d}        {ours:>14,.0f} deltas/s   python dict    {base:>14,.0f} "
              f"deltas/s ({ours / base:.2f}x)")


class ListFeed:
    def __init__(self, batches: list[EventBatch]) -> None:
        self.list, self._stats = batches, FeedStats()

    @property
    def stats(self) -> FeedStats:
        return self._stats

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def batches(self) -> AsyncIterator[EventBatch]:
        return self._run()

    async def _run(self) -> AsyncIterator[EventBatch]:
        for b in self.list:
            yield b


async def bench_merge(rows: np.ndarray) -> None:
    batches = [EventBatch(EventKind.TRADE, rows[i:i + 8]) for i in range(0, min(len(rows), 200_000), 8)]
    rule = FailoverRule(*(int(x * MS) for x in (250, 1000, 5000, 1000, 25, 2000)))
    feed = MultiSourceFeed([ListFeed(batches), ListFeed(batches)], ["a", "b"], 1, rule, "sequence")
    await feed.start()
    started = time.perf_counter()
    async for _ in feed.batches():
        pass
    ours = len(batches) / (time.perf_counter() - started)
    await feed.stop()
    single = ListFeed(batches)
    started = time.perf_counter()
    async for _ in single.batches():
        pass
    base = len(batches) / (time.perf_counter() - started)
    print(f"multi-source merge, 2 sources, 8-row batches {ours:>10,.0f} batches/s   one source read directly "
          f"{base:>12,.0f} batches/s (both sources' batches are processed: {2 * ours:,.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_validator(trades(args.rows))
    bench_book(deltas(min(args.rows, 300_000)))
    asyncio.run(bench_merge(trades(args.rows)))


if __name__ == "__main__":
    main()
