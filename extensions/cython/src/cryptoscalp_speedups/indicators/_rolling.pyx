# cython: language_level=3
"""Rolling-window helpers for feature engines: sum, mean, population std, min, max, corr and beta.

Sums are kept around a shift re-centred (and recomputed exactly) every ``period`` values, so long
runs accumulate no rounding drift and variances suffer no catastrophic cancellation.
"""

from libc.math cimport NAN, sqrt
from libc.stdlib cimport free, malloc

from ._base cimport Indicator
from ._core cimport (Extreme, Window, check_period, ext_clear, ext_push, new_ring, win_clear, win_ill_conditioned,
                     win_mean, win_push, win_var)


cdef class _WindowStat(Indicator):
    cdef Window w

    def __init__(self, period, str output):
        self.w.period = check_period("period", period, 1)
        self.w.ring = new_ring(self.w.period)
        win_clear(&self.w)
        self._setup(("x",), (output,), self.w.period - 1)

    def __dealloc__(self):
        free(self.w.ring)

    cdef void _clear(self) noexcept nogil:
        win_clear(&self.w)


cdef class RollingSum(_WindowStat):
    """Sum of the last ``period`` values."""

    def __init__(self, period):
        _WindowStat.__init__(self, period, "sum")

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = win_mean(&self.w) * <double>self.w.period if win_push(&self.w, x[0]) else NAN


cdef class RollingMean(_WindowStat):
    """Mean of the last ``period`` values."""

    def __init__(self, period):
        _WindowStat.__init__(self, period, "mean")

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = win_mean(&self.w) if win_push(&self.w, x[0]) else NAN


cdef class RollingStd(_WindowStat):
    """Population standard deviation (divide by ``period``, like TA-Lib STDDEV) of the last ``period`` values."""

    def __init__(self, period):
        _WindowStat.__init__(self, period, "std")

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = sqrt(win_var(&self.w)) if win_push(&self.w, x[0]) else NAN


cdef class _Extreme(Indicator):
    cdef Extreme e

    def __init__(self, period, bint is_max):
        p = check_period("period", period, 1)
        self.e.period = p
        self.e.is_max = is_max
        self.e.idx = <Py_ssize_t*>malloc(p * sizeof(Py_ssize_t))
        self.e.val = new_ring(p)
        if self.e.idx == NULL:
            raise MemoryError()
        ext_clear(&self.e)
        self._setup(("x",), ("max" if is_max else "min",), p - 1)

    def __dealloc__(self):
        free(self.e.idx)
        free(self.e.val)

    cdef void _clear(self) noexcept nogil:
        ext_clear(&self.e)

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double v = ext_push(&self.e, x[0])
        y[0] = v if self.e.t >= self.e.period else NAN


cdef class RollingMax(_Extreme):
    """Maximum of the last ``period`` values (monotonic deque, O(1) amortised)."""

    def __init__(self, period):
        _Extreme.__init__(self, period, True)


cdef class RollingMin(_Extreme):
    """Minimum of the last ``period`` values (monotonic deque, O(1) amortised)."""

    def __init__(self, period):
        _Extreme.__init__(self, period, False)


cdef class _Pair(Indicator):
    # two windows pushed in lockstep plus the cross sum of their deviations from the shifts
    cdef Window wx, wy
    cdef double sxy

    def __init__(self, period, str output):
        p = check_period("period", period, 2)
        self.wx.period = self.wy.period = p
        self.wx.ring = new_ring(p)
        self.wy.ring = new_ring(p)
        self._clear()
        self._setup(("x", "y"), (output,), p - 1)

    def __dealloc__(self):
        free(self.wx.ring)
        free(self.wy.ring)

    cdef void _clear(self) noexcept nogil:
        win_clear(&self.wx)
        win_clear(&self.wy)
        self.sxy = 0.0

    cdef bint _push(self, double x, double y) noexcept nogil:
        """Push a pair; True once the window is full. Leaves cov/var of the window in reach."""
        cdef Py_ssize_t i
        cdef bint full
        if self.wx.count == 0:
            self.sxy = 0.0
            self.wx.shift = x  # set before the first product so it uses the same shifts as the windows
            self.wy.shift = y
        elif self.wx.count == self.wx.period:
            self.sxy -= (self.wx.ring[self.wx.pos] - self.wx.shift) * (self.wy.ring[self.wy.pos] - self.wy.shift)
        self.sxy += (x - self.wx.shift) * (y - self.wy.shift)
        full = win_push(&self.wx, x)
        win_push(&self.wy, y)
        if full and self.wx.pos == 0:  # both windows were just re-centred: recompute the cross sum
            self.sxy = 0.0
            for i in range(self.wx.period):
                self.sxy += (self.wx.ring[i] - self.wx.shift) * (self.wy.ring[i] - self.wy.shift)
        return full

    cdef void _moments(self, double* vx, double* vy, double* cov) noexcept nogil:
        """Variances and covariance of the full window; two-pass from the rings when near-flat."""
        cdef double p = <double>self.wx.period, mx, my, dx, dy
        cdef Py_ssize_t i
        mx = self.wx.s1 / p
        my = self.wy.s1 / p
        vx[0] = self.wx.s2 / p - mx * mx
        vy[0] = self.wy.s2 / p - my * my
        cov[0] = self.sxy / p - mx * my
        if not (win_ill_conditioned(&self.wx, vx[0]) or win_ill_conditioned(&self.wy, vy[0])):
            vx[0] = vx[0] if vx[0] > 0.0 else 0.0
            vy[0] = vy[0] if vy[0] > 0.0 else 0.0
            return
        mx = 0.0
        my = 0.0
        for i in range(self.wx.period):
            mx += self.wx.ring[i]
            my += self.wy.ring[i]
        mx /= p
        my /= p
        vx[0] = 0.0
        vy[0] = 0.0
        cov[0] = 0.0
        for i in range(self.wx.period):
            dx = self.wx.ring[i] - mx
            dy = self.wy.ring[i] - my
            vx[0] += dx * dx
            vy[0] += dy * dy
            cov[0] += dx * dy
        vx[0] /= p
        vy[0] /= p
        cov[0] /= p


cdef class RollingCorr(_Pair):
    """Pearson correlation of x and y over the last ``period`` pairs; 0.0 when either is flat (TA-Lib CORREL)."""

    def __init__(self, period):
        _Pair.__init__(self, period, "corr")

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double vx, vy, cov, r
        if not self._push(x[0], x[1]):
            y[0] = NAN
            return
        self._moments(&vx, &vy, &cov)
        if vx <= 0.0 or vy <= 0.0:
            y[0] = 0.0
            return
        r = cov / sqrt(vx * vy)
        y[0] = 1.0 if r > 1.0 else (-1.0 if r < -1.0 else r)


cdef class RollingBeta(_Pair):
    """OLS slope of y on x over the last ``period`` pairs: cov(x, y) / var(x); 0.0 when x is flat.

    Unlike TA-Lib BETA, the inputs are used as given: pass returns to get a returns beta.
    """

    def __init__(self, period):
        _Pair.__init__(self, period, "beta")

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double vx, vy, cov
        if not self._push(x[0], x[1]):
            y[0] = NAN
            return
        self._moments(&vx, &vy, &cov)
        y[0] = cov / vx if vx > 0.0 else 0.0
