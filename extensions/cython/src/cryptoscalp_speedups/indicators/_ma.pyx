# cython: language_level=3
"""Moving averages with TA-Lib's definitions: SMA, EMA, WMA, DEMA, TEMA, KAMA."""

from libc.math cimport NAN, fabs, isfinite
from libc.stdlib cimport free

from ._base cimport Indicator
from ._core cimport (Ema, Sma, check_period, ema_clear, ema_init, ema_step, new_ring, sma_clear, sma_step,
                     ta_is_zero)


cdef class SMA(Indicator):
    """Simple moving average over ``period`` values (TA-Lib SMA, running total)."""
    cdef Sma s

    def __init__(self, period=30):
        self.s.period = check_period("period", period, 1)
        self.s.ring = new_ring(self.s.period)
        sma_clear(&self.s)
        self._setup(("close",), ("sma",), self.s.period - 1)

    def __dealloc__(self):
        free(self.s.ring)

    cdef void _clear(self) noexcept nogil:
        sma_clear(&self.s)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = sma_step(&self.s, x[0])

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef const double* c = cols[0]
        cdef Py_ssize_t i
        cdef Sma s = self.s
        for i in range(n):
            if isfinite(c[i]):
                out[i * stride] = sma_step(&s, c[i])
            else:
                self._bad += 1
                out[i * stride] = NAN
        self.s = s


cdef class EMA(Indicator):
    """Exponential moving average, k = 2/(period+1), seeded with the SMA of the first ``period`` values."""
    cdef Ema s

    def __init__(self, period=30):
        ema_init(&self.s, check_period("period", period, 1))
        self._setup(("close",), ("ema",), self.s.period - 1)

    cdef void _clear(self) noexcept nogil:
        ema_clear(&self.s)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = ema_step(&self.s, x[0])

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef const double* c = cols[0]
        cdef Py_ssize_t i
        cdef Ema s = self.s  # a local copy the compiler keeps in registers
        for i in range(n):
            if isfinite(c[i]):
                out[i * stride] = ema_step(&s, c[i])
            else:
                self._bad += 1
                out[i * stride] = NAN
        self.s = s


cdef class WMA(Indicator):
    """Linearly weighted moving average, weights 1..period (newest heaviest), as TA-Lib WMA.

    O(1) per value: the weighted and plain sums of (x - shift) follow TA-Lib's recurrence and are
    recomputed exactly from the window every ``period`` values, so rounding cannot accumulate.
    """
    cdef Py_ssize_t period, count, pos
    cdef double shift, wsum, psum, divider
    cdef double* ring

    def __init__(self, period=30):
        self.period = check_period("period", period, 1)
        self.divider = <double>((self.period * (self.period + 1)) >> 1)
        self.ring = new_ring(self.period)
        self._clear()
        self._setup(("close",), ("wma",), self.period - 1)

    def __dealloc__(self):
        free(self.ring)

    cdef void _clear(self) noexcept nogil:
        self.count = 0
        self.pos = 0
        self.shift = 0.0
        self.wsum = 0.0
        self.psum = 0.0

    cdef void _resync(self) noexcept nogil:
        cdef Py_ssize_t j, idx
        cdef double d
        self.shift = self.ring[(self.pos + self.period - 1) % self.period]
        self.wsum = 0.0
        self.psum = 0.0
        for j in range(self.period):  # oldest (weight 1) to newest (weight period)
            idx = (self.pos + j) % self.period
            d = self.ring[idx] - self.shift
            self.psum += d
            self.wsum += d * <double>(j + 1)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double v = x[0], d = v - self.shift
        if self.count >= self.period:
            self.wsum += <double>self.period * d - self.psum
            self.psum += d - (self.ring[self.pos] - self.shift)
        self.ring[self.pos] = v
        self.pos += 1
        if self.pos == self.period:
            self.pos = 0
        if self.count < self.period:
            self.count += 1
            if self.count < self.period:
                y[0] = NAN
                return
            self._resync()
        elif self.pos == 0:
            self._resync()
        y[0] = self.shift + self.wsum / self.divider


