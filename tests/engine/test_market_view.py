"""The market view's bars against a per-row Python reference, whatever the batching."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.testing.conformance import sample_instruments

BTC = sample_instruments()[0]
BAR = 1_000


def reference_closes(ts: list[int], prices: list[float], window: int) -> list[float]:
    """Closes of finished bars, empty bars repeating the previous close (one row at a time)."""
    closes: list[float] = []
    cur, last = None, math.nan
    for t, p in zip(ts, prices, strict=True):
        if not (math.isfinite(p) and p > 0):
            continue
        b = t // BAR if cur is None else max(cur, t // BAR)
        if cur is not None and b > cur:
            closes.append(last)
            closes.extend([last] * min(b - cur - 1, window))
        cur, last = b, p
    return closes[-window:]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2500), st.floats(1, 100) | st.just(math.nan)), min_size=1, max_size=80),
       st.lists(st.integers(1, 20), min_size=1, max_size=10))
def test_bars_match_reference_for_any_batching(steps: list[tuple[int, float]], cuts: list[int]) -> None:
    ts = list(np.cumsum([g for g, _ in steps]))
    prices = [p for _, p in steps]
    view = MarketView((BTC,), bar_ns=BAR, window=50)
    i = 0
    while i < len(ts):
        n = cuts[i % len(cuts)]
        rows = empty(EventKind.TRADE, len(ts[i:i + n]))
        rows["ts_event"] = rows["ts_recv"] = ts[i:i + n]
        rows["price"] = prices[i:i + n]
        view.observe(EventBatch(EventKind.TRADE, rows))
        i += n
    want = reference_closes(ts, prices, 50)
    got = np.exp(np.cumsum(np.concatenate(([0.0], view.returns(BTC.id))))) if want else np.empty(0)
    if len(want) >= 2:
        assert got * want[0] == pytest.approx(want, rel=1e-9)
    assert view.last_recv_ns(BTC.id) == ts[-1]


def test_quotes_give_mids_and_atr() -> None:
    view = MarketView((BTC,), bar_ns=BAR)
    rows = empty(EventKind.QUOTE, 4)
    rows["ts_event"] = rows["ts_recv"] = [0, 500, 1000, 2000]
    rows["bid_price"] = [99, 97, 101, 100]
    rows["ask_price"] = [101, 99, 103, 102]
    view.observe(EventBatch(EventKind.QUOTE, rows))
    # bars: [0,1000): mids 100, 98 -> high 100 low 98 close 98; [1000,2000): 102; open bar: 101
    assert view.last_price(BTC.id) == 101
    assert view.atr(BTC.id, 14) == pytest.approx(max(102 - 102, abs(102 - 98), abs(102 - 98)))
    assert view.returns(BTC.id) == pytest.approx([math.log(102 / 98)])


@pytest.mark.parametrize("method", ["historical", "parametric"])
@pytest.mark.parametrize("notional", [2500.0, -700.0])
def test_portfolio_var_shortcut_agrees_with_the_full_computation(method: str, notional: float) -> None:
    from cryptoscalp_core.engine import var

    eth = sample_instruments()[1]
    view = MarketView((BTC, eth), bar_ns=BAR)
    rng = np.random.default_rng(4)
    rows = empty(EventKind.TRADE, 400)
    rows["ts_event"] = rows["ts_recv"] = np.repeat(np.arange(200) * BAR, 2)
    rows["instrument"] = np.tile([0, 1], 200)
    rows["price"] = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, 400)))
    view.observe(EventBatch(EventKind.TRADE, rows))
    full = var.portfolio(view.matrix(), np.array([0.0, notional]), 0.99, method, 5)
    assert view.portfolio_var(np.array([0.0, notional]), 0.99, method, 5) == pytest.approx(full, rel=1e-9)  # type: ignore[arg-type]
    both = var.portfolio(view.matrix(), np.array([notional, 300.0]), 0.99, method, 5)
    assert view.portfolio_var([notional, 300.0], 0.99, method, 5) == pytest.approx(both, rel=1e-9)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 3000), st.floats(1, 100)), min_size=1, max_size=60))
def test_one_event_batches_match_the_array_path_to_the_bit(steps: list[tuple[int, float]]) -> None:
    """One event per batch takes a path without arrays; the same event twice in a batch takes the array
    path: the bars, and so everything derived from them, are the same to the last bit."""
    one, two = MarketView((BTC,), bar_ns=BAR, window=20), MarketView((BTC,), bar_ns=BAR, window=20)
    t = 0
    for gap, price in steps:
        t = max(0, t + gap)
        for view, n in ((one, 1), (two, 2)):
            rows = empty(EventKind.TRADE, n)
            rows["ts_event"] = rows["ts_recv"] = t
            rows["price"] = price
            view.observe(EventBatch(EventKind.TRADE, rows))
        assert one.version == two.version and one.last_price(BTC.id) == two.last_price(BTC.id)
        assert one.returns(BTC.id).tobytes() == two.returns(BTC.id).tobytes()
        a, b = one.atr(BTC.id, 5), two.atr(BTC.id, 5)
        assert a == b or (math.isnan(a) and math.isnan(b))


def test_derived_statistics_are_numpy_s_to_the_bit() -> None:
    eth = sample_instruments()[1]
    view = MarketView((BTC, eth), bar_ns=BAR)
    rng = np.random.default_rng(7)
    rows = empty(EventKind.TRADE, 600)
    rows["ts_event"] = rows["ts_recv"] = np.repeat(np.arange(300) * BAR, 2)
    rows["instrument"] = np.tile([0, 1], 300)
    rows["price"] = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, 600)))
    view.observe(EventBatch(EventKind.TRADE, rows))
    returns = [view.returns(i.id) for i in (BTC, eth)]
    assert view.realised_vol(BTC.id) == float(returns[0].std(ddof=1))
    n = min(len(r) for r in returns)
    assert view.matrix().tobytes() == np.column_stack([r[len(r) - n:] for r in returns]).tobytes()


def test_memo_is_computed_once_per_version_and_when_a_bar_closes() -> None:
    view, calls = MarketView((BTC,), bar_ns=BAR), []

    def compute(v: MarketView) -> int:
        calls.append(v.version)
        return v.version * 10

    def broken_later(v: MarketView) -> int:
        return 1 // (1 - v.version)  # fine in version 0, raises from version 1 on

    def tick(t: int) -> None:
        rows = empty(EventKind.TRADE, 1)
        rows["ts_event"] = rows["ts_recv"] = t
        rows["price"] = 100.0
        view.observe(EventBatch(EventKind.TRADE, rows))

    tick(0)
    assert view.memo("k", compute) == 0 and view.memo("k", compute) == 0 and calls == [0]
    assert view.memo("bad", broken_later) == 1
    tick(500)  # same bar: nothing recomputed
    assert calls == [0]
    tick(1500)  # a bar closes: "k" is recomputed on the market-data path; "bad" raises there, unseen
    assert calls == [0, 1] and view.memo("k", compute) == 10 and calls == [0, 1]
    with pytest.raises(ZeroDivisionError):  # and raises where it is asked for
        view.memo("bad", broken_later)
