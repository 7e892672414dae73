# cython: language_level=3
"""Volatility and trend strength: BBANDS, ATR, NATR, KELTNER, ADX (TA-Lib definitions; KELTNER is ours)."""

from libc.math cimport NAN, fabs, isfinite, sqrt
from libc.stdlib cimport free

from ._base cimport Indicator
from ._core cimport (Ema, Sma, Window, check_period, ema_clear, ema_init, ema_step, new_ring, sma_clear, sma_step,
                     ta_is_zero, win_clear, win_push, win_var)


cdef struct Wilder:
    # TA-Lib ATR state: true range needs the previous close; seed = SMA of the first ``period`` ranges
    Py_ssize_t period
    Py_ssize_t count
    double a
    double b
    double prev_close
    double atr


cdef inline void wilder_init(Wilder* s, Py_ssize_t period) noexcept nogil:
    s.period = period
    s.a = <double>(period - 1) / <double>period
    s.b = 1.0 / <double>period
    wilder_clear(s)


cdef inline void wilder_clear(Wilder* s) noexcept nogil:
    s.count = 0
    s.prev_close = 0.0
    s.atr = 0.0


cdef inline double true_range(double h, double l, double prev_close) noexcept nogil:
    cdef double r = h - l, v = fabs(prev_close - h), w = fabs(prev_close - l)
    r = v if v > r else r  # conditional moves, not branches: the larger one is unpredictable
    return w if w > r else r


cdef inline double atr_step(Wilder* s, double h, double l, double c) noexcept nogil:
    cdef double tr
    if s.count == 0:
        s.count = 1
        s.prev_close = c
        return NAN
    tr = true_range(h, l, s.prev_close)
    s.prev_close = c
    if s.count > s.period:
        s.atr = s.atr * s.a + tr * s.b  # (atr * (p-1) + tr) / p, reassociated off the division
        return s.atr
    s.count += 1
    s.atr += tr
    if s.count <= s.period:
        return NAN
    s.atr = s.atr / <double>s.period
    return s.atr


cdef class ATR(Indicator):
    """Average true range, Wilder smoothing seeded with the SMA of the first ``period`` true ranges."""
    cdef Wilder s

    def __init__(self, period=14):
        wilder_init(&self.s, check_period("period", period, 1))
        self._setup(("high", "low", "close"), ("atr",), self.s.period)

    cdef void _clear(self) noexcept nogil:
        wilder_clear(&self.s)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = atr_step(&self.s, x[0], x[1], x[2])

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef const double* h = cols[0]
        cdef const double* l = cols[1]
        cdef const double* c = cols[2]
        cdef Py_ssize_t i
        cdef Wilder s = self.s
        for i in range(n):
            if isfinite(h[i]) and isfinite(l[i]) and isfinite(c[i]):
                out[i * stride] = atr_step(&s, h[i], l[i], c[i])
            else:
                self._bad += 1
                out[i * stride] = NAN
        self.s = s


cdef class NATR(Indicator):
    """Normalised ATR: 100 * ATR / close (0 when the close is zero)."""
    cdef Wilder s

    def __init__(self, period=14):
        wilder_init(&self.s, check_period("period", period, 1))
        self._setup(("high", "low", "close"), ("natr",), self.s.period)

    cdef void _clear(self) noexcept nogil:
        wilder_clear(&self.s)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double a = atr_step(&self.s, x[0], x[1], x[2])
        if a != a:
            y[0] = NAN
        elif ta_is_zero(x[2]):
            y[0] = 0.0
        else:
            y[0] = (a / x[2]) * 100.0


cdef inline void bands(Sma* mid, Window* win, double up, double dn, double v, double* y) noexcept nogil:
    cdef double m = sma_step(mid, v), sd
    if not win_push(win, v):
        y[0] = NAN
        y[1] = NAN
        y[2] = NAN
        return
    sd = sqrt(win_var(win))
    y[0] = m + sd * up
    y[1] = m
    y[2] = m - sd * dn


