# cython: language_level=3
"""Oscillators with TA-Lib's definitions: RSI, STOCH, CCI, WILLR, MFI, MACD, plus OBV."""

from libc.math cimport NAN, fabs, isfinite
from libc.stdlib cimport free, malloc

from ._base cimport Indicator
from ._core cimport (Ema, Extreme, Sma, check_period, ema_clear, ema_init, ema_step, ext_clear, ext_push, new_ring,
                     sma_clear, sma_step, ta_is_zero, ta_is_zero_scaled)


cdef inline double typical(const double* x) noexcept nogil:
    return (x[0] + x[1] + x[2]) / 3.0


cdef struct Rsi:
    Py_ssize_t period
    Py_ssize_t count
    double a
    double b
    double prev
    double gain
    double loss


cdef inline double rsi_step(Rsi* s, double v) noexcept nogil:
    cdef double d = v - s.prev, total
    s.prev = v
    if s.count > s.period:  # (avg * (p-1) + change) / p, reassociated off the division; branch-free
        s.gain = s.gain * s.a + (d if d > 0.0 else 0.0) * s.b
        s.loss = s.loss * s.a + (-d if d < 0.0 else 0.0) * s.b
    else:
        s.count += 1
        if s.count == 1:
            return NAN
        if d < 0:
            s.loss -= d
        else:
            s.gain += d
        if s.count <= s.period:
            return NAN
        s.loss /= <double>s.period
        s.gain /= <double>s.period
    total = s.gain + s.loss
    if total == 0.0:  # TA-Lib 0.6+: only a window without any change reads 0
        return 0.0
    return 100.0 * (s.gain / total)


cdef class RSI(Indicator):
    """Wilder's RSI: the first ``period`` changes averaged, then avg = (avg * (period-1) + change) / period."""
    cdef Rsi s

    def __init__(self, period=14):
        self.s.period = check_period("period", period, 2)
        self.s.a = <double>(self.s.period - 1) / <double>self.s.period
        self.s.b = 1.0 / <double>self.s.period
        self._clear()
        self._setup(("close",), ("rsi",), self.s.period)

    cdef void _clear(self) noexcept nogil:
        self.s.count = 0
        self.s.prev = 0.0
        self.s.gain = 0.0
        self.s.loss = 0.0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = rsi_step(&self.s, x[0])

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef const double* c = cols[0]
        cdef Py_ssize_t i
        cdef Rsi s = self.s
        for i in range(n):
            if isfinite(c[i]):
                out[i * stride] = rsi_step(&s, c[i])
            else:
                self._bad += 1
                out[i * stride] = NAN
        self.s = s


cdef class STOCH(Indicator):
    """Slow stochastic: fast %K over ``fastk_period`` bars, SMA-smoothed twice (TA-Lib's SMA defaults)."""
    cdef Extreme hi, lo
    cdef Sma k, d
    cdef Py_ssize_t fastk, count

    def __init__(self, fastk_period=5, slowk_period=3, slowd_period=3):
        self.fastk = check_period("fastk_period", fastk_period, 1)
        self.k.period = check_period("slowk_period", slowk_period, 1)
        self.d.period = check_period("slowd_period", slowd_period, 1)
        self.hi.period = self.lo.period = self.fastk
        self.hi.is_max = True
        self.lo.is_max = False
        self.hi.idx = <Py_ssize_t*>malloc(self.fastk * sizeof(Py_ssize_t))
        self.lo.idx = <Py_ssize_t*>malloc(self.fastk * sizeof(Py_ssize_t))
        self.hi.val = new_ring(self.fastk)
        self.lo.val = new_ring(self.fastk)
        self.k.ring = new_ring(self.k.period)
        self.d.ring = new_ring(self.d.period)
        if self.hi.idx == NULL or self.lo.idx == NULL:
            raise MemoryError()
        self._clear()
        self._setup(("high", "low", "close"), ("slowk", "slowd"),
                    self.fastk - 1 + self.k.period - 1 + self.d.period - 1)

    def __dealloc__(self):
        free(self.hi.idx)
        free(self.lo.idx)
        free(self.hi.val)
        free(self.lo.val)
        free(self.k.ring)
        free(self.d.ring)

    cdef void _clear(self) noexcept nogil:
        ext_clear(&self.hi)
        ext_clear(&self.lo)
        sma_clear(&self.k)
        sma_clear(&self.d)
        self.count = 0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double highest = ext_push(&self.hi, x[0]), lowest = ext_push(&self.lo, x[1])
        cdef double diff, fast, slowk
        y[0] = NAN
        y[1] = NAN
        if self.count < self.fastk - 1:
            self.count += 1
            return
        diff = (highest - lowest) / 100.0
        if ta_is_zero_scaled(highest - lowest, fabs(highest) + fabs(lowest)):
            fast = 0.0
        else:
            fast = (x[2] - lowest) / diff
        slowk = sma_step(&self.k, fast)
        if slowk == slowk:
            y[1] = sma_step(&self.d, slowk)
            if y[1] == y[1]:
                y[0] = slowk


