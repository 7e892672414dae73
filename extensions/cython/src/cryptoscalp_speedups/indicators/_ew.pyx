# cython: language_level=3
"""Exponentially weighted dispersion and z-score, and log returns."""

from libc.math cimport NAN, exp, log, sqrt
from libc.stdlib cimport free

from ._base cimport Indicator
from ._core cimport check_period, new_ring


cdef double resolve_alpha(object halflife, object alpha) except -1.0:
    if (halflife is None) == (alpha is None):
        raise ValueError("give exactly one of halflife or alpha")
    if alpha is not None:
        a = float(alpha)
        if not 0.0 < a <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
        return a
    h = float(halflife)
    if not h > 0.0:
        raise ValueError(f"halflife must be > 0, got {halflife!r}")
    return 1.0 - exp(-log(2.0) / h)


cdef class _EW(Indicator):
    # m, v: EW mean and (biased) EW variance, seeded with the first value and 0
    cdef double alpha, m, v
    cdef bint started

    def __init__(self, halflife=None, alpha=None, *, str output):
        self.alpha = resolve_alpha(halflife, alpha)
        self._clear()
        self._setup(("x",), (output,), 1)

    @property
    def alpha(self) -> float:
        return self.alpha

    cdef void _clear(self) noexcept nogil:
        self.m = 0.0
        self.v = 0.0
        self.started = False

    cdef inline bint _push(self, double x) noexcept nogil:
        cdef double d
        if not self.started:
            self.started = True
            self.m = x
            self.v = 0.0
            return False
        d = x - self.m
        self.m += self.alpha * d
        self.v = (1.0 - self.alpha) * (self.v + self.alpha * d * d)
        return True


cdef class EWStd(_EW):
    """Exponentially weighted standard deviation: m += a*(x-m); v = (1-a)*(v + a*(x-m_prev)^2); sqrt(v).

    Give ``halflife`` (in values; a = 1 - exp(-ln 2 / halflife)) or ``alpha``. First output on the 2nd value.
    """

    def __init__(self, halflife=None, alpha=None):
        _EW.__init__(self, halflife, alpha, output="std")

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        y[0] = sqrt(self.v) if self._push(x[0]) else NAN


cdef class RunningZScore(_EW):
    """(x - EW mean) / EW std, both updated with x first (no look-ahead); 0.0 while the EW std is 0."""

    def __init__(self, halflife=None, alpha=None):
        _EW.__init__(self, halflife, alpha, output="zscore")

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        if not self._push(x[0]):
            y[0] = NAN
        elif self.v > 0.0:
            y[0] = (x[0] - self.m) / sqrt(self.v)
        else:
            y[0] = 0.0


cdef class LogReturn(Indicator):
    """log(x_t / x_{t-horizon}). A value <= 0 is an invalid row (skipped and counted)."""
    cdef Py_ssize_t horizon, count
    cdef double* ring

    def __init__(self, horizon=1):
        self.horizon = check_period("horizon", horizon, 1)
        self.ring = new_ring(self.horizon)
        self.count = 0
        self._setup(("x",), ("logret",), self.horizon)

    def __dealloc__(self):
        free(self.ring)

    cdef void _clear(self) noexcept nogil:
        self.count = 0

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef Py_ssize_t slot
        if x[0] <= 0.0:
            self._bad += 1
            y[0] = NAN
            return
        slot = self.count % self.horizon
        y[0] = log(x[0] / self.ring[slot]) if self.count >= self.horizon else NAN
        self.ring[slot] = x[0]
        self.count += 1
        if self.count == 2 * self.horizon:
            self.count = self.horizon  # same slot residue, bounded counter
