"""The engine's compiled per-batch glue against plain references: the core's ``valid_rows``, numpy
time-of-day encodings and a row-by-row assembly of carried values."""

from __future__ import annotations

import numpy as np
from cryptoscalp_features_streaming.checks import check_batch
from cryptoscalp_speedups.micro.rows import RULES, assemble, time_features
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import RULES as CORE_RULES
from cryptoscalp_core.domain.events import EventKind, empty, valid_rows

_DAY = 86_400 * 10**9


def ref_time_features(ts: np.ndarray) -> np.ndarray:
    day = (ts % _DAY) / _DAY * 2 * np.pi
    week = ((ts + 3 * _DAY) % (7 * _DAY)) / (7 * _DAY) * 2 * np.pi
    return np.column_stack((np.sin(day), np.cos(day), np.sin(week), np.cos(week), (ts % (8 * 3600 * 10**9))
                            / (8 * 3600 * 10**9)))


floats = st.sampled_from([1.0, 2.5, 0.0, -1.0, np.nan, np.inf, 100.0])


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from([EventKind.TRADE, EventKind.QUOTE, EventKind.BOOK_DELTA, EventKind.MARK]),
       data=st.data(), prev=st.none() | st.integers(0, 20))
def test_check_rows_equals_valid_rows(kind: EventKind, data: st.DataObject, prev: int | None) -> None:
    n = data.draw(st.integers(1, 12))
    rows = empty(kind, n)
    for name in rows.dtype.names or ():
        if rows.dtype[name].kind == "f":
            rows[name] = data.draw(st.lists(floats, min_size=n, max_size=n))
    if "side" in (rows.dtype.names or ()):
        rows["side"] = data.draw(st.lists(st.sampled_from([1, -1, 0, 2]), min_size=n, max_size=n))
    if "price_ticks" in (rows.dtype.names or ()):
        rows["price_ticks"] = data.draw(st.lists(st.integers(-2, 3), min_size=n, max_size=n))
    rows["ts_recv"] = data.draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    expected = valid_rows(rows, prev_ts_recv=prev)
    mask, counts = check_batch(kind, rows, prev)
    assert RULES == CORE_RULES
    np.testing.assert_array_equal(np.ones(n, bool) if mask is None else mask, expected.mask)
    assert {r: int(c) for r, c in zip(RULES, counts, strict=True) if c} == expected.dropped


def test_time_features_equal_numpy() -> None:
    ts = np.random.default_rng(0).integers(0, 2**62, 500)
    np.testing.assert_allclose(time_features(ts), ref_time_features(ts), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_assemble_equals_a_row_by_row_reference(data: st.DataObject) -> None:
    width = 6
    last = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=width, max_size=width)))
    trigger = np.array(sorted(data.draw(st.lists(st.integers(0, 20), min_size=1, max_size=8))), dtype=np.intp)
    blocks = []
    free = list(data.draw(st.permutations(range(width))))
    for _ in range(data.draw(st.integers(0, 3))):  # blocks write disjoint columns (the engine's blocks do)
        k = data.draw(st.integers(1, 2))
        cols, free = np.array(free[:k], dtype=np.intp), free[k:]
        idx = np.array(sorted(data.draw(st.lists(st.integers(0, 20), min_size=1, max_size=6))), dtype=np.int64)
        blocks.append((cols, idx, np.arange(len(idx) * len(cols), dtype=float).reshape(len(idx), len(cols)) + 10))
    expected = np.empty((len(trigger), width))
    carried = last.copy()
    for r, t in enumerate(trigger):
        row = carried.copy()
        for cols, idx, vals in blocks:
            before = [k for k in range(len(idx)) if idx[k] <= t]
            if before:
                row[cols] = vals[before[-1]]
        expected[r] = row
    for cols, _, vals in blocks:
        carried[cols] = vals[-1]
    got = assemble(last, blocks, trigger)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(last, carried)
