"""The taker fast lane changes the speed of a backtest, never its results.

Each example runs one random workload twice, with the lane and with the general path only, and
requires the same orders with every state they went through, the same fills, positions, balance,
equity samples and venue counters. The workloads are built to reach every place where the lane must
hand back to the general path: targets that scale in, reduce and flip, latencies that leave an order
in flight at the next decision, balances close to the margin and liquidation limits, trades at equal
timestamps and chunk boundaries anywhere.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.client_ids import PREFIX_LEN
from cryptoscalp_core.engine import backtest as backtest_module
from cryptoscalp_core.engine.fast_lane import TakerLane
from cryptoscalp_core.engine.recorder import RunRecorder
from cryptoscalp_core.engine.run import run_backtest
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_core.registry import ComponentConfig, ComponentKind
from cryptoscalp_core.storage import SqlStore

from .conftest import MS, ArrayFeed, _TestFeedPlugin, trades  # type: ignore[import-not-found]

pytestmark = pytest.mark.skipif(TakerLane is None, reason="cryptoscalp-speedups is not installed")


class PriceHashConfig(ComponentConfig):
    levels: int = 4


class PriceHashModel:
    """Targets that jump between -1 and 1 in quarter steps, a function of each row's price alone (so any
    chunking gives the same targets): scale-ins, partial exits and flips all happen."""

    requires_fit = False
    signal_kind = SignalKind.TARGET_POSITION

    def __init__(self, config: PriceHashConfig) -> None:
        self.levels = config.levels

    def fit(self, X: Any, y: Any) -> None: ...

    def partial_fit(self, X: Any, y: Any) -> None: ...

    def predict(self, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        code = (np.rint(X[:, 0] * 10).astype(np.int64) * 2654435761) % (2 * self.levels + 1)
        return (code - self.levels) / self.levels

    def save(self, path: Path) -> None: ...

    def load(self, path: Path) -> None: ...


class _ModelPlugin:
    @hookimpl
    def cryptoscalp_register_components(self, registry: Any) -> None:
        registry.add(ComponentKind.MODEL, "price-hash", PriceHashModel, PriceHashConfig)


PROFILE = """
mode: backtest
instruments:
  - {{id: "test:BTCUSDT", tick_size: "0.1", lot_size: "0.001", min_qty: "0.001"}}
feed: {{use: arrays, chunk_rows: {chunk}}}
features: {{use: basic, ema_spans: [], sma_windows: [1], return_horizons: [], flow_windows: [], quotes: false}}
model: {{use: price-hash, levels: {levels}}}
executor:
  use: sim
  latency: {{entry: {{kind: constant, ms: {entry_ms}}}, response: {{kind: constant, ms: {response_ms}}}}}
  fees_bps: {{maker: 1, taker: {taker_bps}}}
  initial_balance: {balance}
  leverage: {leverage}
