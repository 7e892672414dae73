"""The venue's market state against a naive reference rebuilt row by row, on random delta streams.

The reference does not share the venue's formulation: it first cuts the stream of one instrument into
messages (a snapshot message is a maximal run of SNAPSHOT rows, ended by a LAST flag or by a row without
SNAPSHOT) and then replaces each side a snapshot message mentions by the levels in it, while plain rows
set or delete one level. Batches are cut at random places, so the bulk path (duplicates removed with
numpy) and the per-row path must agree wherever a batch boundary falls.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import BookFlag, EventKind, empty
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch
from tests.sim.simkit import BTC, BUY, SELL, deltas, marks, quotes, trades, venue

ETH = Instrument("sim", "ETHUSDT", tick_size="0.01", lot_size="0.01")
Row = tuple[int, int, int, float, int]  # instrument, side, price ticks, qty, flags


def reference_books(rows: list[Row], n_instruments: int) -> list[dict[int, dict[int, float]]]:
    books: list[dict[int, dict[int, float]]] = [{BUY: {}, SELL: {}} for _ in range(n_instruments)]
    for inst in range(n_instruments):
        mine = [r for r in rows if r[0] == inst]
        messages: list[tuple[bool, list[Row]]] = []
        for r in mine:
            snap = bool(r[4] & BookFlag.SNAPSHOT)
            if snap and messages and messages[-1][0] and not messages[-1][1][-1][4] & BookFlag.LAST:
                messages[-1][1].append(r)
            else:
                messages.append((snap, [r]))
        book = books[inst]
        for snap, message in messages:
            if snap:
                for side in {r[1] for r in message}:
                    levels: dict[int, float] = {}
                    for r in message:
                        if r[1] == side:
                            levels[r[2]] = r[3]
                    book[side] = {p: q for p, q in levels.items() if q > 0}
            else:
                for _, side, price, qty, _ in message:
                    if qty > 0:
                        book[side][price] = qty
                    else:
                        book[side].pop(price, None)
    return books


FLAGS = st.sampled_from([0, 0, 0, 0, int(BookFlag.SNAPSHOT), int(BookFlag.SNAPSHOT | BookFlag.LAST),
                         int(BookFlag.LAST)])
ROW = st.tuples(st.integers(0, 1), st.sampled_from([BUY, SELL]), st.integers(95, 105),
                st.sampled_from([0.0, 0.0, 1.0, 2.5, 7.0]), FLAGS)


def delta_batch(rows: list[Row]) -> EventBatch:
    out = empty(EventKind.BOOK_DELTA, len(rows))
    for i, (inst, side, price, qty, flags) in enumerate(rows):
        out[i] = (i, i, inst, side, flags, i, i, i - 1, price, qty)
    return EventBatch(EventKind.BOOK_DELTA, out)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(ROW, max_size=80), cuts=st.lists(st.integers(0, 80), max_size=6),
       two=st.booleans())
def test_book_matches_reference_wherever_batches_are_cut(rows: list[Row], cuts: list[int], two: bool) -> None:
    instruments = (BTC, ETH) if two else (BTC,)
    if not two:
        rows = [(0, *r[1:]) for r in rows]
    sim = venue(instruments)
    bounds = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    for lo, hi in itertools.pairwise(bounds):
        sim.process(delta_batch(rows[lo:hi]))
    for inst, ref in enumerate(reference_books(rows, len(instruments))):
        assert sim.markets[inst].bids == ref[BUY]
        assert sim.markets[inst].asks == ref[SELL]


def test_one_sided_snapshot_keeps_the_other_side() -> None:
    sim = venue()
    sim.process(deltas((1, BUY, 100, 1.0), (1, SELL, 101, 2.0), (1, BUY, 99, 3.0)))
    sim.process(deltas((2, BUY, 98, 5.0, BookFlag.SNAPSHOT | BookFlag.LAST)))
    assert sim.markets[0].bids == {98: 5.0}
    assert sim.markets[0].asks == {101: 2.0}
    assert sim.markets[0].best(BUY) == 98 and sim.markets[0].best(SELL) == 101


def test_last_trade_quote_and_mark_come_from_the_last_row_of_each_instrument() -> None:
    sim = venue((BTC, ETH))
    sim.process(trades((1, BUY, 100.0, 1.0), (2, SELL, 99.5, 1.0)))
    batch = trades((3, BUY, 10.0, 1.0), (4, BUY, 101.0, 1.0), (5, SELL, 11.0, 1.0))
    batch.rows["instrument"] = [1, 0, 1]
    sim.process(batch)
    assert (sim.markets[0].last_trade, sim.markets[1].last_trade) == (101.0, 11.0)
    sim.process(quotes((6, 100.0, 1.0, 100.5, 2.0), (7, 100.1, 3.0, 100.4, 4.0)))
    assert sim.markets[0].quote == (100.1, 3.0, 100.4, 4.0)
    assert sim.markets[0].mode == "quote" and sim.markets[1].mode == "trades"
    sim.process(marks((8, 100.2, 0.0001, 1000)))
    assert sim.markets[0].mark == 100.2 and sim.markets[0].funding_ts == 1000
    assert sim.now == 8
    # valuation: mark, else last trade, else mid
    assert sim.markets[0].valuation() == 100.2 and sim.markets[1].valuation() == 11.0
    assert math.isnan(venue().markets[0].valuation())


def test_quote_only_book_is_one_level_per_side() -> None:
    sim = venue()
    sim.process(quotes((1, 100.0, 1.5, 100.2, 2.5)))
    market = sim.markets[0]
    assert market.levels(SELL, None) == [(1002, 2.5)]
    assert market.levels(BUY, 1001) == []  # the bid is below a sell limit of 100.1
    assert market.level_qty(BUY, 1000) == 1.5  # at the best: its size
    assert market.level_qty(BUY, 1001) == 0.0  # inside the spread: nobody there
    assert market.level_qty(BUY, 999) == math.inf  # behind the best: unknown
    assert np.isclose(market.mid(), 100.1)
