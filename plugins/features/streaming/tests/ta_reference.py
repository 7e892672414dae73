"""Pure-Python streaming indicators: the test oracle of the compiled bar bank's TA columns.

TA-Lib's definitions and warm-up (the first value appears at the same bar as TA-Lib's first non-NaN),
one bar at a time, with TA-Lib's parameter names (``timeperiod``, ``fastperiod``...).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

NAN = math.nan
F64 = npt.NDArray[np.float64]


class _Streaming:
    inputs: tuple[str, ...] = ("close",)
    outputs: tuple[str, ...] = ("value",)
    warmup: int = 1

    def update(self, *x: float) -> tuple[float, ...]:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError

    def run(self, *cols: F64) -> F64:
        n = len(cols[0])
        out = np.empty((n, len(self.outputs)))
        for i, row in enumerate(zip(*(c.tolist() for c in cols), strict=True)):
            out[i] = self.update(*row)
        return out[:, 0] if len(self.outputs) == 1 else out


class _Ema:
    """TA-Lib EMA: seeded with the SMA of the first ``period`` values."""

    def __init__(self, period: int, k: float | None = None) -> None:
        self.period, self.k = period, 2.0 / (period + 1) if k is None else k
        self.reset()

    def reset(self) -> None:
        self.n, self.acc, self.value = 0, 0.0, NAN

    def __call__(self, x: float) -> float:
        self.n += 1
        if self.n < self.period:
            self.acc += x
            return NAN
        if self.n == self.period:
            self.value = (self.acc + x) / self.period
        else:
            self.value += self.k * (x - self.value)
        return self.value


class _Wilder:
    """Wilder smoothing of a series whose first ``period`` values seed an average (RSI, ATR)."""

    def __init__(self, period: int) -> None:
        self.period = period
        self.reset()

    def reset(self) -> None:
        self.n, self.acc, self.value = 0, 0.0, NAN

    def __call__(self, x: float) -> float:
        self.n += 1
        if self.n < self.period:
            self.acc += x
            return NAN
        if self.n == self.period:
            self.value = (self.acc + x) / self.period
        else:
            self.value = (self.value * (self.period - 1) + x) / self.period
        return self.value


class _Window:
    def __init__(self, period: int) -> None:
        self.period = period
        self.q: deque[float] = deque(maxlen=period)

    def reset(self) -> None:
        self.q.clear()

    def push(self, x: float) -> bool:
        self.q.append(x)
        return len(self.q) == self.period


class SMA(_Streaming):
    def __init__(self, timeperiod: int = 30) -> None:
        self.w, self.warmup = _Window(timeperiod), timeperiod

    def reset(self) -> None:
        self.w.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        return (sum(self.w.q) / self.w.period if self.w.push(x[0]) else NAN,)


class EMA(_Streaming):
    def __init__(self, timeperiod: int = 30) -> None:
        self.e, self.warmup = _Ema(timeperiod), timeperiod

    def reset(self) -> None:
        self.e.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        return (self.e(x[0]),)


class WMA(_Streaming):
    def __init__(self, timeperiod: int = 30) -> None:
        self.w, self.warmup = _Window(timeperiod), timeperiod
        self.weights = np.arange(1, timeperiod + 1, dtype=np.float64)

    def reset(self) -> None:
        self.w.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        if not self.w.push(x[0]):
            return (NAN,)
        return (float(np.dot(self.weights, np.fromiter(self.w.q, float))) / float(self.weights.sum()),)


class DEMA(_Streaming):
    def __init__(self, timeperiod: int = 30) -> None:
        self.e1, self.e2 = _Ema(timeperiod), _Ema(timeperiod)
        self.warmup = 2 * timeperiod - 1

    def reset(self) -> None:
        self.e1.reset()
        self.e2.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        a = self.e1(x[0])
        if math.isnan(a):
            return (NAN,)
        b = self.e2(a)
        return (2 * a - b,)


class TEMA(_Streaming):
    def __init__(self, timeperiod: int = 30) -> None:
        self.e1, self.e2, self.e3 = _Ema(timeperiod), _Ema(timeperiod), _Ema(timeperiod)
        self.warmup = 3 * timeperiod - 2

    def reset(self) -> None:
        for e in (self.e1, self.e2, self.e3):
            e.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        a = self.e1(x[0])
        if math.isnan(a):
            return (NAN,)
        b = self.e2(a)
        if math.isnan(b):
            return (NAN,)
        c = self.e3(b)
        return (3 * a - 3 * b + c,)


class KAMA(_Streaming):
    """Kaufman adaptive MA (TA-Lib: fast 2, slow 30, seeded with the previous close)."""

    def __init__(self, timeperiod: int = 30) -> None:
        self.period, self.warmup = timeperiod, timeperiod + 1
        self.w = _Window(timeperiod + 1)
        self.value = NAN

    def reset(self) -> None:
        self.w.reset()
        self.value = NAN

    def update(self, *x: float) -> tuple[float, ...]:
        full = self.w.push(x[0])
        if not full:
            return (NAN,)
        q = list(self.w.q)
        if math.isnan(self.value):
            self.value = q[-2]
        change = abs(q[-1] - q[0])
        vol = sum(abs(q[i] - q[i - 1]) for i in range(1, len(q)))
        er = change / vol if vol > 0 else 1.0
        sc = (er * (2 / 3 - 2 / 31) + 2 / 31) ** 2
        self.value += sc * (q[-1] - self.value)
        return (self.value,)


class RSI(_Streaming):
    def __init__(self, timeperiod: int = 14) -> None:
        self.up, self.dn, self.warmup = _Wilder(timeperiod), _Wilder(timeperiod), timeperiod + 1
        self.prev = NAN

    def reset(self) -> None:
        self.up.reset()
        self.dn.reset()
        self.prev = NAN

    def update(self, *x: float) -> tuple[float, ...]:
        c, p = x[0], self.prev
        self.prev = c
        if math.isnan(p):
            return (NAN,)
        u, d = self.up(max(c - p, 0.0)), self.dn(max(p - c, 0.0))
        if math.isnan(u):
            return (NAN,)
        return (100.0 * u / (u + d) if u + d > 0 else 0.0,)


class ATR(_Streaming):
    inputs = ("high", "low", "close")

    def __init__(self, timeperiod: int = 14) -> None:
        self.tr, self.warmup, self.prev = _Wilder(timeperiod), timeperiod + 1, NAN

    def reset(self) -> None:
        self.tr.reset()
        self.prev = NAN

    def update(self, *x: float) -> tuple[float, ...]:
        h, lo, c = x
        p, self.prev = self.prev, c
        if math.isnan(p):
            return (NAN,)
        return (self.tr(max(h - lo, abs(h - p), abs(lo - p))),)


class NATR(ATR):
    def update(self, *x: float) -> tuple[float, ...]:
        (a,) = super().update(*x)
        return (100.0 * a / x[2],)


class WILLR(_Streaming):
    inputs = ("high", "low", "close")

    def __init__(self, timeperiod: int = 14) -> None:
        self.h, self.lo, self.warmup = _Window(timeperiod), _Window(timeperiod), timeperiod

    def reset(self) -> None:
        self.h.reset()
        self.lo.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        self.h.push(x[0])
        if not self.lo.push(x[1]):
            return (NAN,)
        hh, ll = max(self.h.q), min(self.lo.q)
        return (-100.0 * (hh - x[2]) / (hh - ll) if hh > ll else 0.0,)


class CCI(_Streaming):
    inputs = ("high", "low", "close")

    def __init__(self, timeperiod: int = 14) -> None:
        self.w, self.warmup = _Window(timeperiod), timeperiod

    def reset(self) -> None:
        self.w.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        tp = (x[0] + x[1] + x[2]) / 3.0
        if not self.w.push(tp):
            return (NAN,)
        m = sum(self.w.q) / self.w.period
        md = sum(abs(v - m) for v in self.w.q) / self.w.period
        return ((tp - m) / (0.015 * md) if md > 0 else 0.0,)


class MFI(_Streaming):
    inputs = ("high", "low", "close", "volume")

    def __init__(self, timeperiod: int = 14) -> None:
        self.pos, self.neg, self.warmup = _Window(timeperiod), _Window(timeperiod), timeperiod + 1
        self.prev = NAN

    def reset(self) -> None:
        self.pos.reset()
        self.neg.reset()
        self.prev = NAN

    def update(self, *x: float) -> tuple[float, ...]:
        tp = (x[0] + x[1] + x[2]) / 3.0
        p, self.prev = self.prev, tp
        if math.isnan(p):
            return (NAN,)
        mf = tp * x[3]
        self.pos.push(mf if tp > p else 0.0)
        if not self.neg.push(mf if tp < p else 0.0):
            return (NAN,)
        s_pos, s_neg = sum(self.pos.q), sum(self.neg.q)
        return (100.0 * s_pos / (s_pos + s_neg) if s_pos + s_neg > 0 else 0.0,)


class STOCH(_Streaming):
    inputs = ("high", "low", "close")
    outputs = ("slowk", "slowd")

    def __init__(self, fastk_period: int = 5, slowk_period: int = 3, slowd_period: int = 3) -> None:
        self.h, self.lo = _Window(fastk_period), _Window(fastk_period)
        self.k, self.d = _Window(slowk_period), _Window(slowd_period)
        self.warmup = fastk_period + slowk_period + slowd_period - 2

    def reset(self) -> None:
        for w in (self.h, self.lo, self.k, self.d):
            w.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        self.h.push(x[0])
        if not self.lo.push(x[1]):
            return (NAN, NAN)
        hh, ll = max(self.h.q), min(self.lo.q)
        fastk = 100.0 * (x[2] - ll) / (hh - ll) if hh > ll else 0.0
        if not self.k.push(fastk):
            return (NAN, NAN)
        slowk = sum(self.k.q) / self.k.period
        if not self.d.push(slowk):
            return (NAN, NAN)
        return (slowk, sum(self.d.q) / self.d.period)


class MACD(_Streaming):
    """TA-Lib MACD: both EMAs start at the slow EMA's first bar (the fast one seeded over the last
    ``fastperiod`` of those bars), the signal is an EMA of the MACD line."""

    outputs = ("macd", "macdsignal", "macdhist")

    def __init__(self, fastperiod: int = 12, slowperiod: int = 26, signalperiod: int = 9) -> None:
        if fastperiod > slowperiod:
            fastperiod, slowperiod = slowperiod, fastperiod
        self.fp, self.sp = fastperiod, slowperiod
        self.slow, self.sig = _Ema(slowperiod), _Ema(signalperiod)
        self.buf: deque[float] = deque(maxlen=slowperiod)
        self.fast = NAN
        self.warmup = slowperiod + signalperiod - 1

    def reset(self) -> None:
        self.slow.reset()
        self.sig.reset()
        self.buf.clear()
        self.fast = NAN

    def update(self, *x: float) -> tuple[float, ...]:
        c = x[0]
        self.buf.append(c)
        s = self.slow(c)
        if math.isnan(s):
            return (NAN, NAN, NAN)
        k = 2.0 / (self.fp + 1)
        if math.isnan(self.fast):
            self.fast = sum(list(self.buf)[-self.fp:]) / self.fp
        else:
            self.fast += k * (c - self.fast)
        m = self.fast - s
        g = self.sig(m)
        return (m, g, m - g) if not math.isnan(g) else (NAN, NAN, NAN)


class BBANDS(_Streaming):
    outputs = ("upperband", "middleband", "lowerband")

    def __init__(self, timeperiod: int = 5, nbdevup: float = 2.0, nbdevdn: float = 2.0) -> None:
        self.w, self.up, self.dn, self.warmup = _Window(timeperiod), nbdevup, nbdevdn, timeperiod

    def reset(self) -> None:
        self.w.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        if not self.w.push(x[0]):
            return (NAN, NAN, NAN)
        m = sum(self.w.q) / self.w.period
        sd = math.sqrt(max(0.0, sum(v * v for v in self.w.q) / self.w.period - m * m))
        return (m + self.up * sd, m, m - self.dn * sd)


class KELTNER(_Streaming):
    """Keltner channel: EMA(close) +- multiplier * ATR, both over ``timeperiod``."""

    inputs = ("high", "low", "close")
    outputs = ("upper", "middle", "lower")

    def __init__(self, timeperiod: int = 20, multiplier: float = 2.0) -> None:
        self.e, self.atr, self.mult = _Ema(timeperiod), ATR(timeperiod), multiplier
        self.warmup = timeperiod + 1

    def reset(self) -> None:
        self.e.reset()
        self.atr.reset()

    def update(self, *x: float) -> tuple[float, ...]:
        m = self.e(x[2])
        (a,) = self.atr.update(*x)
        if math.isnan(a) or math.isnan(m):
            return (NAN, NAN, NAN)
        return (m + self.mult * a, m, m - self.mult * a)


class ADX(_Streaming):
    """Wilder's ADX as TA-Lib computes it (first value after ``2 * timeperiod`` bars)."""

    inputs = ("high", "low", "close")

    def __init__(self, timeperiod: int = 14) -> None:
        self.p, self.warmup = timeperiod, 2 * timeperiod
        self.reset()

    def reset(self) -> None:
        self.prev: tuple[float, float, float] | None = None
        self.n = 0
        self.tr = self.pdm = self.mdm = 0.0
        self.dx_n, self.dx_acc, self.adx = 0, 0.0, NAN

    def update(self, *x: float) -> tuple[float, ...]:
        h, lo, c = x
        prev, self.prev = self.prev, (h, lo, c)
        if prev is None:
            return (NAN,)
        ph, pl, pc = prev
        up, dn = h - ph, pl - lo
        pdm = up if up > dn and up > 0 else 0.0
        mdm = dn if dn > up and dn > 0 else 0.0
        tr = max(h - lo, abs(h - pc), abs(lo - pc))
        self.n += 1
        p = self.p
        if self.n < p:  # TA-Lib seeds the sums with p - 1 bars, then smooths from the p-th on
            self.tr += tr
            self.pdm += pdm
            self.mdm += mdm
            return (NAN,)
        else:
            self.tr = self.tr - self.tr / p + tr
            self.pdm = self.pdm - self.pdm / p + pdm
            self.mdm = self.mdm - self.mdm / p + mdm
        pdi = 100.0 * self.pdm / self.tr if self.tr > 0 else 0.0
        mdi = 100.0 * self.mdm / self.tr if self.tr > 0 else 0.0
        dx = 100.0 * abs(pdi - mdi) / (pdi + mdi) if pdi + mdi > 0 else 0.0
        self.dx_n += 1
        if self.dx_n < p:
            self.dx_acc += dx
            return (NAN,)
        if self.dx_n == p:
            self.adx = (self.dx_acc + dx) / p
        else:
            self.adx = (self.adx * (p - 1) + dx) / p
        return (self.adx,)


class OBV(_Streaming):
    inputs = ("close", "volume")

    def __init__(self) -> None:
        self.warmup = 1
        self.reset()

    def reset(self) -> None:
        self.prev, self.value = NAN, NAN

    def update(self, *x: float) -> tuple[float, ...]:
        c, v = x
        if math.isnan(self.prev):
            self.value = v
        elif c > self.prev:
            self.value += v
        elif c < self.prev:
            self.value -= v
        self.prev = c
        return (self.value,)
