# cython: language_level=3
# distutils: language = c++
"""A small L2 depth book fed with book-delta rows, and the features of its top levels after each
complete venue message (rows up to one flagged LAST).

Features per message, in order (``imbalance_levels`` = I entries, ``ofi_levels`` = O entries):

* ``spread_bps``: (best ask - best bid) / mid * 1e4;
* ``microprice_dev_bps``: (microprice - mid) / mid * 1e4, microprice = (bid * ask_qty + ask * bid_qty) /
  (bid_qty + ask_qty) at the first level;
* ``imbalance_n`` for n in ``imbalance_levels``: (B - A) / (B + A) with B, A the quantities summed over the
  best n levels of each side;
* ``ofi_n`` for n in ``ofi_levels``: multi-level order-flow imbalance (Cont, Kukanov & Stoikov's event
  OFI at each of the best n levels, summed over the levels) between this message's book and the previous
  message's; NaN after a snapshot (a resync is no order flow).

All are NaN while a side is empty or the book is crossed (counted in ``one_sided`` / ``crossed``).
Prices stay in ticks: every feature above is a ratio or a quantity, so the tick size does not matter.

The levels live in the project's L2 book (``cryptoscalp_speedups.book.L2Book``: a dense window around
the best level with an occupancy bitmap, an ordered map beyond), driven through its C API; its snapshot
rule applies (a run of SNAPSHOT rows replaces each side it names). Malformed rows (side not +-1, price
<= 0, quantity negative or not finite) are skipped and counted in ``rejected``.
"""

import numpy as np
cimport numpy as cnp
from libc.math cimport NAN, isfinite, isnan
from libc.stdint cimport int64_t

from cryptoscalp_speedups.book cimport L2Book

cnp.import_array()

cdef int SNAPSHOT = 1
cdef int LAST = 2


