"""The vectorised fast paths against the plain per-row path, on random order flows.

``PerRow`` forces every row through the slow path (each row is checked against each live order in
Python). The real venue must give exactly the same reports, positions and balance, however the batches
are cut: the numpy scan may only skip rows that cannot matter.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderSide, TimeInForce
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.sim.venue import SimVenue
from tests.sim.simkit import BTC, BUY, SELL, config, deltas, limit, market, marks, quotes, snapshot, trades

HOUR = 3_600_000_000_000
ETH = Instrument("sim", "ETHUSDT", tick_size="0.1", lot_size="0.001")


class PerRow(SimVenue):
    def _watching(self) -> bool:
        return True

    def _first_stop(self, kind: EventKind, rows: npt.NDArray[Any], lo: int, hi: int) -> int:
        return lo


def split(batch: EventBatch, cuts: list[int]) -> list[EventBatch]:
    bounds = sorted({0, len(batch), *(c % (len(batch) + 1) for c in cuts)})
    return [EventBatch(batch.kind, batch.rows[lo:hi]) for lo, hi in itertools.pairwise(bounds)]


PRICE = st.integers(995, 1005)
TRADE = st.tuples(st.integers(0, 2_000_000), st.sampled_from([BUY, SELL]), st.integers(997, 1003),
                  st.sampled_from([0.5, 1.0, 3.0]))
DELTA = st.tuples(st.integers(0, 2_000_000), st.sampled_from([BUY, SELL]), PRICE, st.sampled_from([0.0, 1.0, 4.0]))
QUOTE = st.tuples(st.integers(0, 2_000_000), st.integers(995, 1000), st.integers(1, 4), st.sampled_from([1.0, 2.0]),
                  st.sampled_from([1.0, 3.0]))
ORDER = st.tuples(st.sampled_from(list(OrderSide)), st.one_of(st.none(), PRICE), st.integers(1, 4),
                  st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK,
                                   TimeInForce.POST_ONLY]), st.sampled_from([False, False, False, True]))
STEP = st.one_of(
    st.tuples(st.just("order"), ORDER),
    st.tuples(st.just("trades"), st.lists(TRADE, min_size=1, max_size=30)),
    st.tuples(st.just("order"), ORDER),
    st.tuples(st.just("trades"), st.lists(TRADE, min_size=1, max_size=30)),
    st.tuples(st.just("deltas"), st.lists(DELTA, min_size=1, max_size=30)),
    st.tuples(st.just("quotes"), st.lists(QUOTE, min_size=1, max_size=10)),
    st.tuples(st.just("mark"), st.floats(-0.001, 0.001)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
)


def run(venue: SimVenue, steps: list[Any], cuts: list[int], with_book: bool) -> tuple[Any, ...]:
    """Play ``steps``; with two instruments, rows go to the instrument of their timestamp's parity."""
    ts, sent, reports = 1, [], []
    instruments = venue.instruments
    if with_book:
        for inst in range(len(instruments)):
            book = snapshot(ts, [(1000 - k, 2.0) for k in range(1, 4)], [(1000 + k, 2.0) for k in range(1, 4)])
            book.rows["instrument"] = inst
            venue.process(book)
    for what, arg in steps:
        if what in ("trades", "deltas", "quotes"):
            rows = []
            for gap, *rest in arg:
                ts += gap
                rows.append((ts, *rest))
            if what == "trades":
                batch = trades(*[(t, s, p / 10, q) for t, s, p, q in rows])
            elif what == "deltas":
                batch = deltas(*rows)
            else:
                batch = quotes(*[(t, b / 10, bq, (b + spread) / 10, aq) for t, b, spread, bq, aq in rows])
            batch.rows["instrument"] = batch.rows["ts_event"] % len(instruments)
            for part in split(batch, cuts):
                venue.process(part)
        elif what == "mark":
            ts += 1
            for inst in range(len(instruments)):
                venue.process(marks((ts, 100.0, arg, (ts // HOUR + 1) * HOUR), (ts + HOUR, 100.0, arg, 0), inst=inst))
            ts += HOUR
        elif what == "order":
            side, price, qty, tif, reduce_only = arg
            cid = f"c{len(sent)}"
            where = instruments[len(sent) % len(instruments)]
            if price is None:
                tif = TimeInForce.IOC if tif is TimeInForce.POST_ONLY else tif
                request = market(side, f"0.{qty}", tif, reduce_only=reduce_only, cid=cid, instrument=where)
            else:
                request = limit(side, str(Decimal(price) / 10), f"0.{qty}", tif, reduce_only=reduce_only, cid=cid,
                                instrument=where)
            venue.submit(request, ts)
            sent.append(cid)
        elif sent:
            venue.cancel(sent[arg % len(sent)], ts)
        reports += venue.drain(ts)
    venue.advance_to(ts + 10**10)
    reports += venue.drain(ts + 10**10)
    positions = [(p.qty, p.realised_pnl, p.funding) for p in venue.positions.values()]
    return (reports, positions, venue.balance, venue.stats)


@settings(max_examples=250, deadline=None)
@given(steps=st.lists(STEP, min_size=4, max_size=30), cuts=st.lists(st.integers(0, 40), max_size=4),
       with_book=st.booleans(), model=st.sampled_from(["risk-averse", "prob-queue"]), seed=st.integers(0, 3),
       two=st.booleans())
def test_fast_paths_agree_with_per_row(steps: list[Any], cuts: list[int], with_book: bool, model: str,
                                       seed: int, two: bool) -> None:
    settings_ = config(latency={"kind": "lognormal", "median_ms": 0.5, "sigma": 1.0}, queue_model=model,
                       fees_bps={"maker": -1, "taker": 4}, seed=seed)
    instruments = [BTC, ETH] if two else [BTC]
    fast = run(SimVenue(instruments, settings_), steps, cuts, with_book)
    slow = run(PerRow(instruments, settings_), steps, [], with_book)
    assert fast == slow
    stats = fast[-1]
    event(f"maker fills: {min(stats.maker_fills, 3)}")
    event(f"taker fills: {min(stats.taker_fills, 3)}")
    event(f"funding: {stats.funding_paid != 0}")


def test_bulk_trades_without_orders_touch_python_once_per_batch() -> None:
    """Nothing live: a million-row batch is one bulk update (no per-row step)."""
    n = 1_000_000
    rows = np.zeros(n, dtype=trades().rows.dtype)
    rows["ts_event"] = rows["ts_recv"] = np.arange(n)
    rows["price"], rows["qty"], rows["side"] = 100.0, 1.0, 1
    rows["price"][-1] = 101.0

    class Counting(SimVenue):
        steps = 0

        def _step(self, kind: EventKind, rows: npt.NDArray[Any], j: int) -> None:
            Counting.steps += 1
            super()._step(kind, rows, j)

    sim = Counting([BTC], config())
    sim.process(EventBatch(EventKind.TRADE, rows))
    assert Counting.steps == 0 and sim.markets[0].last_trade == 101.0 and sim.now == n - 1
    sim.submit(limit(OrderSide.BUY, "99.0", "1"), n)  # a resting bid: only trades through 99.0 matter
    rows["ts_event"] += n
    rows["price"][n // 2] = 98.0
    sim.process(EventBatch(EventKind.TRADE, rows))
    assert Counting.steps == 2  # the arrival row, then the trade through the bid


NEAR = st.integers(999, 1001)
MAKER_STEP = st.one_of(
    st.tuples(st.just("order"), st.tuples(st.sampled_from(list(OrderSide)), NEAR, st.integers(1, 4),
                                          st.just(TimeInForce.GTC), st.just(False))),
    st.tuples(st.just("trades"), st.lists(st.tuples(st.integers(0, 1_000_000), st.sampled_from([BUY, SELL]), NEAR,
                                                    st.sampled_from([0.5, 3.0, 10.0])), min_size=1, max_size=30)),
    st.tuples(st.just("trades"), st.lists(st.tuples(st.integers(0, 1_000_000), st.sampled_from([BUY, SELL]), NEAR,
                                                    st.sampled_from([0.5, 3.0, 10.0])), min_size=1, max_size=30)),
    st.tuples(st.just("deltas"), st.lists(st.tuples(st.integers(0, 1_000_000), st.sampled_from([BUY, SELL]), NEAR,
                                                    st.sampled_from([0.0, 1.0, 2.0, 5.0])), min_size=1, max_size=30)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(MAKER_STEP, min_size=12, max_size=40), cuts=st.lists(st.integers(0, 40), max_size=4),
       model=st.sampled_from(["risk-averse", "prob-queue"]))
def test_fast_paths_agree_for_resting_orders_at_the_touch(steps: list[Any], cuts: list[int], model: str) -> None:
    settings_ = config(latency={"kind": "constant", "ms": 0.3}, queue_model=model)
    fast = run(SimVenue([BTC], settings_), steps, cuts, True)
    assert fast == run(PerRow([BTC], settings_), steps, [], True)
    event(f"maker fills: {min(fast[-1].maker_fills, 3)}")
