"""Labels against plain-Python references (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.research.labels import direction_classes, forward_returns, triple_barrier


@st.composite
def paths(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 60))
    gaps = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    prices = draw(st.lists(st.floats(90, 110), min_size=n, max_size=n))
    return np.cumsum(gaps).astype(np.int64), np.asarray(prices)


def ref_forward(ts: list[int], price: list[float], h: int) -> list[float]:
    out = []
    for i, t in enumerate(ts):
        if t + h > ts[-1]:
            out.append(math.nan)
            continue
        j = max(k for k in range(len(ts)) if ts[k] <= t + h)
        out.append(price[j] / price[i] - 1)
    return out


@given(paths(), st.integers(1, 20))
def test_forward_returns_match_reference(path: tuple[np.ndarray, np.ndarray], horizon: int) -> None:
    ts, price = path
    got = forward_returns(ts, price, horizon)
    np.testing.assert_allclose(got.values, ref_forward(ts.tolist(), price.tolist(), horizon), rtol=1e-12)
    assert np.all(got.t1 - got.t0 == horizon)


def ref_barrier(ts: list[int], price: list[float], tp: float, sl: float, hold: int) -> list[tuple[float, int]]:
    out: list[tuple[float, int]] = []
    for i, t in enumerate(ts):
        label: tuple[float, int] | None = None
        for j in range(i + 1, len(ts)):
            if ts[j] > t + hold:
                break
            r = price[j] / price[i] - 1
            if r >= tp:
                label = (1.0, ts[j])
                break
            if r <= -sl:
                label = (-1.0, ts[j])
                break
        if label is None:
            label = (0.0 if t + hold <= ts[-1] else math.nan, t + hold)
        out.append(label)
    return out


@given(paths(), st.floats(0.001, 0.1), st.floats(0.001, 0.1), st.integers(1, 15))
@settings(max_examples=150)
def test_triple_barrier_matches_reference(path: tuple[np.ndarray, np.ndarray], tp: float, sl: float,
                                          hold: int) -> None:
    ts, price = path
    got = triple_barrier(ts, price, take_profit=tp, stop_loss=sl, max_holding_ns=hold)
    expected = ref_barrier(ts.tolist(), price.tolist(), tp, sl, hold)
    np.testing.assert_array_equal(got.values, [v for v, _ in expected])
    np.testing.assert_array_equal(got.t1, [t for _, t in expected])


def test_direction_dead_band_is_the_round_trip_fee() -> None:
    ts = np.array([0, 1, 2, 3, 4], dtype=np.int64)
    price = np.array([100.0, 100.05, 100.2, 99.7, 100.0])
    r = forward_returns(ts, price, 1)
    classes = direction_classes(r, fee_rate=0.0005)  # band = 10 bps
    # +5 bps (flat), +14.99 bps (up), -49.9 bps (down), +30 bps (up), last row has no future
    np.testing.assert_array_equal(classes.values[:4], [0.0, 1.0, -1.0, 1.0])
    assert math.isnan(classes.values[4])


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        forward_returns(np.array([0, 1]), np.array([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match="non-decreasing"):
        forward_returns(np.array([2, 1]), np.array([1.0, 1.0]), 1)
    with pytest.raises(ValueError, match="horizon"):
        forward_returns(np.array([0, 1]), np.array([1.0, 1.0]), 0)
