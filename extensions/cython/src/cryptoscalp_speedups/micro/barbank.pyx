# cython: language_level=3
"""A clock's whole bank of bar features in one compiled call per batch of closed bars.

``BarFeatureBank(indicators, ops, windows, n_sums)`` takes:

* ``indicators``: ``[(Indicator, field_indices), ...]``, compiled indicator objects of
  ``cryptoscalp_speedups.indicators`` with, for each input, the column of the bar row it reads (the bar
  layout of :class:`~cryptoscalp_speedups.micro.bars.BarBuilder`: 10 fixed fields, then the sums);
  their outputs are laid end to end in an internal buffer (the *TA slots*);
* ``ops``: int64 rows ``(code, a, b, c)``, one per output column (codes below);
* ``windows``: int64 rows ``(derived column, window, centred)``: the rolling accumulators the ops name.

Per bar, in one C loop: every indicator steps on the bar (its own bad-input policy applies), the
derived columns (:data:`DERIVED`, then the sums) are computed and pushed into rolling windows of
finite values, and each op writes its output column. Infinite outputs become NaN and are counted in
``inf_outputs``. A rolling window reports NaN until ``window`` bars have been seen. Its sums are kept
relative to a shift and recomputed exactly from the ring every ``window`` pushes, so nothing drifts;
chunking the bars differently runs the same operations, so results are bit-for-bit the same.

Op codes (``a``/``b``/``c`` meaning): TA (slot), BB_PCTB / BB_WIDTH (slot of the upper band; middle and
lower follow), RATIO (acc, acc), SUM (acc), MEAN / SQRTMEAN (acc: mean of the finite values), STD (acc:
sample std, n > 1), ZSCORE (close acc, centred: (close - mean) / population std; NaN for a flat
window, std <= 1e-10 |close|), VWAP_DEV (dollar acc,
volume acc: bps of the close from the VWAP), BETA (acc of kx; kxy, logret, kxx accs follow: Kyle's slope,
all ``window`` bars finite), RET (horizon, log flag: simple or log return of the close ``horizon`` bars
back; ``c`` unused).
"""

cimport numpy as cnp
from cpython.ref cimport PyObject
from libc.math cimport NAN, fabs, isfinite, log, sqrt
from libc.stdlib cimport calloc, free

import numpy as np

from cryptoscalp_speedups.indicators._base cimport MAX_IO, Indicator

cnp.import_array()

DERIVED = ("close", "logret", "volume", "dollar", "signed", "absimb", "trades", "quotes", "duration",
           "parkinson", "gk", "rs", "amihud", "kx", "kxy", "kxx")
OPS = {"ta": 0, "bb_pctb": 1, "bb_width": 2, "ratio": 3, "sum": 4, "mean": 5, "sqrtmean": 6, "std": 7,
       "zscore": 8, "vwap_dev": 9, "beta": 10, "ret": 11}

cdef enum:
    NDER = 16
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
    NF = 10

cdef double LN2 = 0.6931471805599453


cdef struct Acc:
    Py_ssize_t col
    Py_ssize_t w
    bint centred
    double shift
    double s1
    double s2
    Py_ssize_t n      # finite values in the window
    Py_ssize_t since  # pushes since the last exact recomputation


