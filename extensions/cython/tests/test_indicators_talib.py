"""The compiled indicators agree with TA-Lib after warm-up, on real 1-minute bars and on generated ones."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from cryptoscalp_speedups import indicators as ind
from hypothesis import given, settings
from hypothesis import strategies as st

talib = pytest.importorskip("talib")

Arr = npt.NDArray[np.float64]
Bars = dict[str, Arr]
RTOL = 1e-9
OSC = 100.0  # natural scale of the 0..100 oscillators
# (name, factory, reference, scale): scale is None for "relative to the price level" (outputs that
# cross zero, such as MACD, are compared against that level instead of their own tiny values)
CASES: list[tuple[str, Callable[[], ind.Indicator], Callable[[Bars], object], float | None]] = [
    ("SMA", lambda: ind.SMA(20), lambda b: talib.SMA(b["close"], 20), None),
    ("EMA", lambda: ind.EMA(20), lambda b: talib.EMA(b["close"], 20), None),
    ("WMA", lambda: ind.WMA(10), lambda b: talib.WMA(b["close"], 10), None),
    ("DEMA", lambda: ind.DEMA(10), lambda b: talib.DEMA(b["close"], 10), None),
    ("TEMA", lambda: ind.TEMA(7), lambda b: talib.TEMA(b["close"], 7), None),
    ("KAMA", lambda: ind.KAMA(10), lambda b: talib.KAMA(b["close"], 10), None),
    ("RSI", lambda: ind.RSI(14), lambda b: talib.RSI(b["close"], 14), OSC),
    ("RSI2", lambda: ind.RSI(2), lambda b: talib.RSI(b["close"], 2), OSC),
    ("STOCH", lambda: ind.STOCH(), lambda b: talib.STOCH(b["high"], b["low"], b["close"]), OSC),
    ("STOCH14", lambda: ind.STOCH(14, 3, 5),
     lambda b: talib.STOCH(b["high"], b["low"], b["close"], 14, 3, 0, 5, 0), OSC),
    ("CCI", lambda: ind.CCI(14), lambda b: talib.CCI(b["high"], b["low"], b["close"], 14), OSC),
    ("WILLR", lambda: ind.WILLR(14), lambda b: talib.WILLR(b["high"], b["low"], b["close"], 14), OSC),
    ("MFI", lambda: ind.MFI(14), lambda b: talib.MFI(b["high"], b["low"], b["close"], b["volume"], 14), OSC),
    ("MFI2", lambda: ind.MFI(2), lambda b: talib.MFI(b["high"], b["low"], b["close"], b["volume"], 2), OSC),
    ("MACD", lambda: ind.MACD(12, 26, 9), lambda b: talib.MACD(b["close"], 12, 26, 9), None),
    ("MACD-swapped", lambda: ind.MACD(26, 5, 4), lambda b: talib.MACD(b["close"], 26, 5, 4), None),
    ("BBANDS", lambda: ind.BBANDS(20, 2.0, 2.0), lambda b: talib.BBANDS(b["close"], 20, 2.0, 2.0, 0), None),
    ("BBANDS-asym", lambda: ind.BBANDS(5, 1.0, 3.0), lambda b: talib.BBANDS(b["close"], 5, 1.0, 3.0, 0), None),
    ("ATR", lambda: ind.ATR(14), lambda b: talib.ATR(b["high"], b["low"], b["close"], 14), None),
    ("NATR", lambda: ind.NATR(14), lambda b: talib.NATR(b["high"], b["low"], b["close"], 14), OSC),
    ("ADX", lambda: ind.ADX(14), lambda b: talib.ADX(b["high"], b["low"], b["close"], 14), OSC),
    ("ADX3", lambda: ind.ADX(3), lambda b: talib.ADX(b["high"], b["low"], b["close"], 3), OSC),
    ("OBV", lambda: ind.OBV(), lambda b: talib.OBV(b["close"], b["volume"]), None),
    ("RollingStd", lambda: ind.RollingStd(20), lambda b: talib.STDDEV(b["x"], 20, 1.0), None),
    ("RollingSum", lambda: ind.RollingSum(20), lambda b: talib.SUM(b["x"], 20), None),
    ("RollingMax", lambda: ind.RollingMax(20), lambda b: talib.MAX(b["x"], 20), None),
    ("RollingMin", lambda: ind.RollingMin(20), lambda b: talib.MIN(b["x"], 20), None),
]
IDS = [case[0] for case in CASES]


def columns(indicator: ind.Indicator, bars: Bars) -> list[Arr]:
    return [bars["close"] if name == "x" else bars[name] for name in indicator.inputs]


def assert_agrees(indicator: ind.Indicator, bars: Bars, reference: object, scale: float | None) -> None:
    got = indicator.run(*columns(indicator, bars))
    ref = np.column_stack(reference) if isinstance(reference, (tuple, list)) else np.asarray(reference)
    ref = ref.reshape(got.shape)
    w = indicator.warmup
    assert np.isnan(ref[:w]).all(), "TA-Lib gives values before our warm-up"
    assert np.isnan(got[:w]).all()
    if len(got) <= w:
        return
    assert not np.isnan(ref[w:]).any() and not np.isnan(got[w:]).any()
    level = scale if scale is not None else float(np.max(np.abs(bars["close"])))
    bound = RTOL * np.maximum(np.abs(ref[w:]), level)
    err = np.abs(got[w:] - ref[w:])
    worst = int(np.argmax(err - bound)) if err.size else 0
    assert (err <= bound).all(), (f"max excess at flat index {worst}: got {got[w:].flat[worst]}, "
                                  f"TA-Lib {ref[w:].flat[worst]}")


def load_bars(path: Path) -> Bars:
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", skiprows=1)
    names = ["open_time_ms", "open", "high", "low", "close", "volume"]
    return {name: np.ascontiguousarray(table[:, i]) for i, name in enumerate(names)}


@pytest.fixture(scope="module")
def real_bars(market_data_dir: Path) -> list[Bars]:
    folder = market_data_dir / "ohlcv" / "binance-usdm-1m"
    # a high-priced, a sub-dollar and a young, volatile contract
    return [load_bars(folder / f"{symbol}-1m.csv.gz") for symbol in ("BTCUSDT", "XLMUSDT", "LAYERUSDT")]


@pytest.mark.parametrize(("name", "factory", "reference", "scale"), CASES, ids=IDS)
def test_matches_talib_on_real_bars(real_bars: list[Bars], name: str, factory: Callable[[], ind.Indicator],
                                    reference: Callable[[Bars], object], scale: float | None) -> None:
    for bars in real_bars:
        bars = {**bars, "x": bars["close"]}
        assert_agrees(factory(), bars, reference(bars), scale)


def synthetic_bars(seed: int, n: int, price: float, flat_share: float) -> Bars:
    """Random-walk OHLCV with repeated prices (flat stretches) and some zero-volume bars."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 1e-3, n) * (rng.random(n) > flat_share)
    close = price * np.exp(np.cumsum(steps))
    spread = price * 1e-3 * rng.random((2, n)) * (rng.random(n) > flat_share)
    volume = rng.exponential(10.0, n) * (rng.random(n) > 0.1)
    return {"close": close, "high": close + spread[0], "low": close - spread[1], "volume": volume, "x": close}


