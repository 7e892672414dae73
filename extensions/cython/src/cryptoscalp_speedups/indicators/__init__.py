"""Streaming technical indicators compiled with Cython, agreeing with TA-Lib.

Interface (every class, including :class:`IndicatorSet`):

- constructed with its parameters, TA-Lib names and defaults (``EMA(30)``, ``MACD(12, 26, 9)``, ...);
- ``inputs: tuple[str, ...]`` - input names in call order (``"close"``, ``"high"``, ``"low"``, ``"volume"``,
  or ``"x"``/``"y"`` for the generic rolling helpers);
- ``outputs: tuple[str, ...]`` - output names;
- ``warmup: int`` - index of the first non-NaN output on a clean series (TA-Lib's lookback);
- ``run(*arrays) -> ndarray`` - one chunk of float64 arrays (converted if needed), shape ``(n,)`` for one
  output and ``(n, k)`` for ``k`` outputs, NaN before warm-up. State carries over, so running chunks in
  sequence gives bit-for-bit the values of one call on their concatenation;
- ``update(*scalars) -> float | tuple[float, ...]`` - one new row, same state as ``run``;
- ``reset()`` - back to the freshly constructed state;
- ``bad_inputs: int`` - rows skipped by the bad-input policy since the last reset.

Bad-input policy: a row where one of the indicator's inputs is NaN or infinite (or, for OBV/MFI, a
negative volume; for LogReturn, a value <= 0) is skipped: the state is left untouched, that row's
outputs are NaN and ``bad_inputs`` grows by one. The indicator then goes on as if the row had never
existed, so one bad print never poisons later values. Zero volume is a valid bar.

Agreement with TA-Lib (0.6+ semantics, default compatibility and unstable periods): EMA and the
EMA-based indicators are seeded with the SMA of the first ``period`` values; RSI, ATR, NATR and ADX use
Wilder smoothing; MACD seeds its fast EMA on the slow EMA's first bar, as TA-Lib does; STOCH uses SMA
smoothing; zero tests use TA-Lib's scale-aware epsilon. Outputs agree to 1e-9 relative (of the value,
or of the output's natural scale where the value crosses zero) after warm-up.

KELTNER has no TA-Lib equivalent: ``middle = EMA(close, period)``, ``upper/lower = middle +/-
multiplier * ATR(atr_period)`` (both with TA-Lib's definitions), warmup ``max(period - 1, atr_period)``.
"""

from cryptoscalp_speedups.indicators._base import Indicator
from cryptoscalp_speedups.indicators._ew import EWStd, LogReturn, RunningZScore
from cryptoscalp_speedups.indicators._ma import DEMA, EMA, KAMA, SMA, TEMA, WMA
from cryptoscalp_speedups.indicators._oscillators import CCI, MACD, MFI, OBV, RSI, STOCH, WILLR
from cryptoscalp_speedups.indicators._rolling import (
                                                      RollingBeta,
                                                      RollingCorr,
                                                      RollingMax,
                                                      RollingMean,
                                                      RollingMin,
                                                      RollingStd,
                                                      RollingSum,
)
from cryptoscalp_speedups.indicators._set import IndicatorSet
from cryptoscalp_speedups.indicators._volatility import ADX, ATR, BBANDS, KELTNER, NATR

__all__ = [
    "ADX", "ATR", "BBANDS", "CCI", "DEMA", "EMA", "KAMA", "KELTNER", "MACD", "MFI", "NATR", "OBV", "RSI", "SMA",
    "STOCH", "TEMA", "WILLR", "WMA", "EWStd", "Indicator", "IndicatorSet", "LogReturn", "RollingBeta",
    "RollingCorr", "RollingMax", "RollingMean", "RollingMin", "RollingStd", "RollingSum", "RunningZScore",
]