cdef class BBANDS(Indicator):
    """Bollinger bands: SMA(period) +/- nbdev * population standard deviation over the same window.

    The middle band is TA-Lib's running-sum SMA; the deviation comes from a re-centred window, as
    accurate as TA-Lib 0.6+ (which no longer uses sum(x^2) - sum(x)^2/n).
    """
    cdef Sma mid
    cdef Window win
    cdef double up, dn

    def __init__(self, period=5, nbdev_up=2.0, nbdev_dn=2.0):
        p = check_period("period", period, 1)
        self.up = nbdev_up
        self.dn = nbdev_dn
        self.mid.period = p
        self.win.period = p
        self.mid.ring = new_ring(p)
        self.win.ring = new_ring(p)
        self._clear()
        self._setup(("close",), ("upper", "middle", "lower"), p - 1)

    def __dealloc__(self):
        free(self.mid.ring)
        free(self.win.ring)

    cdef void _clear(self) noexcept nogil:
        sma_clear(&self.mid)
        win_clear(&self.win)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        bands(&self.mid, &self.win, self.up, self.dn, x[0], y)

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef const double* c = cols[0]
        cdef Py_ssize_t i
        cdef Sma mid = self.mid
        cdef Window win = self.win
        for i in range(n):
            if isfinite(c[i]):
                bands(&mid, &win, self.up, self.dn, c[i], out + i * stride)
            else:
                self._bad += 1
                out[i * stride] = NAN
                out[i * stride + 1] = NAN
                out[i * stride + 2] = NAN
        self.mid = mid
        self.win = win


cdef class KELTNER(Indicator):
    """Keltner channel (no TA-Lib equivalent): middle = EMA(close, period) (TA-Lib EMA, SMA-seeded),
    upper/lower = middle +/- multiplier * ATR(atr_period) (TA-Lib ATR, Wilder).

    First value when both are ready: warmup = max(period - 1, atr_period).
    """
    cdef Ema ema
    cdef Wilder atr
    cdef double mult

    def __init__(self, period=20, atr_period=10, multiplier=2.0):
        ema_init(&self.ema, check_period("period", period, 1))
        wilder_init(&self.atr, check_period("atr_period", atr_period, 1))
        self.mult = multiplier
        self._clear()
        self._setup(("high", "low", "close"), ("upper", "middle", "lower"),
                    max(self.ema.period - 1, self.atr.period))

    cdef void _clear(self) noexcept nogil:
        ema_clear(&self.ema)
        wilder_clear(&self.atr)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double m = ema_step(&self.ema, x[2]), a = atr_step(&self.atr, x[0], x[1], x[2])
        if m != m or a != a:
            y[0] = NAN
            y[1] = NAN
            y[2] = NAN
            return
        y[0] = m + self.mult * a
        y[1] = m
        y[2] = m - self.mult * a


cdef class ADX(Indicator):
    """Wilder's average directional index as TA-Lib computes it (first DM/TR sums over period-1 bars,
    then Wilder smoothing; the first ADX is the mean of ``period`` DX values). warmup = 2*period - 1.
    """
    cdef Py_ssize_t period, count
    cdef double prev_high, prev_low, prev_close, plus_dm, minus_dm, tr, sum_dx, adx

    def __init__(self, period=14):
        self.period = check_period("period", period, 2)
        self._clear()
        self._setup(("high", "low", "close"), ("adx",), 2 * self.period - 1)

    cdef void _clear(self) noexcept nogil:
        self.count = 0
        self.prev_high = self.prev_low = self.prev_close = 0.0
        self.plus_dm = self.minus_dm = self.tr = self.sum_dx = self.adx = 0.0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double diff_p, diff_m, tr, minus_di, plus_di, total, dx
        cdef double p = <double>self.period
        cdef Py_ssize_t t = self.count
        y[0] = NAN
        if t == 0:
            self.prev_high = x[0]
            self.prev_low = x[1]
            self.prev_close = x[2]
            self.count = 1
            return
        diff_p = x[0] - self.prev_high
        self.prev_high = x[0]
        diff_m = self.prev_low - x[1]
        self.prev_low = x[1]
        if t >= self.period:  # Wilder smoothing of the sums
            self.minus_dm -= self.minus_dm / p
            self.plus_dm -= self.plus_dm / p
        if diff_m > 0 and diff_p < diff_m:
            self.minus_dm += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            self.plus_dm += diff_p
        tr = true_range(self.prev_high, self.prev_low, self.prev_close)
        if t >= self.period:
            self.tr = self.tr - (self.tr / p) + tr
        else:
            self.tr += tr
        self.prev_close = x[2]
        if t < self.period:
            self.count += 1
            return
        dx = NAN
        if not ta_is_zero(self.tr):
            minus_di = 100.0 * (self.minus_dm / self.tr)
            plus_di = 100.0 * (self.plus_dm / self.tr)
            total = minus_di + plus_di
            if not ta_is_zero(total):
                dx = 100.0 * (fabs(minus_di - plus_di) / total)
        if t < 2 * self.period - 1:
            if dx == dx:
                self.sum_dx += dx
            self.count += 1
            return
        if t == 2 * self.period - 1:
            if dx == dx:
                self.sum_dx += dx
            self.adx = self.sum_dx / p
            self.count += 1
        elif dx == dx:
            self.adx = ((self.adx * (p - 1.0)) + dx) / p
        y[0] = self.adx