@pytest.mark.parametrize(("name", "factory", "reference", "scale"), CASES, ids=IDS)
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), price=st.sampled_from([1e-4, 0.27, 95.0, 6e4]),
       flat_share=st.sampled_from([0.0, 0.3, 0.9]))
def test_matches_talib_on_generated_bars(name: str, factory: Callable[[], ind.Indicator],
                                         reference: Callable[[Bars], object], scale: float | None,
                                         seed: int, n: int, price: float, flat_share: float) -> None:
    bars = synthetic_bars(seed, n, price, flat_share)
    assert_agrees(factory(), bars, reference(bars), scale)


def test_warmup_equals_talib_lookback() -> None:
    from talib import abstract

    pairs = [(ind.EMA(20), "EMA", {"timeperiod": 20}), (ind.RSI(14), "RSI", {"timeperiod": 14}),
             (ind.MACD(12, 26, 9), "MACD", {}), (ind.ADX(14), "ADX", {"timeperiod": 14}),
             (ind.STOCH(5, 3, 3), "STOCH", {}), (ind.KAMA(30), "KAMA", {"timeperiod": 30}),
             (ind.TEMA(9), "TEMA", {"timeperiod": 9}), (ind.MFI(14), "MFI", {"timeperiod": 14})]
    for ours, name, params in pairs:
        fn: Any = getattr(abstract, name)
        fn.set_parameters(params)
        assert ours.warmup == fn.lookback, type(ours).__name__