cdef class DepthBook:
    cdef L2Book book
    cdef readonly int depth
    cdef readonly long long crossed
    cdef readonly long long one_sided
    cdef readonly long long messages
    cdef readonly long long rejected
    cdef bint in_snapshot
    cdef bint resynced
    cdef bint has_prev
    cdef double[::1] top
    cdef double[::1] prev
    cdef long long[::1] imb_levels
    cdef long long[::1] ofi_levels
    cdef int64_t[::1] keys
    cdef double[::1] qtys
    cdef readonly int width

    def __init__(self, imbalance_levels=(1, 5), ofi_levels=(1, 5)):
        il = np.asarray(imbalance_levels, dtype=np.int64)
        ol = np.asarray(ofi_levels, dtype=np.int64)
        if (il < 1).any() or (ol < 1).any():
            raise ValueError("levels must be >= 1")
        self.imb_levels = il.copy()
        self.ofi_levels = ol.copy()
        self.depth = int(max(il.max(initial=1), ol.max(initial=1)))
        self.width = 2 + len(il) + len(ol)
        self.top = np.empty(4 * self.depth, dtype=np.float64)
        self.prev = np.empty(4 * self.depth, dtype=np.float64)
        self.keys = np.empty(self.depth, dtype=np.int64)
        self.qtys = np.empty(self.depth, dtype=np.float64)
        self.book = L2Book()
        self.reset()

    def reset(self):
        self.book.clear()
        self.crossed = 0
        self.one_sided = 0
        self.messages = 0
        self.rejected = 0
        self.in_snapshot = False
        self.resynced = False
        self.has_prev = False

    def best_bid(self):
        """Best bid ``(price_ticks, qty)`` or None."""
        lv = self.levels(1, 1)
        return lv[0] if lv else None

    def best_ask(self):
        lv = self.levels(-1, 1)
        return lv[0] if lv else None

    def levels(self, int side, int n):
        """The best ``n`` levels of a side (1 bid, -1 ask) as ``[(price_ticks, qty), ...]``."""
        prices, qtys = self.book.depth(1 if side > 0 else -1, n)
        return [(int(p), float(q)) for p, q in zip(prices, qtys)]

    cdef void _side(self, bint bids, Py_ssize_t at_px, Py_ssize_t at_q):
        # the best ``depth`` levels of one side into top[at_px:], top[at_q:]; NaN / 0 past the last
        cdef int L = self.depth, k
        cdef Py_ssize_t got
        if bids:
            got = self.book._bids.walk(L, &self.keys[0], &self.qtys[0])
        else:
            got = self.book._asks.walk(L, &self.keys[0], &self.qtys[0])
        for k in range(L):
            if k < got:
                self.top[at_px + k] = -self.keys[k] if bids else self.keys[k]  # bid keys are -price
                self.top[at_q + k] = self.qtys[k]
            else:
                self.top[at_px + k] = NAN
                self.top[at_q + k] = 0.0

    cdef void _snap_top(self):
        # top = [bid_px(L), bid_qty(L), ask_px(L), ask_qty(L)], NaN past the last level
        cdef int L = self.depth
        self._side(True, 0, L)
        self._side(False, 2 * L, 3 * L)

    cdef void _features(self, double[:, ::1] out, Py_ssize_t r):
        cdef int L = self.depth, k, j, n, i
        cdef double b, a, bq, aq, mid, micro, sb, sa, e, cum, pb, pbq, pa, paq
        cdef int w = self.width
        self._snap_top()
        b = self.top[0]
        a = self.top[2 * L]
        if isnan(b) or isnan(a):
            self.one_sided += 1
            for j in range(w):
                out[r, j] = NAN
            self.has_prev = False
            return
        if b >= a:
            self.crossed += 1
            for j in range(w):
                out[r, j] = NAN
            self.has_prev = False
            return
        bq = self.top[L]
        aq = self.top[3 * L]
        mid = 0.5 * (a + b)
        out[r, 0] = (a - b) / mid * 1e4
        micro = (b * aq + a * bq) / (bq + aq) if bq + aq > 0 else NAN
        out[r, 1] = (micro - mid) / mid * 1e4
        j = 2
        for k in range(self.imb_levels.shape[0]):
            n = <int>self.imb_levels[k]
            sb = 0.0
            sa = 0.0
            for i in range(n):
                sb += self.top[L + i]
                sa += self.top[3 * L + i]
            out[r, j] = (sb - sa) / (sb + sa) if sb + sa > 0 else NAN
            j += 1
        if not self.has_prev or self.resynced:
            for k in range(self.ofi_levels.shape[0]):
                out[r, j + k] = NAN
        else:
            for k in range(self.ofi_levels.shape[0]):
                n = <int>self.ofi_levels[k]
                cum = 0.0
                for i in range(n):
                    b = self.top[i]
                    bq = self.top[L + i]
                    a = self.top[2 * L + i]
                    aq = self.top[3 * L + i]
                    pb = self.prev[i]
                    pbq = self.prev[L + i]
                    pa = self.prev[2 * L + i]
                    paq = self.prev[3 * L + i]
                    e = 0.0
                    if not isnan(b) and not isnan(pb):
                        if b >= pb:
                            e += bq
                        if b <= pb:
                            e -= pbq
                    if not isnan(a) and not isnan(pa):
                        if a <= pa:
                            e -= aq
                        if a >= pa:
                            e += paq
                    cum += e
                out[r, j + k] = cum
        for k in range(4 * L):
            self.prev[k] = self.top[k]
        self.has_prev = True
        self.resynced = False

    def apply(self, const signed char[::1] side, const unsigned char[::1] flags, const long long[::1] price,
              const double[::1] qty):
        """Apply rows; returns ``(message_end_index, features)`` with one feature row per LAST row."""
        cdef Py_ssize_t i, n = side.shape[0], m = 0
        if flags.shape[0] != n or price.shape[0] != n or qty.shape[0] != n:
            raise ValueError("side, flags, price and qty must have the same length")
        for i in range(n):
            if flags[i] & LAST:
                m += 1
        out_np = np.empty((m, self.width), dtype=np.float64)
        idx_np = np.empty(m, dtype=np.int64)
        cdef double[:, ::1] out = out_np
        cdef long long[::1] idx = idx_np
        m = 0
        for i in range(n):
            if flags[i] & SNAPSHOT:
                if not self.in_snapshot:
                    self.in_snapshot = True
                    self.resynced = True
            else:
                self.in_snapshot = False
            if (side[i] == 1 or side[i] == -1) and price[i] > 0 and isfinite(qty[i]) and qty[i] >= 0:
                self.book.apply_flagged_c(side[i], price[i], qty[i], flags[i])
            else:
                self.rejected += 1
            if flags[i] & LAST:
                self.in_snapshot = False
                self.messages += 1
                self._features(out, m)
                idx[m] = i
                m += 1
        return idx_np, out_np


cdef class QuoteTop:
    """Features of best bid/offer quotes: spread_bps, microprice_dev_bps, imbalance (L1) and the L1
    order-flow imbalance against the previous quote (NaN for the first)."""
    cdef double pb, pbq, pa, paq
    cdef bint has_prev
    cdef readonly int width

    def __init__(self):
        self.width = 4
        self.reset()

    def reset(self):
        self.has_prev = False

    def run(self, const double[::1] bid, const double[::1] bq, const double[::1] ask, const double[::1] aq):
        cdef Py_ssize_t i, n = bid.shape[0]
        out_np = np.empty((n, 4), dtype=np.float64)
        cdef double[:, ::1] out = out_np
        cdef double mid, e, d
        for i in range(n):
            mid = 0.5 * (bid[i] + ask[i])
            d = bq[i] + aq[i]
            out[i, 0] = (ask[i] - bid[i]) / mid * 1e4
            out[i, 1] = ((bid[i] * aq[i] + ask[i] * bq[i]) / d - mid) / mid * 1e4 if d > 0 else NAN
            out[i, 2] = (bq[i] - aq[i]) / d if d > 0 else NAN
            if self.has_prev:
                e = 0.0
                if bid[i] >= self.pb:
                    e += bq[i]
                if bid[i] <= self.pb:
                    e -= self.pbq
                if ask[i] <= self.pa:
                    e -= aq[i]
                if ask[i] >= self.pa:
                    e += self.paq
                out[i, 3] = e
            else:
                out[i, 3] = NAN
            self.pb = bid[i]
            self.pbq = bq[i]
            self.pa = ask[i]
            self.paq = aq[i]
            self.has_prev = True
        return out_np
