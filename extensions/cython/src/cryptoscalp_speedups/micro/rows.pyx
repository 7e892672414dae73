# cython: language_level=3
"""Per-batch glue of a feature engine, compiled: it runs on every event, so it must not cost a dozen
numpy calls per row.

* :func:`check_rows`: the row rules of ``cryptoscalp_core.domain.events.valid_rows`` in one pass;
* :func:`time_features`: time-of-day, day-of-week and funding-phase encodings of timestamps;
* :func:`assemble`: output rows at trigger positions from blocks of column updates (latest update at or
  before each trigger, else the carried value), then the carried values advance.
"""

cimport numpy as cnp
from libc.math cimport M_PI, cos, isfinite, sin
from libc.stdint cimport INT64_MIN, int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

import numpy as np

cnp.import_array()

#: Rule names in the order they are checked (``cryptoscalp_core.domain.events.RULES``).
RULES = ("non_finite_price", "non_positive_price", "non_finite_qty", "negative_qty", "non_positive_qty",
         "bad_side", "ts_recv_backwards")

cdef int64_t DAY = 86_400_000_000_000
cdef int64_t WEEK = 7 * DAY
cdef int64_t FUNDING = 8 * 3_600_000_000_000


cdef void _check_values(const double[:] col, signed char[::1] rule, int nonfinite_rule, int sign_rule,
                        bint zero_bad, int zero_rule) noexcept nogil:
    # prices: sign_rule for v <= 0 (zero_bad with zero_rule == sign_rule); quantities: v < 0, then v == 0
    cdef Py_ssize_t i
    cdef double v
    for i in range(col.shape[0]):
        if rule[i] >= 0:
            continue
        v = col[i]
        if not isfinite(v):
            rule[i] = nonfinite_rule
        elif v < 0:
            rule[i] = sign_rule
        elif v == 0 and zero_bad:
            rule[i] = zero_rule


def check_rows(tuple prices, object price_ticks, tuple qtys, bint zero_qty_bad, object side,
               const int64_t[:] ts_recv, object prev_ts_recv):
    """``(mask or None, counts)``: ``counts[r]`` rows broke rule ``RULES[r]`` first; ``mask`` is None when
    every row is good. ``prices``/``qtys``: float64 columns checked in turn (finite and > 0 / finite
    and >= 0); ``price_ticks``: int64 column (> 0) or None; ``zero_qty_bad``: a zero quantity is bad
    (trades); ``side``: int8 column (must be 1 or -1) or None; ``prev_ts_recv``: the last good
    ``ts_recv`` before the batch, or None."""
    cdef Py_ssize_t i, n = ts_recv.shape[0], bad = 0
    cdef const int64_t[:] ticks
    cdef const signed char[:] sides
    cdef int64_t running = INT64_MIN if prev_ts_recv is None else <int64_t>prev_ts_recv
    rule_np = np.full(n, -1, dtype=np.int8)
    cdef signed char[::1] rule = rule_np
    for col in prices:
        _check_values(col, rule, 0, 1, True, 1)
    if price_ticks is not None:
        ticks = price_ticks
        for i in range(n):
            if rule[i] < 0 and ticks[i] <= 0:
                rule[i] = 1
    for col in qtys:
        _check_values(col, rule, 2, 3, zero_qty_bad, 4)
    if side is not None:
        sides = side
        for i in range(n):
            if rule[i] < 0 and sides[i] != 1 and sides[i] != -1:
                rule[i] = 5
    counts_np = np.zeros(7, dtype=np.int64)
    cdef int64_t[::1] counts = counts_np
    for i in range(n):
        if rule[i] < 0:
            if ts_recv[i] < running:
                rule[i] = 6
            else:
                running = ts_recv[i]
        if rule[i] >= 0:
            counts[rule[i]] += 1
            bad += 1
    return (rule_np < 0 if bad else None), counts_np