cdef class WILLR(Indicator):
    """Williams %R: (highest - close) / ((highest - lowest) / -100) over ``period`` bars; 0 on a flat range."""
    cdef Extreme hi, lo
    cdef Py_ssize_t period, count

    def __init__(self, period=14):
        self.period = check_period("period", period, 1)
        self.hi.period = self.lo.period = self.period
        self.hi.is_max = True
        self.lo.is_max = False
        self.hi.idx = <Py_ssize_t*>malloc(self.period * sizeof(Py_ssize_t))
        self.lo.idx = <Py_ssize_t*>malloc(self.period * sizeof(Py_ssize_t))
        self.hi.val = new_ring(self.period)
        self.lo.val = new_ring(self.period)
        if self.hi.idx == NULL or self.lo.idx == NULL:
            raise MemoryError()
        self._clear()
        self._setup(("high", "low", "close"), ("willr",), self.period - 1)

    def __dealloc__(self):
        free(self.hi.idx)
        free(self.lo.idx)
        free(self.hi.val)
        free(self.lo.val)

    cdef void _clear(self) noexcept nogil:
        ext_clear(&self.hi)
        ext_clear(&self.lo)
        self.count = 0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double highest = ext_push(&self.hi, x[0]), lowest = ext_push(&self.lo, x[1]), diff
        if self.count < self.period - 1:
            self.count += 1
            y[0] = NAN
            return
        diff = (highest - lowest) / (-100.0)
        if ta_is_zero_scaled(highest - lowest, fabs(highest) + fabs(lowest)):
            y[0] = 0.0
        else:
            y[0] = (highest - x[2]) / diff


cdef class CCI(Indicator):
    """Commodity channel index of the typical price (h+l+c)/3 over ``period`` bars (TA-Lib, O(period))."""
    cdef Py_ssize_t period, count
    cdef double* ring

    def __init__(self, period=14):
        self.period = check_period("period", period, 2)
        self.ring = new_ring(self.period)
        self._clear()
        self._setup(("high", "low", "close"), ("cci",), self.period - 1)

    def __dealloc__(self):
        free(self.ring)

    cdef void _clear(self) noexcept nogil:
        self.count = 0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double last = typical(x), avg = 0.0, dev = 0.0, d
        cdef Py_ssize_t j
        self.ring[self.count % self.period] = last
        self.count += 1
        if self.count < self.period:
            y[0] = NAN
            return
        if self.count == 2 * self.period:
            self.count = self.period  # same slot residue, bounded counter
        for j in range(self.period):  # slot order, as TA-Lib sums its circular buffer
            avg += self.ring[j]
        avg /= <double>self.period
        for j in range(self.period):
            dev += fabs(self.ring[j] - avg)
        dev /= <double>self.period
        d = last - avg
        if ta_is_zero_scaled(d, fabs(avg)) or ta_is_zero_scaled(dev, fabs(avg)):
            y[0] = 0.0  # a flat window, up to rounding residue (TA-Lib's scale-aware test)
        else:
            y[0] = d / (0.015 * dev)


cdef class MFI(Indicator):
    """Money flow index over ``period`` bars, as TA-Lib 0.6+: a typical-price change within rounding of
    zero (TA-Lib's scale-aware test) carries no flow, and a window without flow reads 0.

    The running sums are reset to exactly 0 whenever their side holds no flow in the window, so a
    flat stretch cannot leave a rounding residue that turns into a spurious 100 (or worse).
    A negative volume is an invalid row (skipped and counted); a zero volume is a valid bar.
    """
    cdef Py_ssize_t period, count, pos, n_pos, n_neg
    cdef double prev, pos_sum, neg_sum
    cdef double* pos_ring
    cdef double* neg_ring

    def __init__(self, period=14):
        self.period = check_period("period", period, 2)
        self.pos_ring = new_ring(self.period)
        self.neg_ring = new_ring(self.period)
        self._clear()
        self._setup(("high", "low", "close", "volume"), ("mfi",), self.period)

    def __dealloc__(self):
        free(self.pos_ring)
        free(self.neg_ring)

    cdef void _clear(self) noexcept nogil:
        cdef Py_ssize_t j
        self.count = 0
        self.pos = 0
        self.n_pos = 0
        self.n_neg = 0
        self.prev = 0.0
        self.pos_sum = 0.0
        self.neg_sum = 0.0
        for j in range(self.period):
            self.pos_ring[j] = 0.0
            self.neg_ring[j] = 0.0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double tp, d, flow, total
        cdef bint flat
        if x[3] < 0.0:
            self._bad += 1
            y[0] = NAN
            return
        tp = typical(x)
        if self.count == 0:
            self.prev = tp
            self.count = 1
            y[0] = NAN
            return
        if self.count > self.period:
            self.pos_sum -= self.pos_ring[self.pos]
            self.neg_sum -= self.neg_ring[self.pos]
        else:
            self.count += 1
        self.n_pos -= self.pos_ring[self.pos] != 0.0
        self.n_neg -= self.neg_ring[self.pos] != 0.0
        d = tp - self.prev
        flat = ta_is_zero_scaled(d, fabs(tp) + fabs(self.prev))
        self.prev = tp
        flow = tp * x[3]
        self.pos_ring[self.pos] = 0.0
        self.neg_ring[self.pos] = 0.0
        if not flat and d < 0:
            self.neg_ring[self.pos] = flow
            self.neg_sum += flow
        elif not flat and d > 0:
            self.pos_ring[self.pos] = flow
            self.pos_sum += flow
        self.n_pos += self.pos_ring[self.pos] != 0.0
        self.n_neg += self.neg_ring[self.pos] != 0.0
        if self.n_pos == 0:
            self.pos_sum = 0.0
        if self.n_neg == 0:
            self.neg_sum = 0.0
        self.pos += 1
        if self.pos == self.period:
            self.pos = 0
        if self.count <= self.period:
            y[0] = NAN
            return
        total = self.pos_sum + self.neg_sum
        y[0] = 0.0 if total <= 0.0 else 100.0 * (self.pos_sum / total)