store: {{url: "sqlite:///{db}"}}
trading: {{max_position: "{max_position}", order_type: market, equity_sample_ms: {sample_ms}}}
"""


def run(tmp: Path, prices: list[float], steps: list[int], fast: bool, *, writer: bool = True, stream_every: int = 4096,
        **settings: Any) -> dict[str, Any]:
    """One backtest; ``writer`` False stores through SQLAlchemy only, ``stream_every`` is how many lane orders
    the recorder hands to the table writer at a time."""
    original = (SqlStore.table_writer, RunRecorder.__init__.__defaults__)
    if not writer:
        SqlStore.table_writer = lambda self: None  # type: ignore[method-assign]
    RunRecorder.__init__.__defaults__ = (20_000, stream_every)
    try:
        return _run(tmp, prices, steps, fast, **settings)
    finally:
        SqlStore.table_writer, RunRecorder.__init__.__defaults__ = original  # type: ignore[method-assign]


def _run(tmp: Path, prices: list[float], steps: list[int], fast: bool, **settings: Any) -> dict[str, Any]:
    rows = trades(prices)
    rows["ts_event"] = rows["ts_recv"] = (1_000 + np.cumsum(steps)) * MS
    ArrayFeed.rows = rows
    tmp.mkdir(parents=True, exist_ok=True)
    db = tmp / "runs.db"
    path = tmp / "profile.yaml"
    path.write_text(PROFILE.format(db=db, **settings))
    host = PluginHost(extra=(("test-array-feed", _TestFeedPlugin()), ("test-model", _ModelPlugin())))
    engines: list[Any] = []
    original = backtest_module.BacktestEngine.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, fast_lane=fast, **kwargs)
        engines.append(self)

    backtest_module.BacktestEngine.__init__ = init  # type: ignore[method-assign]
    try:
        result = anyio.run(lambda: run_backtest(path, host=host, output_dir=tmp / "runs"))
    finally:
        backtest_module.BacktestEngine.__init__ = original  # type: ignore[method-assign]
    engine = engines[0]
    series = np.load(result.series)
    out = {"series": {k: series[k] for k in series.files}, "tables": _tables(db, result.run_id),
           "venue": engine.venue.stats, "balance": engine.venue.account.balance,
           "positions": {k: (p.qty, p.avg_entry_price, p.realised_pnl, p.fees, p.turnover)
                         for k, p in engine.venue.positions.items()},
           "known": {k: (p.qty, p.avg_entry_price, p.realised_pnl, p.fees)
                     for k, p in engine.portfolio.positions.items()},
           "decisions": engine.stats.decisions, "orders_sent": engine.stats.orders_sent,
           "lane": engine.lane}
    for key in ("net_pnl", "fees", "trades", "orders", "win_rate", "sharpe", "max_drawdown", "turnover"):
        out[key] = result.summary.get(key)
    return out


def _tables(db: Path, run_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row of the run, client order ids without the run's prefix, in a stable order."""
    con = sqlite3.connect(db)
    try:
        def rows(sql: str) -> list[tuple[Any, ...]]:
            got = con.execute(sql, (run_id,)).fetchall()
            return sorted(tuple(v[PREFIX_LEN:] if i == 0 else v for i, v in enumerate(r)) for r in got)
        return {
            "orders": rows("SELECT client_order_id, instrument_id, side, order_type, qty, price, time_in_force, "
                           "reduce_only, ts_created, status, filled_qty, avg_fill_price, fees, venue_order_id, "
                           "reason, ts_updated, filled_notional FROM orders WHERE run_id = ?"),
            "states": rows("SELECT client_order_id, status, filled_qty, avg_fill_price, fees, venue_order_id, "
                           "reason, status_before_cancel, ts_updated, filled_notional, id FROM order_states "
                           "WHERE run_id = ? ORDER BY id"),
            "fills": rows("SELECT client_order_id, trade_id, side, price, qty, fee, is_maker, venue_order_id, "
                          "ts_event, ts_recv FROM fills WHERE run_id = ?"),
        }
    finally:
        con.close()


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    # order_states ids are insertion order; compare each order's history in sequence, not the ids
    for name in ("orders", "fills"):
        assert a["tables"][name] == b["tables"][name], name
    strip = [[r[:-1] for r in a["tables"]["states"]], [r[:-1] for r in b["tables"]["states"]]]
    assert strip[0] == strip[1]
    for key in ("series",):
        assert a[key].keys() == b[key].keys()
        for name in a[key]:
            np.testing.assert_array_equal(a[key][name], b[key][name], err_msg=name)
    for key in ("venue", "balance", "positions", "known", "decisions", "orders_sent", "net_pnl", "fees", "trades",
                "orders", "win_rate", "sharpe", "max_drawdown", "turnover"):
        assert a[key] == b[key], key


@st.composite
def workloads(draw: st.DrawFn) -> tuple[list[float], list[int], dict[str, Any]]:
    n = draw(st.integers(20, 160))
    moves = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    prices = [round(100 + 0.1 * float(x), 1) for x in np.cumsum(moves)]
    steps = draw(st.lists(st.sampled_from([0, 1, 1, 2, 5, 20]), min_size=n, max_size=n))
    settings = {
        "chunk": draw(st.integers(3, 200)),
        "levels": draw(st.sampled_from([1, 4])),
        "entry_ms": draw(st.sampled_from([0, 0, 1, 3])),
        "response_ms": draw(st.sampled_from([0, 0, 2, 7])),
        "taker_bps": draw(st.sampled_from([0, 2.5, 5, 4.25])),
        "balance": draw(st.sampled_from([10_000, 0.05, 0.03])),
        "leverage": draw(st.sampled_from([10, 20])),
        "max_position": draw(st.sampled_from(["0.004", "0.008", "0.002"])),
        "sample_ms": draw(st.sampled_from([1, 3, 10])),
    }
    return prices, steps, settings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(workloads(), st.booleans(), st.booleans(), st.sampled_from([1, 3, 4096]))
def test_lane_and_general_path_agree(tmp_path_factory: pytest.TempPathFactory,
                                     workload: tuple[list[float], list[int], dict[str, Any]], fast_writer: bool,
                                     slow_writer: bool, stream_every: int) -> None:
    """Also across the two ways to the store: the table writer (orders handed over every ``stream_every``
    lane orders) and SQLAlchemy's bulk insert."""
    prices, steps, settings = workload
    tmp = tmp_path_factory.mktemp("lane")
    fast = run(tmp / "fast", prices, steps, True, writer=fast_writer, stream_every=stream_every, **settings)
    slow = run(tmp / "slow", prices, steps, False, writer=slow_writer, **settings)
    assert slow["lane"] is None and fast["lane"] is not None
    _same(fast, slow)


def test_lane_takes_the_decisions_of_a_plain_crossover(tmp_path: Path) -> None:
    """On a quiet workload (no latency, a far margin) the lane, not the general path, takes almost every
    decision: a test that the speed-up is really there, not only that it is harmless."""
    prices = [round(100 + 0.1 * float(x), 1) for x in np.cumsum(np.random.default_rng(5).integers(-2, 3, 3000))]
    settings = {"chunk": 500, "levels": 1, "entry_ms": 0, "response_ms": 0, "taker_bps": 5,
                "balance": 10_000, "leverage": 10, "max_position": "0.004", "sample_ms": 50}
    fast = run(tmp_path / "fast", prices, [1] * len(prices), True, **settings)
    slow = run(tmp_path / "slow", prices, [1] * len(prices), False, **settings)
    _same(fast, slow)
    lane = fast["lane"]
    assert fast["orders_sent"] > 100
    assert lane.decisions > 0.5 * fast["decisions"], (lane.decisions, fast["decisions"], lane.stops)
    assert fast["balance"] != Decimal(10_000)