cdef class BarFeatureBank:
    cdef list _held
    cdef PyObject** _ind
    cdef Py_ssize_t n_ind
    cdef Py_ssize_t* _in_off
    cdef Py_ssize_t* _in_map
    cdef Py_ssize_t* _out_off
    cdef double* _ta
    cdef Acc* _acc
    cdef Py_ssize_t n_acc
    cdef long long[:, ::1] _ops
    cdef readonly Py_ssize_t width
    cdef readonly Py_ssize_t n_sums
    cdef readonly Py_ssize_t n_cols
    cdef readonly long long inf_outputs
    cdef readonly long long bars
    cdef double* _ring      # n_cols rings of _cap values each
    cdef Py_ssize_t _cap
    cdef double _prev_close

    def __init__(self, indicators, ops, windows, int n_sums=0):
        cdef Py_ssize_t m, k, j, o = 0, nmap = 0
        if not 0 <= n_sums <= MAX_IO:
            raise ValueError(f"n_sums must be in [0, {MAX_IO}], got {n_sums}")
        self.n_sums = n_sums
        self.n_cols = NDER + n_sums
        self._held = [ind for ind, _ in indicators]
        for ind, fields in indicators:
            if not isinstance(ind, Indicator):
                raise TypeError(f"not a compiled Indicator: {ind!r}")
            if len(fields) != len(ind.inputs):
                raise ValueError(f"{ind!r}: {len(ind.inputs)} inputs, {len(fields)} fields given")
            if any(not 0 <= f < NF + n_sums for f in fields):
                raise ValueError(f"{ind!r}: field index out of range in {fields}")
            nmap += len(fields)
        self.n_ind = len(self._held)
        self._ind = <PyObject**>calloc(max(self.n_ind, 1), sizeof(PyObject*))
        self._in_off = <Py_ssize_t*>calloc(self.n_ind + 1, sizeof(Py_ssize_t))
        self._in_map = <Py_ssize_t*>calloc(max(nmap, 1), sizeof(Py_ssize_t))
        self._out_off = <Py_ssize_t*>calloc(self.n_ind + 1, sizeof(Py_ssize_t))
        k = 0
        for m in range(self.n_ind):
            ind, fields = indicators[m]
            self._ind[m] = <PyObject*>ind
            self._in_off[m] = k
            self._out_off[m] = o
            for f in fields:
                self._in_map[k] = f
                k += 1
            o += len(ind.outputs)
        self._in_off[self.n_ind] = k
        self._out_off[self.n_ind] = o
        self._ta = <double*>calloc(max(o, 1), sizeof(double))
        win = np.asarray(windows, dtype=np.int64).reshape(-1, 3)
        self.n_acc = len(win)
        self._acc = <Acc*>calloc(max(self.n_acc, 1), sizeof(Acc))
        cap = 2
        for k in range(self.n_acc):
            if not 0 <= win[k, 0] < self.n_cols or win[k, 1] < 1:
                raise ValueError(f"bad window row {win[k].tolist()}")
            self._acc[k].col = win[k, 0]
            self._acc[k].w = win[k, 1]
            self._acc[k].centred = win[k, 2] != 0
            cap = max(cap, int(win[k, 1]) + 1)
        op = np.ascontiguousarray(np.asarray(ops, dtype=np.int64).reshape(-1, 4))
        for k in range(len(op)):
            code = int(op[k, 0])
            if code == 0 and not 0 <= op[k, 1] < o:
                raise ValueError(f"op {k}: TA slot {op[k, 1]} out of range")
            if code in (1, 2) and not 0 <= op[k, 1] <= o - 3:
                raise ValueError(f"op {k}: band slot {op[k, 1]} out of range")
            if code in (3, 9):
                acc_args = (op[k, 1], op[k, 2])
            elif code == 10:
                acc_args = tuple(op[k, 1] + j for j in range(4))
            elif code in (4, 5, 6, 7, 8):
                acc_args = (op[k, 1],)
            elif code == 11:
                acc_args = ()
                if op[k, 1] < 1:
                    raise ValueError(f"op {k}: return horizon must be >= 1")
                cap = max(cap, int(op[k, 1]) + 1)
            elif code in (0, 1, 2):
                acc_args = ()
            else:
                raise ValueError(f"op {k}: unknown code {code}")
            if any(not 0 <= a < self.n_acc for a in acc_args):
                raise ValueError(f"op {k}: accumulator out of range in {op[k].tolist()}")
        self._ops = op
        self.width = len(op)
        self._cap = cap
        self._ring = <double*>calloc(self._cap * self.n_cols, sizeof(double))
        if not (self._ind and self._in_off and self._in_map and self._out_off and self._ta and self._acc
                and self._ring):
            raise MemoryError()
        self.reset()

    def __dealloc__(self):
        free(self._ind)
        free(self._in_off)
        free(self._in_map)
        free(self._out_off)
        free(self._ta)
        free(self._acc)
        free(self._ring)

    def reset(self):
        cdef Py_ssize_t k
        for ind in self._held:
            ind.reset()
        for k in range(self.n_acc):
            self._acc[k].shift = 0.0
            self._acc[k].s1 = 0.0
            self._acc[k].s2 = 0.0
            self._acc[k].n = 0
            self._acc[k].since = 0
        self.bars = 0
        self.inf_outputs = 0
        self._prev_close = NAN

    cdef inline double _at(self, Py_ssize_t col, long long t) noexcept nogil:
        """Derived column ``col`` of bar number ``t`` (must be within the ring)."""
        return self._ring[col * self._cap + t % self._cap]

    cdef void _recompute(self, Acc* a, long long t) noexcept nogil:
        # exact sums of the window ending at bar t (inclusive), re-centred on its finite mean
        cdef long long u, lo = t - a.w + 1
        cdef double v, m = 0.0, d
        cdef Py_ssize_t n = 0
        if lo < 0:
            lo = 0
        if a.centred:
            for u in range(lo, t + 1):
                v = self._at(a.col, u)
                if isfinite(v):
                    m += v
                    n += 1
            a.shift = m / n if n > 0 else 0.0
        a.s1 = 0.0
        a.s2 = 0.0
        a.n = 0
        for u in range(lo, t + 1):
            v = self._at(a.col, u)
            if isfinite(v):
                d = v - a.shift
                a.s1 += d
                a.s2 += d * d
                a.n += 1
        a.since = 0

    cdef void _push(self, const double* der, long long t) noexcept nogil:
        """Bar number ``t``: the leaving values leave every window, then the rings take the new values."""
        cdef Py_ssize_t k
        cdef Acc* a
        cdef double v, d
        for k in range(self.n_acc):
            a = &self._acc[k]
            if t >= a.w:
                v = self._at(a.col, t - a.w)
                if isfinite(v):
                    d = v - a.shift
                    a.s1 -= d
                    a.s2 -= d * d
                    a.n -= 1
        for k in range(self.n_cols):
            self._ring[k * self._cap + t % self._cap] = der[k]
        for k in range(self.n_acc):
            a = &self._acc[k]
            v = der[a.col]
            if a.n == 0 and a.centred:
                a.shift = v if isfinite(v) else 0.0
                a.s1 = 0.0
                a.s2 = 0.0
            if isfinite(v):
                d = v - a.shift
                a.s1 += d
                a.s2 += d * d
                a.n += 1
            a.since += 1
            if a.since >= a.w:
                self._recompute(a, t)

    cdef void _derive(self, const double* b, double* der) noexcept nogil:
        cdef double o = b[F_OPEN], h = b[F_HIGH], lo = b[F_LOW], c = b[F_CLOSE]
        cdef double vol = b[F_VOLUME], dollar = b[F_DOLLAR], lr, hl, co, signed
        cdef Py_ssize_t j
        lr = log(c / self._prev_close) if isfinite(self._prev_close) else NAN
        self._prev_close = c
        hl = log(h / lo)
        co = log(c / o)
        signed = 2.0 * b[F_BUY] - vol
        der[0] = c
        der[1] = lr
        der[2] = vol
        der[3] = dollar
        der[4] = signed
        der[5] = fabs(signed)
        der[6] = b[F_TRADES]
        der[7] = b[F_EVENTS] - b[F_TRADES]
        der[8] = b[F_DURATION]
        der[9] = hl * hl / (4.0 * LN2)
        der[10] = 0.5 * hl * hl - (2.0 * LN2 - 1.0) * co * co
        der[11] = log(h / c) * log(h / o) + log(lo / c) * log(lo / o)
        der[12] = fabs(lr) / dollar * 1e6 if dollar > 0 else NAN
        der[13] = signed if isfinite(lr) else NAN
        der[14] = der[13] * lr
        der[15] = der[13] * der[13]
        for j in range(self.n_sums):
            der[NDER + j] = b[NF + j]

    cdef inline double _sum(self, Py_ssize_t k) noexcept nogil:
        cdef Acc* a = &self._acc[k]
        return a.s1 + a.n * a.shift

    cdef inline bint _full(self, Py_ssize_t k, long long t) noexcept nogil:
        return t + 1 >= self._acc[k].w

    cdef void _bar(self, const double* b, double* out, long long t) noexcept nogil:
        cdef double x[MAX_IO]
        cdef double der[NDER + MAX_IO]
        cdef Py_ssize_t m, j, k0, k, a, n_ops = self._ops.shape[0]
        cdef long long code, h
        cdef double v, up, mid, lo, n, sx, sy, var, mean, sd, c = b[F_CLOSE], lag
        cdef Acc* acc
        for m in range(self.n_ind):
            k0 = self._in_off[m]
            for j in range(self._in_off[m + 1] - k0):
                x[j] = b[self._in_map[k0 + j]]
            (<Indicator>self._ind[m]).step_checked(x, self._ta + self._out_off[m])
        self._derive(b, der)
        self._push(der, t)
        for k in range(n_ops):
            code = self._ops[k, 0]
            a = <Py_ssize_t>self._ops[k, 1]
            if code == 0:
                v = self._ta[a]
            elif code == 1 or code == 2:
                up = self._ta[a]
                mid = self._ta[a + 1]
                lo = self._ta[a + 2]
                v = (c - lo) / (up - lo) if code == 1 else (up - lo) / mid
            elif code == 11:
                h = self._ops[k, 1]
                if t >= h:
                    lag = self._at(0, t - h)
                    v = log(c / lag) if self._ops[k, 2] else c / lag - 1.0
                else:
                    v = NAN
            elif not self._full(a, t):
                v = NAN
            elif code == 3:
                v = self._sum(a) / self._sum(<Py_ssize_t>self._ops[k, 2])
            elif code == 4:
                v = self._sum(a)
            elif code == 5 or code == 6:
                acc = &self._acc[a]
                v = self._sum(a) / acc.n if acc.n > 0 else NAN
                if code == 6:
                    v = sqrt(v if v > 0.0 else 0.0) if v == v else NAN
            elif code == 7:
                acc = &self._acc[a]
                n = acc.n
                if n > 1:
                    var = acc.s2 - acc.s1 * acc.s1 / n
                    v = sqrt((var if var > 0.0 else 0.0) / (n - 1.0))
                else:
                    v = NAN
            elif code == 8:
                acc = &self._acc[a]
                mean = acc.s1 / acc.w
                var = acc.s2 / acc.w - mean * mean
                sd = sqrt(var if var > 0.0 else 0.0)
                v = (c - acc.shift - mean) / sd if sd > 1e-10 * fabs(c) else NAN  # flat: rounding only
            elif code == 9:
                v = (c / (self._sum(a) / self._sum(<Py_ssize_t>self._ops[k, 2])) - 1.0) * 1e4
            else:  # 10: Kyle's lambda; accumulators kx, kxy, logret, kxx
                acc = &self._acc[a]
                n = acc.n
                sx = self._sum(a)
                sy = self._sum(a + 2)
                var = self._sum(a + 3) - sx * sx / n
                v = (self._sum(a + 1) - sx * sy / n) / var if n >= acc.w and var > 0.0 else NAN
            if not isfinite(v) and v == v:
                self.inf_outputs += 1
                v = NAN
            out[k] = v

    def compute(self, const double[:, ::1] bars):
        """Feature rows ``(len(bars), width)`` for consecutive closed bars; advances the state."""
        cdef Py_ssize_t i, m = bars.shape[0]
        if m and bars.shape[1] < NF + self.n_sums:
            raise ValueError(f"bars have {bars.shape[1]} columns, expected {NF + self.n_sums}")
        out_np = np.empty((m, self.width), dtype=np.float64)
        cdef double[:, ::1] out = out_np
        with nogil:
            for i in range(m):
                self._bar(&bars[i, 0], &out[i, 0], self.bars)
                self.bars += 1
        return out_np
