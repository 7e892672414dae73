# cython: language_level=3
"""Inline state machines shared by several indicators (EMA, TA-Lib's running-sum SMA, a rolling window).

They follow TA-Lib's definitions (seeds, order of the running sums); the EMA recurrence is
reassociated to shorten its dependency chain, so it agrees with TA-Lib to rounding, not bit for bit.
``Window`` keeps its sums around a shift re-centred (and recomputed exactly) every ``period`` pushes,
so a variance never suffers the cancellation of sum(x^2) - sum(x)^2/n and long runs cannot drift.
"""

from libc.math cimport NAN, fabs
from libc.stdlib cimport calloc


cdef inline double* new_ring(Py_ssize_t size) except NULL:
    cdef double* ring = <double*>calloc(size if size > 0 else 1, sizeof(double))
    if ring == NULL:
        raise MemoryError()
    return ring


cdef struct Ema:
    Py_ssize_t period
    Py_ssize_t count
    double k
    double c1
    double total
    double value


cdef inline void ema_init(Ema* s, Py_ssize_t period) noexcept nogil:
    s.period = period
    s.k = 2.0 / <double>(period + 1)  # TA-Lib's PER_TO_K
    s.c1 = 1.0 - s.k
    ema_clear(s)


cdef inline void ema_clear(Ema* s) noexcept nogil:
    s.count = 0
    s.total = 0.0
    s.value = NAN


cdef inline double ema_step(Ema* s, double x) noexcept nogil:
    """TA-Lib EMA: seeded with the SMA of the first ``period`` values, then prev + k * (x - prev).

    Written prev * (1 - k) + x * k: a two-operation dependency chain instead of three (TA-Lib 0.6+
    also reassociates its recurrences); the result differs from TA-Lib's by rounding only.
    """
    if s.count >= s.period:
        s.value = s.value * s.c1 + x * s.k
        return s.value
    s.count += 1
    s.total += x
    if s.count == s.period:
        s.value = s.total / <double>s.period
        return s.value
    return NAN


cdef struct Sma:
    Py_ssize_t period
    Py_ssize_t count
    Py_ssize_t pos
    double total
    double* ring


cdef inline void sma_clear(Sma* s) noexcept nogil:
    s.count = 0
    s.pos = 0
    s.total = 0.0


cdef inline double sma_step(Sma* s, double x) noexcept nogil:
    """TA-Lib SMA: one running total, the value leaving the window subtracted after each output."""
    cdef double y
    s.ring[s.pos] = x
    s.total += x
    s.pos += 1
    if s.pos == s.period:
        s.pos = 0
    if s.count < s.period - 1:
        s.count += 1
        return NAN
    y = s.total / <double>s.period
    s.total -= s.ring[s.pos]  # the oldest value of the window just reported
    return y


cdef struct Window:
    Py_ssize_t period
    Py_ssize_t count
    Py_ssize_t pos
    double shift
    double s1
    double s2
    double* ring


cdef inline void win_clear(Window* w) noexcept nogil:
    w.count = 0
    w.pos = 0
    w.shift = 0.0
    w.s1 = 0.0
    w.s2 = 0.0


cdef inline void win_resync(Window* w) noexcept nogil:
    """Re-centre on the window mean and recompute the sums exactly (two passes, O(period))."""
    cdef Py_ssize_t i
    cdef double acc = 0.0, d, s2 = 0.0
    for i in range(w.period):
        acc += w.ring[i] - w.shift
    w.shift = w.shift + acc / <double>w.period
    acc = 0.0
    for i in range(w.period):
        d = w.ring[i] - w.shift
        acc += d
        s2 += d * d
    w.s1 = acc
    w.s2 = s2


cdef inline bint win_push(Window* w, double x) noexcept nogil:
    """Add ``x`` (dropping the oldest once full); True when the window holds ``period`` values."""
    cdef double d, e
    if w.count < w.period:
        if w.count == 0:
            w.shift = x
        d = x - w.shift
        w.s1 += d
        w.s2 += d * d
        w.count += 1
    else:
        d = x - w.shift
        e = w.ring[w.pos] - w.shift
        w.s1 += d - e
        w.s2 += d * d - e * e
    w.ring[w.pos] = x
    w.pos += 1
    if w.pos == w.period:
        w.pos = 0
        if w.count == w.period:
            win_resync(w)
    return w.count == w.period


cdef inline double win_mean(Window* w) noexcept nogil:
    return w.shift + w.s1 / <double>w.period


cdef inline double win_exact_var(Window* w) noexcept nogil:
    """Two-pass population variance straight from the ring (O(period))."""
    cdef Py_ssize_t i
    cdef double m = 0.0, v = 0.0, d
    for i in range(w.period):
        m += w.ring[i]
    m /= <double>w.period
    for i in range(w.period):
        d = w.ring[i] - m
        v += d * d
    return v / <double>w.period


cdef inline bint win_ill_conditioned(Window* w, double v) noexcept nogil:
    """True when the shifted sums cancel too much for ~1e-10 relative accuracy (a near-flat window)."""
    return v * 1e4 < w.s2 / <double>w.period


cdef inline double win_var(Window* w) noexcept nogil:
    """Population variance of the full window (never negative); exact two-pass when near-flat."""
    cdef double m = w.s1 / <double>w.period
    cdef double v = w.s2 / <double>w.period - m * m
    if win_ill_conditioned(w, v):
        return win_exact_var(w)
    return v if v > 0.0 else 0.0


cdef inline bint ta_is_zero(double v) noexcept nogil:
    """TA-Lib's TA_IS_ZERO band (TA_EPSILON = 1e-14)."""
    return -1e-14 < v < 1e-14


cdef inline bint ta_is_zero_scaled(double v, double scale) noexcept nogil:
    """TA-Lib's scale-aware zero test: |v| within TA_EPSILON of the operands' magnitude."""
    return fabs(v) <= 1e-14 * scale


cdef inline Py_ssize_t check_period(str name, object value, Py_ssize_t minimum) except -1:
    cdef Py_ssize_t p = value
    if p < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return p


cdef struct Extreme:
    # rolling max (or min) over ``period`` values: a monotonic deque in two rings
    Py_ssize_t period
    Py_ssize_t head
    Py_ssize_t size
    Py_ssize_t t
    bint is_max
    Py_ssize_t* idx
    double* val


cdef inline void ext_clear(Extreme* e) noexcept nogil:
    e.head = 0
    e.size = 0
    e.t = 0


cdef inline double ext_push(Extreme* e, double x) noexcept nogil:
    """Add ``x``; returns the extreme of the last ``period`` values (of those seen so far)."""
    cdef Py_ssize_t back, slot
    if e.size > 0 and e.idx[e.head] <= e.t - e.period:
        e.head += 1
        if e.head == e.period:
            e.head = 0
        e.size -= 1
    while e.size > 0:
        back = (e.head + e.size - 1) % e.period
        if (e.val[back] <= x) if e.is_max else (e.val[back] >= x):
            e.size -= 1
        else:
            break
    slot = (e.head + e.size) % e.period
    e.val[slot] = x
    e.idx[slot] = e.t
    e.size += 1
    e.t += 1
    return e.val[e.head]