def test_long_runs_are_written_in_parts_in_order() -> None:
    """The final flush writes a long run's lane orders in parts of ``flush_every`` rows, keeping their
    order, and splits a block larger than a part."""
    from cryptoscalp_core.domain.instrument import Instrument
    from cryptoscalp_core.engine.lane_records import LaneBlock, LaneContext
    from cryptoscalp_core.engine.recorder import _parts

    instrument = Instrument("test", "BTCUSDT", Decimal("0.1"), Decimal("0.001"))
    context = LaneContext((instrument,), None)
    rows = np.zeros((70, 14), dtype=np.int64)
    rows[:, 0] = np.arange(70)
    rows[:, 2], rows[:, 3] = np.where(np.arange(70) % 2, 1, -1), 3  # alternating buys and sells of 3 lots
    start = (Decimal("0.003"),)
    items: list[Any] = ["a", LaneBlock([rows[:50]], "p", context, start), "b",
                        LaneBlock([rows[50:]], "p", context, start), "c"]
    parts = list(_parts(items, 16))
    sizes = [sum(len(x) if isinstance(x, LaneBlock) else 1 for x in part) for part in parts]
    assert all(size <= 16 for size in sizes) and sum(sizes) == 73
    flat: list[Any] = []
    for part in parts:
        for x in part:
            flat.extend(x.orders[:, 0].tolist() if isinstance(x, LaneBlock) else [x])
    assert flat == ["a", *rows[:50, 0].tolist(), "b", *rows[50:, 0].tolist(), "c"]
    # a split block's parts start where the previous part's fills left the position
    whole = LaneBlock([rows[:50]], "p", context, start)
    pieces = whole.split(16)
    assert [q for piece in pieces for q in piece.request_qtys()[0]] == whole.request_qtys()[0]
    assert pieces[-1].request_qtys()[1] == whole.request_qtys()[1]
    # the shortcut for the final positions gives the same Decimals, exponent included
    for sizes in ([3, 10, 1], [10, 10], [7]):
        rows[:, 3] = np.resize(sizes, 70)
        for begin in (Decimal(0), Decimal("0.003"), Decimal("-0.01"), Decimal("0.0030")):
            block = LaneBlock([rows.copy()], "p", context, (begin,))
            assert [str(q) for q in block.positions_after()] == [str(q) for q in block.request_qtys()[1]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([-1, 1]), st.sampled_from([1, 3, 10, 20]), st.integers(599_000, 601_000),
                          st.booleans(), st.booleans()), min_size=1, max_size=40),
       st.sampled_from(["0", "0.003", "-0.01", "0.0030", "0E-5"]), st.sampled_from(["0", "2.5", "4.25"]))
def test_lane_columns_hold_the_rows_of_store_columns(orders: list[tuple[int, int, int, bool, bool]], start: str,
                                                    taker_bps: str) -> None:
    """The Arrow tables built with array operations are the store columns built Decimal by Decimal, text for
    text (exponents included): cancelled orders, mixed sizes, starts of every exponent."""
    from cryptoscalp_core.domain.instrument import Instrument
    from cryptoscalp_core.engine.lane_records import LaneBlock, LaneContext
    from cryptoscalp_core.engine.lane_tables import lane_columns
    from cryptoscalp_core.sim.account import Account
    from cryptoscalp_core.sim.config import SimVenueConfig
    from cryptoscalp_core.storage.arrow_rows import RUN_TABLES, arrow_table

    instrument = Instrument("test", "BTCUSDT", Decimal("0.1"), Decimal("0.001"))
    account = Account([instrument], SimVenueConfig(fees_bps={"maker": 0, "taker": taker_bps}))
    rows = np.zeros((len(orders), 14), dtype=np.int64)
    for k, (sign, lots, ticks, cancelled, reduce) in enumerate(orders):
        rows[k] = [k + 7, 0, sign, lots, reduce, 1000 + k, 0, 40 + k, 2000 + k, 90 + k, ticks, 3000 + k, 4000 + k,
                   cancelled]
    block = LaneBlock([rows], "pfx", LaneContext((instrument,), account), (Decimal(start),))
    made = lane_columns(block, "run-x")
    for name, part, columns in zip(RUN_TABLES, made, block.store_columns("run-x"), strict=True):
        rows = len(next(iter(columns.values()))) if columns else 0
        assert part[1] == rows
        assert arrow_table(name, part).equals(arrow_table(name, (columns, rows))), name
    # parts of both kinds joined keep their order
    assert arrow_table("fills", made[2], made[2]).to_pylist() == 2 * arrow_table("fills", made[2]).to_pylist()