cdef inline void macd_out(Ema* sig, double m, double* y) noexcept nogil:
    cdef double s = ema_step(sig, m)
    if s == s:
        y[0] = m
        y[1] = s
        y[2] = m - s
    else:
        y[0] = NAN
        y[1] = NAN
        y[2] = NAN


cdef class MACD(Indicator):
    """MACD line (EMA fast - EMA slow), its EMA signal, and the histogram, as TA-Lib computes them.

    TA-Lib starts the fast EMA so that both EMAs give their first value on the same bar: the fast one
    is seeded with the SMA of the last ``fast`` of the first ``slow`` values.
    """
    cdef Ema ef, es, sig
    cdef Py_ssize_t count
    cdef double* ring

    def __init__(self, fast=12, slow=26, signal=9):
        f = check_period("fast", fast, 2)
        s = check_period("slow", slow, 2)
        if s < f:
            f, s = s, f  # TA-Lib swaps them too
        ema_init(&self.ef, f)
        ema_init(&self.es, s)
        ema_init(&self.sig, check_period("signal", signal, 1))
        self.ring = new_ring(s)
        self._clear()
        self._setup(("close",), ("macd", "signal", "hist"), s - 1 + self.sig.period - 1)

    def __dealloc__(self):
        free(self.ring)

    cdef void _clear(self) noexcept nogil:
        ema_clear(&self.ef)
        ema_clear(&self.es)
        ema_clear(&self.sig)
        self.count = 0

    cdef void _warm(self, double v, double* y) noexcept nogil:
        cdef double slow = ema_step(&self.es, v), fast = NAN
        cdef Py_ssize_t j
        self.ring[self.count] = v
        self.count += 1
        if self.count < self.es.period:
            y[0] = NAN
            y[1] = NAN
            y[2] = NAN
            return
        for j in range(self.es.period - self.ef.period, self.es.period):
            fast = ema_step(&self.ef, self.ring[j])
        macd_out(&self.sig, fast - slow, y)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        if self.count < self.es.period:
            self._warm(x[0], y)
        else:
            macd_out(&self.sig, ema_step(&self.ef, x[0]) - ema_step(&self.es, x[0]), y)

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef const double* c = cols[0]
        cdef Py_ssize_t i = 0
        cdef Ema ef, es, sig
        while i < n and self.count < self.es.period:
            self.step_checked(c + i, out + i * stride)
            i += 1
        ef, es, sig = self.ef, self.es, self.sig  # local copies the compiler keeps in registers
        for i in range(i, n):
            if isfinite(c[i]):
                macd_out(&sig, ema_step(&ef, c[i]) - ema_step(&es, c[i]), out + i * stride)
            else:
                self._bad += 1
                out[i * stride] = NAN
                out[i * stride + 1] = NAN
                out[i * stride + 2] = NAN
        self.ef, self.es, self.sig = ef, es, sig


cdef class OBV(Indicator):
    """On-balance volume, starting at the first bar's volume (TA-Lib). Negative volume is an invalid row."""
    cdef bint started
    cdef double prev, obv

    def __init__(self):
        self._clear()
        self._setup(("close", "volume"), ("obv",), 0)

    cdef void _clear(self) noexcept nogil:
        self.started = False
        self.prev = 0.0
        self.obv = 0.0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        if x[1] < 0.0:
            self._bad += 1
            y[0] = NAN
            return
        if not self.started:
            self.started = True
            self.obv = x[1]
        elif x[0] > self.prev:
            self.obv += x[1]
        elif x[0] < self.prev:
            self.obv -= x[1]
        self.prev = x[0]
        y[0] = self.obv