cdef class DEMA(Indicator):
    """Double EMA: 2*EMA(x) - EMA(EMA(x)); the inner EMA starts at the outer one's first value."""
    cdef Ema e1, e2

    def __init__(self, period=30):
        p = check_period("period", period, 1)
        ema_init(&self.e1, p)
        ema_init(&self.e2, p)
        self._setup(("close",), ("dema",), 2 * (p - 1))

    cdef void _clear(self) noexcept nogil:
        ema_clear(&self.e1)
        ema_clear(&self.e2)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double a = ema_step(&self.e1, x[0]), b
        y[0] = NAN
        if a == a:
            b = ema_step(&self.e2, a)
            if b == b:
                y[0] = (2.0 * a) - b


cdef class TEMA(Indicator):
    """Triple EMA: 3*EMA1 - 3*EMA2 + EMA3, each EMA fed the previous one's output."""
    cdef Ema e1, e2, e3

    def __init__(self, period=30):
        p = check_period("period", period, 1)
        ema_init(&self.e1, p)
        ema_init(&self.e2, p)
        ema_init(&self.e3, p)
        self._setup(("close",), ("tema",), 3 * (p - 1))

    cdef void _clear(self) noexcept nogil:
        ema_clear(&self.e1)
        ema_clear(&self.e2)
        ema_clear(&self.e3)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double a = ema_step(&self.e1, x[0]), b, c
        y[0] = NAN
        if a == a:
            b = ema_step(&self.e2, a)
            if b == b:
                c = ema_step(&self.e3, b)
                if c == c:
                    y[0] = c + ((3.0 * a) - (3.0 * b))


cdef class KAMA(Indicator):
    """Kaufman adaptive MA; efficiency ratio over ``period`` changes, smoothing between fast and slow EMAs.

    The first value is seeded with the previous close (TA-Lib); ``fast=2, slow=30`` are TA-Lib's constants.
    """
    cdef Py_ssize_t period, count
    cdef double const_max, const_diff, sum_roc, trailing, last, kama
    cdef double* ring

    def __init__(self, period=30, fast=2, slow=30):
        self.period = check_period("period", period, 1)
        f = check_period("fast", fast, 1)
        s = check_period("slow", slow, 1)
        self.const_max = 2.0 / (<double>s + 1.0)
        self.const_diff = 2.0 / (<double>f + 1.0) - self.const_max
        self.ring = new_ring(self.period + 1)
        self._clear()
        self._setup(("close",), ("kama",), self.period)

    def __dealloc__(self):
        free(self.ring)

    cdef void _clear(self) noexcept nogil:
        self.count = 0
        self.sum_roc = 0.0
        self.trailing = 0.0
        self.last = 0.0
        self.kama = 0.0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double v = x[0], oldest, roc, sc
        cdef Py_ssize_t t = self.count, size = self.period + 1
        self.ring[t % size] = v
        self.count += 1
        if t > 0 and t <= self.period:
            self.sum_roc += fabs(self.last - v)
        if t < self.period:
            self.last = v
            y[0] = NAN
            return
        oldest = self.ring[(t + 1) % size]  # x[t - period]
        roc = v - oldest
        if t == self.period:
            self.kama = self.last
        else:
            self.sum_roc -= fabs(self.trailing - oldest)
            self.sum_roc += fabs(v - self.last)
        self.trailing = oldest
        if self.sum_roc <= roc or ta_is_zero(self.sum_roc):
            sc = 1.0
        else:
            sc = fabs(roc / self.sum_roc)
        sc = (sc * self.const_diff) + self.const_max
        sc *= sc
        self.kama = ((v - self.kama) * sc) + self.kama
        self.last = v
        y[0] = self.kama
