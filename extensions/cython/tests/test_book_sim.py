"""The simulated venue's market state gives the same answers on the compiled book and on its pure-Python
dict book (the fallback when this distribution is not installed), row by row and in bulk."""

from __future__ import annotations

import math

import numpy as np
from cryptoscalp_speedups.book import L2Book
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.sim.book import DictBook, MarketState

ROW = st.tuples(st.sampled_from([1, -1, 1, -1, 0]), st.one_of(st.integers(95, 105), st.integers(-1, 0)),
                st.sampled_from([0.0, 0.0, 1.0, 2.5, 7.0, math.nan]), st.sampled_from([0, 0, 0, 1, 1, 3, 2]))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(ROW, max_size=60), split=st.integers(0, 60))
def test_kernel_and_dict_market_states_agree(rows: list[tuple[int, int, float, int]], split: int) -> None:
    fast, slow = MarketState(0.1, kernel=True), MarketState(0.1, kernel=False)
    assert isinstance(fast.book, L2Book) and isinstance(slow.book, DictBook)
    for side, price, qty, flags in rows[:split]:
        assert fast.apply_delta(side, price, qty, flags) == slow.apply_delta(side, price, qty, flags)
    rest = rows[split:]
    dtypes = (np.int8, np.int64, np.float64, np.uint8)
    columns = [np.array([r[i] for r in rest], dtype=dt) for i, dt in enumerate(dtypes)]
    fast.apply_deltas(*columns)
    slow.apply_deltas(*columns)
    assert fast.bids == slow.bids and fast.asks == slow.asks
    assert fast.rejected == slow.rejected
    for side in (1, -1):
        assert fast.best(side) == slow.best(side)
        assert fast.levels(side, None) == slow.levels(side, None)
        for price in (94, 99, 100, 106):
            assert fast.levels(side, price) == slow.levels(side, price)
            assert fast.level_qty(side, price) == slow.level_qty(side, price)
