"""The micro kernels against plain Python references (hypothesis over random streams and chunkings)."""

from __future__ import annotations

import math

import numpy as np
from cryptoscalp_speedups.micro.activity import ActivityClock, EWNormaliser
from cryptoscalp_speedups.micro.bars import BarBuilder
from cryptoscalp_speedups.micro.depth import DepthBook, QuoteTop
from hypothesis import given, settings
from hypothesis import strategies as st


def ref_tick_bars(price: list[float], qty: list[float], side: list[int], size: int) -> list[tuple[int, list[float]]]:
    out, cur = [], []
    for i, (p, q, s) in enumerate(zip(price, qty, side, strict=True)):
        cur.append((p, q, s))
        if len(cur) == size:
            ps = [c[0] for c in cur]
            out.append((i, [ps[0], max(ps), min(ps), ps[-1], sum(c[1] for c in cur),
                            sum(c[1] for c in cur if c[2] > 0), sum(c[0] * c[1] for c in cur), len(cur)]))
            cur = []
    return out


trades = st.integers(1, 120).flatmap(lambda n: st.tuples(
    st.lists(st.floats(1, 1e5), min_size=n, max_size=n), st.lists(st.floats(0.001, 50), min_size=n, max_size=n),
    st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n), st.lists(st.integers(1, 30), min_size=1, max_size=5)))


@settings(max_examples=60, deadline=None)
@given(data=trades, size=st.integers(1, 9))
def test_tick_bars_equal_the_reference_for_any_chunking(data: tuple, size: int) -> None:
    price, qty, side, cuts = data
    n = len(price)
    b = BarBuilder("tick", size)
    got_idx, got = [], []
    pos, k = 0, 0
    while pos < n:
        step = cuts[k % len(cuts)]
        sl = slice(pos, pos + step)
        idx, bars = b.feed_trades(np.arange(pos, min(n, pos + step), dtype=np.int64), np.array(price[sl]),
                                  np.array(qty[sl]), np.array(side[sl], dtype=np.int8))
        got_idx += (idx + pos).tolist()
        got += bars[:, :8].tolist()
        pos += step
        k += 1
    ref = ref_tick_bars(price, qty, side, size)
    assert got_idx == [r[0] for r in ref]
    np.testing.assert_allclose(np.array(got).reshape(-1, 8), np.array([r[1] for r in ref]).reshape(-1, 8), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(gaps=st.lists(st.integers(0, 3_500_000_000), min_size=1, max_size=60))
def test_time_bars_close_at_the_first_event_after_their_end(gaps: list[int]) -> None:
    ts = np.cumsum(np.array(gaps, dtype=np.int64)) + 10**18
    price = np.linspace(100, 110, len(ts))
    b = BarBuilder("time", 1e9, max_fill=1)
    idx, bars = b.feed_trades(ts, price, np.ones(len(ts)), np.ones(len(ts), dtype=np.int8))
    slots = ts // 10**9
    closing = [i for i in range(1, len(ts)) if slots[i] > slots[i - 1]]
    # one bar per closing event, plus at most one empty bar per gap (max_fill=1)
    expect = [i for i in closing for _ in range(1 + min(1, int(slots[i] - slots[closing and i - 1] - 1)))]
    assert idx.tolist() == expect
    assert b.gaps == sum(int(slots[i] - slots[i - 1] - 1) for i in closing)
    for j, i in enumerate(idx):
        if bars[j, 4] > 0:  # a real bar: its close is the last trade before the closing event
            assert bars[j, 3] == price[i - 1]


def ref_ofi(prev: tuple[float, float, float, float], cur: tuple[float, float, float, float]) -> float:
    pb, pbq, pa, paq = prev
    b, bq, a, aq = cur
    return (bq if b >= pb else 0) - (pbq if b <= pb else 0) - (aq if a <= pa else 0) + (paq if a >= pa else 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(100, 104), st.floats(0.0, 5), st.integers(1, 3), st.floats(0.0, 5)),
                min_size=1, max_size=40))