def time_features(const int64_t[:] ts):
    """Columns: tod_sin, tod_cos, dow_sin, dow_cos, funding_phase (UTC; Monday = 0; the fraction of the
    8 h funding period elapsed, 0 right after a funding time)."""
    cdef Py_ssize_t i, n = ts.shape[0]
    out_np = np.empty((n, 5), dtype=np.float64)
    cdef double[:, ::1] out = out_np
    cdef double day, week
    cdef int64_t t
    for i in range(n):
        t = ts[i]
        day = <double>(t % DAY if t % DAY >= 0 else t % DAY + DAY) / <double>DAY * 2.0 * M_PI
        week = <double>(((t + 3 * DAY) % WEEK + WEEK) % WEEK) / <double>WEEK * 2.0 * M_PI
        out[i, 0] = sin(day)
        out[i, 1] = cos(day)
        out[i, 2] = sin(week)
        out[i, 3] = cos(week)
        out[i, 4] = <double>((t % FUNDING + FUNDING) % FUNDING) / <double>FUNDING
    return out_np


def assemble(double[::1] last, list blocks, const cnp.intp_t[::1] trigger):
    """Rows ``(len(trigger), len(last))``. ``blocks``: ``(cols, idx, vals)`` with target columns (intp;
    no two blocks share a column),
    increasing update positions (int64) and one row of values per update (C-contiguous float64,
    ``len(cols)`` columns). Row ``r`` holds, per block, the latest update at or before ``trigger[r]``
    (``trigger`` increasing), else the carried value; afterwards ``last`` holds every block's last
    update. One pass over the output, row by row: each row starts as a copy of the previous one and only
the blocks with a newer update write into it."""
    cdef Py_ssize_t r, j, b, width = last.shape[0], n = trigger.shape[0], nb = len(blocks), m, ncol, kk
    cdef Py_ssize_t used = 0
    out_np = np.empty((n, width), dtype=np.float64)
    cdef double[:, ::1] out = out_np
    cdef const cnp.intp_t[::1] cols
    cdef const int64_t[::1] idx
    cdef const double[:, ::1] vals
    cdef const cnp.intp_t** bcols = <const cnp.intp_t**>malloc(max(nb, 1) * sizeof(void*))
    cdef const int64_t** bidx = <const int64_t**>malloc(max(nb, 1) * sizeof(void*))
    cdef const double** bvals = <const double**>malloc(max(nb, 1) * sizeof(void*))
    cdef Py_ssize_t* bm = <Py_ssize_t*>malloc(max(nb, 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* bn = <Py_ssize_t*>malloc(max(nb, 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* bk = <Py_ssize_t*>malloc(max(nb, 1) * sizeof(Py_ssize_t))
    cdef double* row
    cdef const double* src
    cdef const cnp.intp_t* cp
    held = []
    try:
        if not (bcols and bidx and bvals and bm and bn and bk):
            raise MemoryError()
        for b in range(nb):
            cols, idx, vals = blocks[b]
            m = idx.shape[0]
            ncol = cols.shape[0]
            if m == 0 or ncol == 0:
                continue
            if vals.shape[0] != m or vals.shape[1] != ncol:
                raise ValueError(f"block {b}: values {vals.shape[0]}x{vals.shape[1]}, expected {m}x{ncol}")
            for j in range(ncol):
                if not 0 <= cols[j] < width:
                    raise ValueError(f"block {b}: column {cols[j]} out of range")
            held.append(blocks[b])
            bcols[used] = &cols[0]
            bidx[used] = &idx[0]
            bvals[used] = &vals[0, 0]
            bm[used] = m
            bn[used] = ncol
            bk[used] = -1
            used += 1
        with nogil:
            for r in range(n):
                row = &out[r, 0]
                # start from the previous row: only blocks with a newer update need writing
                memcpy(row, &last[0] if r == 0 else &out[r - 1, 0], width * sizeof(double))
                for b in range(used):
                    kk = bk[b]
                    while kk + 1 < bm[b] and bidx[b][kk + 1] <= trigger[r]:
                        kk += 1
                    if kk == bk[b] and r > 0:
                        continue
                    bk[b] = kk
                    if kk >= 0:
                        src = bvals[b] + kk * bn[b]
                        cp = bcols[b]
                        for j in range(bn[b]):
                            row[cp[j]] = src[j]
            for b in range(used):
                src = bvals[b] + (bm[b] - 1) * bn[b]
                cp = bcols[b]
                for j in range(bn[b]):
                    last[cp[j]] = src[j]
    finally:
        free(bcols)
        free(bidx)
        free(bvals)
        free(bm)
        free(bn)
        free(bk)
    return out_np
