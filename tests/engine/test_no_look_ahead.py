"""The engine's timing rules, checked on hand-made trades whose answers follow from the rules alone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import anyio
import numpy as np

from cryptoscalp_core.engine.run import run_backtest
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.storage.sql_store import SqlStore

from .conftest import MS, ArrayFeed, trades, write_profile  # type: ignore[import-not-found]


def saw_tooth() -> list[float]:
    """Falling then rising prices: the EMA(2)/EMA(4) pair crosses above once the rise starts. Every
    price is distinct, so a fill price names the trade it matched."""
    down = [round(100.0 - 0.1 * i, 1) for i in range(30)]
    up = [round(down[-1] + 0.3 * (i + 1), 1) for i in range(60)]
    return down + up


def run(tmp_path: Path, host: PluginHost, prices: list[float], **profile: float) -> tuple[dict, SqlStore, str]:
    ArrayFeed.rows = trades(prices)
    path = write_profile(tmp_path, **profile)  # type: ignore[arg-type]
    result = anyio.run(lambda: run_backtest(path, host=host, output_dir=tmp_path / "runs"))
    return result.summary, SqlStore(f"sqlite:///{tmp_path / 'runs.db'}"), result.run_id


def test_order_reaches_venue_after_entry_latency(tmp_path: Path, host: PluginHost) -> None:
    prices = saw_tooth()
    _, store, run_id = run(tmp_path, host, prices, entry_ms=5, response_ms=3)
    fills = store.fills(run_id)
    assert fills, "the crossing produced no fill"
    first = fills[0]
    rows = ArrayFeed.rows
    order = store.get_order(first.client_order_id)
    assert order is not None
    decided = order.request.ts_created
    # the decision row is a real trade and the decision used nothing after it
    assert decided in set(rows["ts_recv"].tolist())
    arrival = decided + 5 * MS
    # trade-only mode: a market order fills at the first trade printed at or after its arrival
    expected = rows[rows["ts_event"] >= arrival][0]
    assert first.price == Decimal(str(round(float(expected["price"]), 1)))
    assert first.ts_event >= arrival
    store.close()


def test_future_events_never_change_earlier_decisions(tmp_path: Path, host: PluginHost) -> None:
    prices = saw_tooth() + [round(p + 0.05, 2) for p in saw_tooth()[::-1]]
    cut = 100
    _, store_a, run_a = run(tmp_path / "a", host, prices)
    _, store_b, run_b = run(tmp_path / "b", host, prices[:cut])
    horizon = int(trades(prices)["ts_recv"][cut - 1])
    early = [(f.price, f.qty, f.side, f.ts_event) for f in store_a.fills(run_a) if f.ts_recv <= horizon]
    prefix = [(f.price, f.qty, f.side, f.ts_event) for f in store_b.fills(run_b) if f.ts_recv <= horizon]
    assert early == prefix
    assert len(early) >= 1
    store_a.close()
    store_b.close()


def test_strategy_learns_of_fill_only_after_response_latency(tmp_path: Path, host: PluginHost) -> None:
    prices = saw_tooth()
    _, store, run_id = run(tmp_path, host, prices, entry_ms=5, response_ms=7)
    fill = store.fills(run_id)[0]
    # the venue executed at ts_event; the report is delivered response latency later
    assert fill.ts_recv - fill.ts_event == 7 * MS
    history = store.order_history(fill.client_order_id)
    assert [o.status.value for o in history][-1] == "filled"
    assert all(o.ts_updated <= fill.ts_recv for o in history)
    store.close()


def test_chunking_does_not_change_results(tmp_path: Path, host: PluginHost) -> None:
    prices = list(100 + np.cumsum(np.random.default_rng(3).normal(0, 0.2, 600)).round(1))
    a, store_a, run_a = run(tmp_path / "a", host, prices, chunk=7)
    b, store_b, run_b = run(tmp_path / "b", host, prices, chunk=500)
    key = lambda f: (f.price, f.qty, f.side, f.ts_event)  # noqa: E731
    assert [key(f) for f in store_a.fills(run_a)] == [key(f) for f in store_b.fills(run_b)]
    assert a["net_pnl"] == b["net_pnl"]
    store_a.close()
    store_b.close()
