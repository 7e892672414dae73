"""The micro kernels against plain Python references (hypothesis over random streams and chunkings)."""

from __future__ import annotations

import math

import numpy as np
from cryptoscalp_speedups.micro.activity import ActivityClock, EWNormaliser
from cryptoscalp_speedups.micro.bars import BarBuilder, BarClocks
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


def ref_depth_features(msgs: list[list[tuple[int, int, float, int]]], imb: tuple[int, ...], ofi: tuple[int, ...]
                       ) -> list[list[float]]:
    """A dict book with the L2 book's snapshot rule and the features of ``DepthBook``, per message."""
    book: dict[int, dict[int, float]] = {1: {}, -1: {}}
    in_snap, cleared, resynced, prev = False, set(), False, None
    rows = []
    for msg in msgs:
        for side, px, q, flags in msg:
            if flags & 1:
                if not in_snap:
                    in_snap, cleared, resynced = True, set(), True
                if side not in cleared:
                    cleared.add(side)
                    book[side] = {}
            else:
                in_snap = False
            if q > 0:
                book[side][px] = q
            else:
                book[side].pop(px, None)
            if flags & 2:
                in_snap = False
        depth = max(*imb, *ofi)
        bids = sorted(book[1].items(), reverse=True)[:depth]
        asks = sorted(book[-1].items())[:depth]
        if not bids or not asks or bids[0][0] >= asks[0][0]:
            rows.append([math.nan] * (2 + len(imb) + len(ofi)))
            prev = None
            continue
        (b, bq), (a, aq) = bids[0], asks[0]
        mid = (a + b) / 2
        row = [(a - b) / mid * 1e4, ((b * aq + a * bq) / (bq + aq) - mid) / mid * 1e4]
        for n in imb:
            sb, sa = sum(x[1] for x in bids[:n]), sum(x[1] for x in asks[:n])
            row.append((sb - sa) / (sb + sa))
        top = ([x[0] for x in bids] + [math.nan] * depth)[:depth], ([x[1] for x in bids] + [0.0] * depth)[:depth], \
              ([x[0] for x in asks] + [math.nan] * depth)[:depth], ([x[1] for x in asks] + [0.0] * depth)[:depth]
        for n in ofi:
            if prev is None or resynced:
                row.append(math.nan)
                continue
            e = 0.0
            for i in range(n):
                b, bq, a, aq = top[0][i], top[1][i], top[2][i], top[3][i]
                pb, pbq, pa, paq = prev[0][i], prev[1][i], prev[2][i], prev[3][i]
                if not math.isnan(b) and not math.isnan(pb):
                    e += (bq if b >= pb else 0.0) - (pbq if b <= pb else 0.0)
                if not math.isnan(a) and not math.isnan(pa):
                    e += -(aq if a <= pa else 0.0) + (paq if a >= pa else 0.0)
            row.append(e)
        prev, resynced = top, False
        rows.append(row)
    return rows


level = st.tuples(st.sampled_from([1, -1]), st.integers(95, 110), st.sampled_from([0.0, 0.5, 1.0, 2.5]))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(level, min_size=1, max_size=6)), min_size=1, max_size=25),
       st.integers(1, 7))
def test_depth_features_equal_a_dict_book_for_any_chunking(msgs: list, cut: int) -> None:
    """Messages of 1..6 rows (some snapshots), on the L2Book-backed DepthBook, fed in chunks of ``cut`` rows."""
    rows: list[list[tuple[int, int, float, int]]] = []
    for snap, levels in msgs:
        if snap:  # a venue snapshot names both sides
            levels = [(1, 100, 1.0), *levels, (-1, 101, 1.0)]
        rows.append([(s, px, q, (1 if snap else 0) | (2 if k == len(levels) - 1 else 0))
                     for k, (s, px, q) in enumerate(levels)])
    flat = [r for m in rows for r in m]
    side = np.array([r[0] for r in flat], np.int8)
    px = np.array([r[1] for r in flat], np.int64)
    qty = np.array([r[2] for r in flat])
    flags = np.array([r[3] for r in flat], np.uint8)
    book = DepthBook(imbalance_levels=(1, 3), ofi_levels=(1, 2))
    got = np.concatenate([book.apply(side[i:i + cut], flags[i:i + cut], px[i:i + cut], qty[i:i + cut])[1]
                          for i in range(0, len(flat), cut)])
    np.testing.assert_allclose(got, np.array(ref_depth_features(rows, (1, 3), (1, 2))), rtol=1e-12, atol=1e-12,
                               equal_nan=True)


def test_depth_book_rejects_malformed_rows_and_keeps_the_rest() -> None:
    book = DepthBook(imbalance_levels=(1,), ofi_levels=(1,))
    _, feats = book.apply(np.array([1, -1, 3, -1], np.int8), np.array([0, 0, 0, 2], np.uint8),
                          np.array([100, 101, 100, -5], np.int64), np.array([1.0, 2.0, 1.0, 1.0]))
    assert book.rejected == 2
    assert book.levels(1, 5) == [(100, 1.0)] and book.levels(-1, 5) == [(101, 2.0)]
    assert math.isclose(feats[0, 2], (1.0 - 2.0) / 3.0)


@settings(max_examples=30, deadline=None)
@given(data=trades, gaps=st.lists(st.integers(0, 2_500_000_000), min_size=120, max_size=120))
def test_bar_clocks_equal_their_builders_fed_one_by_one(data: tuple, gaps: list[int]) -> None:
    price, qty, side, cuts = data
    n = len(price)
    ts = (np.cumsum(np.array(gaps[:n], dtype=np.int64)) + 10**18).astype(np.int64)
    specs = [("time", 1e9), ("tick", 3), ("volume", 7.5), ("event", 4)]
    alone = [BarBuilder(k, s, 2) for k, s in specs]
    together = BarClocks([BarBuilder(k, s, 2) for k, s in specs])
    sums = np.arange(2 * n, dtype=float).reshape(n, 2)
    pos, k = 0, 0
    while pos < n:
        sl = slice(pos, pos + cuts[k % len(cuts)])
        args = (ts[sl], np.array(price[sl]), np.array(qty[sl]), np.array(side[sl], dtype=np.int8))
        # trades, then the same stamps as quote events carrying sums
        for feed, extra in (("feed_trades", args), ("feed_sums", (ts[sl], sums[sl], np.ones(len(ts[sl]), np.uint8)))):
            got = {j: (idx, bars) for j, idx, bars in getattr(together, feed)(*extra)}
            for j, b in enumerate(alone):
                idx, bars = getattr(b, feed)(*extra)
                if len(idx):
                    np.testing.assert_array_equal(got[j][0], idx)
                    np.testing.assert_array_equal(got[j][1], bars)
                else:
                    assert j not in got
        pos, k = sl.stop, k + 1
