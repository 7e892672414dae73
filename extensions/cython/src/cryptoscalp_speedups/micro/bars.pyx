# cython: language_level=3
"""Bar builders: one clock (time, tick, volume or event count) turning an event stream into bars.

A bar row has the fixed fields of :data:`FIELDS` followed by ``n_sums`` additive columns (for example the
order-flow imbalance of the quotes inside the bar). Each call returns the bars it closed and, for each,
the index (into that call's input) of the event at which the bar became known:

* time clock (``size`` = interval in ns, bars aligned on multiples of it since the epoch): a bar closes
  when the first event at or after its end arrives, *before* that event is added; intervals with no
  event at all become empty bars (open = high = low = close = last price, zero volume), at most
  ``max_fill`` of them per gap, the rest are counted in ``skipped``; ``gaps`` counts empty intervals;
* tick clock (``size`` trades), volume clock (``size`` in quantity units; a trade is never split, so a
  bar holds at least ``size``) and event clock (``size`` events of any kind): a bar closes *after* the
  event that completes it is added.

No bar is emitted before the first trade (there is no price yet). A bar without trades (only quotes, or
a time-clock gap) carries the last price and zero volume.
"""

import numpy as np
cimport numpy as cnp
from libc.math cimport NAN, isnan, fabs

cnp.import_array()

FIELDS = ("open", "high", "low", "close", "volume", "buy_volume", "dollar_volume", "trades", "events",
          "duration_s")
cdef enum:
    NF = 10
    F_OPEN = 0
    F_HIGH = 1
    F_LOW = 2
    F_CLOSE = 3
    F_VOLUME = 4
    F_BUY = 5
    F_DOLLAR = 6
    F_TRADES = 7
    F_EVENTS = 8
    F_DURATION = 9

KINDS = {"time": 0, "tick": 1, "volume": 2, "event": 3}


cdef class BarBuilder:
    cdef readonly int kind
    cdef readonly double size
    cdef readonly long long interval
    cdef readonly int n_sums
    cdef readonly int width
    cdef readonly int max_fill
    cdef readonly long long gaps
    cdef readonly long long skipped
    cdef readonly long long bars
    cdef double[::1] cur
    cdef double _lp
    cdef double progress
    cdef long long slot
    cdef long long prev_close_ts
    cdef long long last_ts
    cdef object _buf
    cdef object _idx
    cdef Py_ssize_t _m
    cdef object _no_idx
    cdef object _no_bars

    def __init__(self, str kind, double size, int n_sums=0, int max_fill=1000):
        if kind not in KINDS:
            raise ValueError(f"unknown clock kind {kind!r}: one of {sorted(KINDS)}")
        if not size > 0:
            raise ValueError(f"clock size must be > 0, got {size}")
        self.kind = KINDS[kind]
        self.size = size
        self.interval = <long long>size
        self.n_sums = n_sums
        self.width = NF + n_sums
        self.max_fill = max_fill
        self.cur = np.empty(self.width, dtype=np.float64)
        self._no_idx = np.empty(0, dtype=np.int64)
        self._no_bars = np.empty((0, self.width), dtype=np.float64)
        self._no_idx.flags.writeable = False
        self._no_bars.flags.writeable = False
        self.reset()

    def reset(self):
        self.gaps = 0
        self.skipped = 0
        self.bars = 0
        self._lp = NAN
        self.slot = -1
        self.prev_close_ts = -1
        self.last_ts = -1
        self._clear()
        self._begin()

    @property
    def current_slot(self):
        """Time clock: the interval index of the open bar (-1 before any event)."""
        return self.slot

    @property
    def last_price(self):
        return self._lp

    cdef void _clear(self):
        cdef int j
        for j in range(self.width):
            self.cur[j] = 0.0
        self.cur[F_OPEN] = NAN
        self.cur[F_HIGH] = NAN
        self.cur[F_LOW] = NAN
        self.cur[F_CLOSE] = NAN
        self.progress = 0.0

    cdef void _begin(self):
        self._buf = np.empty((16, self.width), dtype=np.float64)
        self._idx = np.empty(16, dtype=np.int64)
        self._m = 0

    cdef object _finish(self):
        if self._m == 0:  # the common case per event: no allocation
            return self._no_idx, self._no_bars
        idx = self._idx[:self._m].copy()
        bars = self._buf[:self._m].copy()
        self._begin()
        return idx, bars

    cdef void _emit(self, Py_ssize_t i, long long end_ts):
        cdef double[:, ::1] buf
        cdef long long[::1] ib
        cdef int j
        cdef Py_ssize_t cap
        if isnan(self._lp):
            self._clear()
            return
        if isnan(self.cur[F_OPEN]):
            self.cur[F_OPEN] = self._lp
            self.cur[F_HIGH] = self._lp
            self.cur[F_LOW] = self._lp
            self.cur[F_CLOSE] = self._lp
        if self.prev_close_ts >= 0:
            self.cur[F_DURATION] = (end_ts - self.prev_close_ts) * 1e-9
        else:
            self.cur[F_DURATION] = NAN
        self.prev_close_ts = end_ts
        cap = self._buf.shape[0]
        if self._m == cap:
            self._buf = np.concatenate((self._buf, np.empty_like(self._buf)))
            self._idx = np.concatenate((self._idx, np.empty_like(self._idx)))
        buf = self._buf
        ib = self._idx
        for j in range(self.width):
            buf[self._m, j] = self.cur[j]
        ib[self._m] = i
        self._m += 1
        self.bars += 1
        self._clear()

    cdef inline void _time(self, Py_ssize_t i, long long ts):
        cdef long long k, n_empty, fill, e
        if self.kind != 0:
            return
        k = ts // self.interval
        if self.slot < 0:
            self.slot = k
            if self.prev_close_ts < 0:
                self.prev_close_ts = k * self.interval
            return
        if k <= self.slot:
            return
        self._emit(i, (self.slot + 1) * self.interval)
        n_empty = k - self.slot - 1
        if n_empty > 0:
            self.gaps += n_empty
            fill = n_empty if n_empty < self.max_fill else self.max_fill
            self.skipped += n_empty - fill
            for e in range(fill):
                self._emit(i, (self.slot + 2 + e) * self.interval)
            if fill < n_empty:  # the bars after the skipped ones measure from the new slot
                self.prev_close_ts = k * self.interval
        self.slot = k

    cdef inline void _count(self, Py_ssize_t i, long long ts, double amount):
        self.progress += amount
        if self.progress >= self.size:
            self._emit(i, ts)

    cdef inline void _trade(self, Py_ssize_t i, long long ts, double p, double q, signed char side):
        self._time(i, ts)
        if isnan(self.cur[F_OPEN]):
            self.cur[F_OPEN] = p
            self.cur[F_HIGH] = p
            self.cur[F_LOW] = p
        else:
            if p > self.cur[F_HIGH]:
                self.cur[F_HIGH] = p
            if p < self.cur[F_LOW]:
                self.cur[F_LOW] = p
        self.cur[F_CLOSE] = p
        self.cur[F_VOLUME] += q
        if side > 0:
            self.cur[F_BUY] += q
        self.cur[F_DOLLAR] += p * q
        self.cur[F_TRADES] += 1.0
        self.cur[F_EVENTS] += 1.0
        self._lp = p
        self.last_ts = ts
        if self.kind == 1:
            self._count(i, ts, 1.0)
        elif self.kind == 2:
            self._count(i, ts, q)
        elif self.kind == 3:
            self._count(i, ts, 1.0)

    cdef inline void _sum_row(self, Py_ssize_t i, long long ts, const double[:, :] values, bint count):
        cdef int j
        cdef double v
        self._time(i, ts)
        if values.shape[1] >= self.n_sums:
            for j in range(self.n_sums):
                v = values[i, j]
                if v == v and fabs(v) != 1.0 / 0.0:
                    self.cur[NF + j] += v
        self.last_ts = ts
        if count:
            self.cur[F_EVENTS] += 1.0
            if self.kind == 3:
                self._count(i, ts, 1.0)

    def feed_trades(self, const long long[::1] ts, const double[::1] price, const double[::1] qty,
                    const signed char[::1] side):
        """Add trades (all good: the caller drops bad rows); returns ``(close_index, bars)``."""
        cdef Py_ssize_t i, n = ts.shape[0]
        for i in range(n):
            self._trade(i, ts[i], price[i], qty[i], side[i])
        return self._finish()

    def feed_sums(self, const long long[::1] ts, const double[:, :] values, const unsigned char[::1] counts):
        """Add non-trade events; row ``i`` of ``values`` (``n_sums`` columns) is added to the bar's sums
        (non-finite entries are skipped). Only events with ``counts[i]`` count towards an event clock
        (a multi-row book message counts once, at its last row)."""
        cdef Py_ssize_t i, n = ts.shape[0]
        for i in range(n):
            self._sum_row(i, ts[i], values, counts[i] != 0)
        return self._finish()


