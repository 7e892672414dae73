# cython: language_level=3
"""Event intensities, time since the last trade, and a streaming normaliser.

``ActivityClock.run(ts, code)``: ``code`` 1 = a trade, 2 = a quote or a complete book message, 0 = any
other event. After each event, the output row holds the exponentially decayed rate (events per second)
of trades for each half-life, the same for quotes, then the seconds since the last trade (NaN before
any). A rate is ``sum(exp(-(t - t_k) / tau)) / tau`` over past hits ``t_k <= t``, ``tau = half_life /
ln 2``: the event at ``t`` itself is included.

``EWNormaliser.run(X)``: per column, an exponentially weighted mean and variance over the rows seen so
far (West's incremental form); a row is scored against the moments *before* it (so a value never
scores itself), then folded in. Modes: 0 = z-score (x - mean) / std, 1 = x / std, 2 = x unchanged;
then clipped to [-clip, clip] (clip <= 0: no clipping). NaN until ``warmup`` finite values were seen in
the column; a NaN input gives NaN and leaves the column's moments as they were.
"""

import numpy as np
cimport numpy as cnp
from libc.math cimport NAN, exp, log, sqrt, isnan, isfinite

cnp.import_array()


cdef class ActivityClock:
    cdef double[::1] tau
    cdef double[::1] trade_rate
    cdef double[::1] quote_rate
    cdef long long last_ts
    cdef long long last_trade
    cdef readonly int width
    cdef int h

    def __init__(self, half_lives_s=(1.0, 10.0)):
        hl = np.asarray(half_lives_s, dtype=np.float64)
        if (hl <= 0).any():
            raise ValueError("half-lives must be > 0")
        self.h = len(hl)
        self.tau = hl / np.log(2.0)
        self.trade_rate = np.zeros(self.h)
        self.quote_rate = np.zeros(self.h)
        self.width = 2 * self.h + 1
        self.reset()

    def reset(self):
        self.trade_rate[:] = 0.0
        self.quote_rate[:] = 0.0
        self.last_ts = -1
        self.last_trade = -1

    def run(self, const long long[::1] ts, const signed char[::1] code):
        cdef Py_ssize_t i, n = ts.shape[0]
        cdef int k, h = self.h
        cdef double dt, d
        out_np = np.empty((n, self.width), dtype=np.float64)
        cdef double[:, ::1] out = out_np
        for i in range(n):
            if self.last_ts >= 0 and ts[i] > self.last_ts:
                dt = (ts[i] - self.last_ts) * 1e-9
                for k in range(h):
                    d = exp(-dt / self.tau[k])
                    self.trade_rate[k] *= d
                    self.quote_rate[k] *= d
            if ts[i] > self.last_ts:
                self.last_ts = ts[i]
            if code[i] == 1:
                for k in range(h):
                    self.trade_rate[k] += 1.0 / self.tau[k]
                self.last_trade = ts[i]
            elif code[i] == 2:
                for k in range(h):
                    self.quote_rate[k] += 1.0 / self.tau[k]
            for k in range(h):
                out[i, k] = self.trade_rate[k]
                out[i, h + k] = self.quote_rate[k]
            out[i, 2 * h] = (ts[i] - self.last_trade) * 1e-9 if self.last_trade >= 0 else NAN
        return out_np


cdef class EWNormaliser:
    cdef double alpha
    cdef double clip
    cdef int mode
    cdef long long warmup
    cdef double[::1] mean
    cdef double[::1] var
    cdef long long[::1] count
    cdef readonly int width

    def __init__(self, int width, double half_life, int mode=0, double clip=0.0, long long warmup=2):
        if half_life <= 0:
            raise ValueError("half_life must be > 0")
        self.width = width
        self.alpha = 1.0 - exp(-log(2.0) / half_life)
        self.mode = mode
        self.clip = clip
        self.warmup = warmup if warmup > 2 else 2
        self.mean = np.zeros(width)
        self.var = np.zeros(width)
        self.count = np.zeros(width, dtype=np.int64)

    def reset(self):
        self.mean[:] = 0.0
        self.var[:] = 0.0
        self.count[:] = 0

    def run(self, const double[:, :] X):
        cdef Py_ssize_t i, j, n = X.shape[0]
        cdef double x, z, diff, incr, sd
        out_np = np.empty((n, self.width), dtype=np.float64)
        cdef double[:, ::1] out = out_np
        for i in range(n):
            for j in range(self.width):
                x = X[i, j]
                if not isfinite(x):
                    out[i, j] = NAN
                    continue
                if self.count[j] >= self.warmup:
                    sd = sqrt(self.var[j])
                    if self.mode == 0:
                        z = (x - self.mean[j]) / sd if sd > 0 else NAN
                    elif self.mode == 1:
                        z = x / sd if sd > 0 else NAN
                    else:
                        z = x
                    if self.clip > 0 and z == z:
                        if z > self.clip:
                            z = self.clip
                        elif z < -self.clip:
                            z = -self.clip
                    out[i, j] = z
                else:
                    out[i, j] = NAN
                if self.count[j] == 0:
                    self.mean[j] = x
                    self.var[j] = 0.0
                else:
                    diff = x - self.mean[j]
                    incr = self.alpha * diff
                    self.mean[j] += incr
                    self.var[j] = (1.0 - self.alpha) * (self.var[j] + diff * incr)
                self.count[j] += 1
        return out_np
