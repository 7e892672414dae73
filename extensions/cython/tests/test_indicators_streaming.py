"""Streaming contract of every indicator: chunked == batch, update == run, no look-ahead, bad-input policy."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import pytest
from cryptoscalp_speedups import indicators as ind
from hypothesis import given, settings
from hypothesis import strategies as st

Arr = npt.NDArray[np.float64]
FACTORIES: dict[str, Callable[[], ind.Indicator]] = {
    "SMA": lambda: ind.SMA(5), "EMA": lambda: ind.EMA(5), "WMA": lambda: ind.WMA(4), "DEMA": lambda: ind.DEMA(4),
    "TEMA": lambda: ind.TEMA(3), "KAMA": lambda: ind.KAMA(6), "RSI": lambda: ind.RSI(4),
    "STOCH": lambda: ind.STOCH(5, 3, 2), "CCI": lambda: ind.CCI(5), "WILLR": lambda: ind.WILLR(5),
    "MFI": lambda: ind.MFI(4), "MACD": lambda: ind.MACD(3, 6, 3), "BBANDS": lambda: ind.BBANDS(5, 2.0, 1.5),
    "KELTNER": lambda: ind.KELTNER(5, 4, 1.5), "ATR": lambda: ind.ATR(4), "NATR": lambda: ind.NATR(4),
    "ADX": lambda: ind.ADX(4), "OBV": lambda: ind.OBV(), "RollingMean": lambda: ind.RollingMean(4),
    "RollingStd": lambda: ind.RollingStd(4), "RollingSum": lambda: ind.RollingSum(4),
    "RollingMin": lambda: ind.RollingMin(4), "RollingMax": lambda: ind.RollingMax(4),
    "RollingCorr": lambda: ind.RollingCorr(4), "RollingBeta": lambda: ind.RollingBeta(4),
    "EWStd": lambda: ind.EWStd(halflife=3.0), "RunningZScore": lambda: ind.RunningZScore(alpha=0.2),
    "LogReturn": lambda: ind.LogReturn(2),
    "IndicatorSet": lambda: ind.IndicatorSet({"ema": ind.EMA(3), "bb": ind.BBANDS(4), "atr": ind.ATR(3),
                                              "vol": (ind.RollingMean(3), ("volume",))}),
}
NAMES = list(FACTORIES)


def data(seed: int, n: int) -> dict[str, Arr]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    spread = rng.random((2, n))
    vol = rng.exponential(5.0, n) * (rng.random(n) > 0.2)  # some zero-volume bars
    return {"close": close, "high": close + spread[0], "low": close - spread[1], "volume": vol,
            "x": close, "y": 0.5 * close + rng.normal(0, 1, n)}


def cols(indicator: ind.Indicator, d: dict[str, Arr], sl: slice = slice(None)) -> list[Arr]:
    return [d[name][sl] for name in indicator.inputs]


def same(a: Arr, b: Arr) -> None:
    np.testing.assert_array_equal(a, b)  # NaN == NaN here; values must be bit-identical


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 120), cuts=st.lists(st.integers(0, 120), max_size=6))
def test_chunked_run_equals_one_run(name: str, seed: int, n: int, cuts: list[int]) -> None:
    d = data(seed, n)
    whole = FACTORIES[name]().run(*cols(FACTORIES[name](), d))
    streaming = FACTORIES[name]()
    bounds = [0, *sorted(c for c in cuts if c <= n), n]
    parts = [streaming.run(*cols(streaming, d, slice(a, b))) for a, b in pairwise(bounds)]
    same(np.concatenate(parts), whole)


@pytest.mark.parametrize("name", NAMES)
def test_update_equals_run_and_reset_restarts(name: str) -> None:
    d = data(7, 80)
    batch = FACTORIES[name]()
    expected = batch.run(*cols(batch, d))
    live = FACTORIES[name]()
    rows = np.array([np.array(live.update(*[float(c[i]) for c in cols(live, d)]), dtype=float)
                     for i in range(80)]).reshape(expected.shape)
    same(rows, expected)
    live.reset()
    same(live.run(*cols(live, d)), expected)
    before = np.isnan(expected[: live.warmup]).reshape(live.warmup, len(live.outputs))
    # a set's members warm up at different times: its warmup is the first row with every output ready
    assert (before.any(axis=1).all() if isinstance(live, ind.IndicatorSet) else before.all())
    assert not np.isnan(expected[live.warmup:]).any()


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 100), extra=st.integers(1, 50))
def test_appending_data_never_changes_earlier_outputs(name: str, seed: int, n: int, extra: int) -> None:
    d = data(seed, n + extra)
    short = FACTORIES[name]().run(*cols(FACTORIES[name](), d, slice(0, n)))
    full = FACTORIES[name]().run(*cols(FACTORIES[name](), d))
    same(full[:n], short)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), bad_rows=st.sets(st.integers(0, 59), max_size=8),
       bad=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_bad_rows_are_skipped_counted_and_do_not_poison(name: str, seed: int, bad_rows: set[int],
                                                        bad: float) -> None:
    d = data(seed, 60)
    probe = FACTORIES[name]()
    dirty = {k: v.copy() for k, v in d.items()}
    rows = sorted(bad_rows)
    # a set's members each judge their own inputs, so corrupt every column to make all of them skip
    chosen = probe.inputs if isinstance(probe, ind.IndicatorSet) else [probe.inputs[seed % len(probe.inputs)]]
    for column in chosen:
        dirty[column][rows] = bad
    got = probe.run(*cols(probe, dirty))
    keep = np.setdiff1d(np.arange(60), rows)
    clean = FACTORIES[name]()
    expected = clean.run(*[c[keep] for c in cols(clean, d)])
    assert np.isnan(got[rows]).all()
    same(got[keep], expected)
    members = len(probe.names) if isinstance(probe, ind.IndicatorSet) else 1
    assert probe.bad_inputs == len(rows) * members
    assert not np.isnan(got[keep[-1]]).any() or len(keep) <= probe.warmup


@pytest.mark.parametrize(("factory", "column", "value"), [
    (lambda: ind.OBV(), "volume", -1.0), (lambda: ind.MFI(3), "volume", -5.0),
    (lambda: ind.LogReturn(1), "x", 0.0), (lambda: ind.LogReturn(1), "x", -3.0)])
def test_domain_errors_are_bad_inputs(factory: Callable[[], ind.Indicator], column: str, value: float) -> None:
    d = data(3, 30)
    d[column] = d[column].copy()
    d[column][10] = value
    probe = factory()
    got = probe.run(*cols(probe, d))
    assert np.isnan(got[10]) and probe.bad_inputs == 1
    assert not np.isnan(got[11:]).any()


def test_zero_volume_is_valid() -> None:
    d = data(5, 50)
    d["volume"] = np.zeros(50)
    mfi, obv = ind.MFI(5), ind.OBV()
    assert (mfi.run(*cols(mfi, d))[5:] == 0.0).all() and mfi.bad_inputs == 0
    assert (obv.run(*cols(obv, d)) == 0.0).all() and obv.bad_inputs == 0


def test_interface_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="period"):
        ind.EMA(0)
    with pytest.raises(ValueError, match="halflife or alpha"):
        ind.EWStd()
    with pytest.raises(TypeError, match="expects 3 arrays"):
        ind.ATR(3).run(np.ones(3))
    with pytest.raises(ValueError, match="length"):
        ind.ATR(3).run(np.ones(3), np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="not in"):
        ind.IndicatorSet({"a": ind.EMA(3)}, inputs=("high",))