cdef class BarClocks:
    """Several bar builders fed together: one call per batch instead of one per clock.

    ``feed_trades`` / ``feed_sums`` take the arguments of :class:`BarBuilder`'s and return
    ``[(builder_position, close_index, bars), ...]`` for the builders that closed bars (usually none).
    """
    cdef list _builders
    cdef readonly Py_ssize_t n

    def __init__(self, builders):
        self._builders = list(builders)
        for b in self._builders:
            if not isinstance(b, BarBuilder):
                raise TypeError(f"not a BarBuilder: {b!r}")
        self.n = len(self._builders)

    @property
    def builders(self):
        return list(self._builders)

    def feed_trades(self, const long long[::1] ts, const double[::1] price, const double[::1] qty,
                    const signed char[::1] side):
        cdef Py_ssize_t i, k, n = ts.shape[0]
        cdef BarBuilder b
        if price.shape[0] != n or qty.shape[0] != n or side.shape[0] != n:
            raise ValueError("ts, price, qty and side must have the same length")
        out = []
        for k in range(self.n):
            b = <BarBuilder>self._builders[k]
            for i in range(n):
                b._trade(i, ts[i], price[i], qty[i], side[i])
            if b._m:
                idx, bars = b._finish()
                out.append((k, idx, bars))
        return out

    def feed_sums(self, const long long[::1] ts, const double[:, :] values, const unsigned char[::1] counts):
        cdef Py_ssize_t i, k, n = ts.shape[0]
        cdef BarBuilder b
        if values.shape[0] != n or counts.shape[0] != n:
            raise ValueError("ts, values and counts must have the same length")
        out = []
        for k in range(self.n):
            b = <BarBuilder>self._builders[k]
            for i in range(n):
                b._sum_row(i, ts[i], values, counts[i] != 0)
            if b._m:
                idx, bars = b._finish()
                out.append((k, idx, bars))
        return out