def test_quote_features_equal_the_reference(rows: list[tuple[int, float, int, float]]) -> None:
    bid = np.array([r[0] * 1.0 for r in rows])
    ask = bid + np.array([r[2] for r in rows])
    bq, aq = np.array([r[1] for r in rows]), np.array([r[3] for r in rows])
    out = QuoteTop().run(bid, bq, ask, aq)
    for i in range(len(rows)):
        mid = (bid[i] + ask[i]) / 2
        assert math.isclose(out[i, 0], (ask[i] - bid[i]) / mid * 1e4)
        if bq[i] + aq[i] > 0:
            assert math.isclose(out[i, 2], (bq[i] - aq[i]) / (bq[i] + aq[i]), abs_tol=1e-12)
        if i:
            assert math.isclose(out[i, 3], ref_ofi((bid[i - 1], bq[i - 1], ask[i - 1], aq[i - 1]),
                                                   (bid[i], bq[i], ask[i], aq[i])), abs_tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, -1]), st.integers(95, 105), st.sampled_from([0.0, 1.0, 2.5])),
                min_size=1, max_size=60))
def test_depth_book_levels_and_imbalance_equal_a_dict_book(deltas: list[tuple[int, int, float]]) -> None:
    book = DepthBook(imbalance_levels=(1, 3), ofi_levels=(1,))
    bids: dict[int, float] = {}
    asks: dict[int, float] = {}
    for side, px, q in deltas:
        _, feats = book.apply(np.array([side], np.int8), np.array([2], np.uint8), np.array([px], np.int64),
                              np.array([q]))
        d = bids if side > 0 else asks
        if q > 0:
            d[px] = q
        else:
            d.pop(px, None)
        tb = sorted(bids.items(), reverse=True)[:3]
        ta = sorted(asks.items())[:3]
        assert book.levels(1, 3) == tb and book.levels(-1, 3) == ta
        if tb and ta and tb[0][0] < ta[0][0]:
            sb, sa = sum(q for _, q in tb), sum(q for _, q in ta)
            assert math.isclose(feats[0, 3], (sb - sa) / (sb + sa), abs_tol=1e-12)
        else:
            assert np.isnan(feats[0]).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3_000_000_000), st.sampled_from([0, 1, 2])), min_size=1, max_size=40))
def test_intensity_is_the_decayed_count(events: list[tuple[int, int]]) -> None:
    ts = np.cumsum([e[0] for e in events]).astype(np.int64)
    code = np.array([e[1] for e in events], dtype=np.int8)
    out = ActivityClock((2.0,)).run(ts, code)
    tau = 2.0 / math.log(2)
    for i in range(len(ts)):
        rate = sum(math.exp(-(ts[i] - ts[k]) * 1e-9 / tau) / tau for k in range(i + 1) if code[k] == 1)
        assert math.isclose(out[i, 0], rate, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=50), st.integers(1, 7))
def test_normaliser_streaming_equals_batch_and_scores_against_the_past(x: list[float], cut: int) -> None:
    X = np.array(x).reshape(-1, 1)
    whole = EWNormaliser(1, 5.0, 0, 3.0, 3).run(X)
    n = EWNormaliser(1, 5.0, 0, 3.0, 3)
    parts = np.concatenate([n.run(X[i:i + cut]) for i in range(0, len(X), cut)])
    np.testing.assert_allclose(parts, whole, equal_nan=True)
    a = 1 - math.exp(-math.log(2) / 5.0)
    mean, var = X[0, 0], 0.0
    for i in range(1, len(X)):
        if i >= 3:
            sd = math.sqrt(var)
            exp = min(3.0, max(-3.0, (X[i, 0] - mean) / sd)) if sd > 0 else math.nan
            assert (math.isnan(exp) and math.isnan(whole[i, 0])) or math.isclose(whole[i, 0], exp, abs_tol=1e-9)
        d = X[i, 0] - mean
        mean += a * d
        var = (1 - a) * (var + d * a * d)
