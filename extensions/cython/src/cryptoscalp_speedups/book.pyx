# cython: language_level=3
# distutils: language = c++
"""L2 order book on integer price ticks and float64 quantities (the units of ``BOOK_DELTA_DTYPE``).

Each side is a :class:`Ladder`: a dense window of ``window`` ticks (quantity array + occupancy bitmap)
that follows the best level, and a ``std::map`` for levels worse than the window. Updates near the top
are an array store and a bit flip; the next best after a deletion and the top-N walk skip empty ticks
64 at a time with the bitmap, so a sparse book (a coin with a fine tick) costs little more than a dense
one. See ``book.pyi`` for the contract of every method.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cython.operator cimport dereference as deref
from cython.operator cimport preincrement as inc
from libc.math cimport NAN, isfinite
from libc.stdint cimport INT64_MAX, INT64_MIN, int64_t, uint64_t
from libc.stdio cimport snprintf
from libc.string cimport memset
from libcpp.map cimport map as cmap

import zlib
from decimal import Decimal

import numpy as np

cdef extern from *:
    int ctz64 "__builtin_ctzll"(unsigned long long) nogil
    int popcount64 "__builtin_popcountll"(unsigned long long) nogil

NO_BID = INT64_MIN
NO_ASK = INT64_MAX
DEFAULT_WINDOW = 16384
BUY = 1
SELL = -1
SNAPSHOT = 1
LAST = 2

BOOK_DELTA_DTYPE = np.dtype([
    ("ts_event", "<i8"), ("ts_recv", "<i8"), ("instrument", "<u2"), ("side", "i1"), ("flags", "u1"),
    ("first_seq", "<i8"), ("last_seq", "<i8"), ("prev_seq", "<i8"), ("price_ticks", "<i8"), ("qty", "<f8"),
])
TOP_DTYPE = np.dtype([("best_bid", "<i8"), ("best_ask", "<i8"), ("bid_qty", "<f8"), ("ask_qty", "<f8"),
                      ("imbalance", "<f8")])

cdef int _SNAPSHOT = 1
cdef int _LAST = 2
ctypedef cmap[int64_t, double].iterator FarIter


@cython.final
cdef class Ladder:

    def __cinit__(self, int64_t window):
        cdef int64_t cap = max(64, (window + 63) // 64 * 64)
        self.cap = cap
        self.nwords = cap // 64
        self.qty = <double*>PyMem_Malloc(cap * sizeof(double))
        self.bits = <uint64_t*>PyMem_Malloc(self.nwords * sizeof(uint64_t))
        if self.qty == NULL or self.bits == NULL:
            raise MemoryError("L2Book window")
        memset(self.qty, 0, cap * sizeof(double))
        memset(self.bits, 0, self.nwords * sizeof(uint64_t))
        self.base = 0
        self.best = -1
        self.count = 0

    def __dealloc__(self):
        PyMem_Free(self.qty)
        PyMem_Free(self.bits)

    cdef double get(self, int64_t key) noexcept nogil:
        cdef int64_t idx = key - self.base
        cdef FarIter it
        if <uint64_t>idx < <uint64_t>self.cap:
            return self.qty[idx]
        if idx < 0 or self.far.empty():
            return 0.0
        it = self.far.find(key)
        return 0.0 if it == self.far.end() else deref(it).second

    cdef double put(self, int64_t key, double q) noexcept nogil:
        """Set the level at ``key`` to ``q`` (0 deletes it); return its previous quantity."""
        cdef int64_t idx = key - self.base
        cdef double prev
        cdef FarIter it
        if <uint64_t>idx < <uint64_t>self.cap and self.best >= 0:
            prev = self.qty[idx]
            if q > 0.0:
                self.qty[idx] = q
                if prev == 0.0:
                    self.bits[idx >> 6] |= (<uint64_t>1) << (idx & 63)
                    self.count += 1
                    if idx < self.best:
                        self.best = idx
            elif prev != 0.0:
                self.qty[idx] = 0.0
                self.bits[idx >> 6] &= ~((<uint64_t>1) << (idx & 63))
                self.count -= 1
                if idx == self.best:
                    self.best = self.next_set(idx + 1)
                    if self.best < 0:
                        if not self.far.empty():
                            self.recenter(deref(self.far.begin()).first)
                    elif self.best > self.cap // 2:
                        # the side moved away: keep its depth in the window rather than in the map
                        self.recenter(self.base + self.best)
            return prev
        if self.best < 0 or idx < 0:  # empty side, or a new best better than the whole window
            if q > 0.0:
                self.recenter(key)
                idx = key - self.base
                self.qty[idx] = q
                self.bits[idx >> 6] |= (<uint64_t>1) << (idx & 63)
                self.count += 1
                self.best = idx
            return 0.0
        it = self.far.find(key)
        if it == self.far.end():
            if q > 0.0:
                self.far[key] = q
                self.count += 1
            return 0.0
        prev = deref(it).second
        if q > 0.0:
            self.far[key] = q
        else:
            self.far.erase(it)
            self.count -= 1
        return prev

    cdef void reset(self) noexcept nogil:
        cdef int64_t w
        cdef uint64_t word
        if self.best >= 0:
            for w in range(self.nwords):
                word = self.bits[w]
                while word:
                    self.qty[(w << 6) + ctz64(word)] = 0.0
                    word &= word - 1
                self.bits[w] = 0
        self.far.clear()
        self.best = -1
        self.count = 0

    cdef int64_t next_set(self, int64_t idx) noexcept nogil:
        """Index of the first level at or after ``idx`` in the window, -1 when there is none."""
        cdef int64_t w = idx >> 6
        cdef uint64_t word
        if idx >= self.cap:
            return -1
        word = self.bits[w] & ((~(<uint64_t>0)) << (idx & 63))
        while True:
            if word:
                return (w << 6) + ctz64(word)
            w += 1
            if w >= self.nwords:
                return -1
            word = self.bits[w]

    cdef void recenter(self, int64_t key) noexcept nogil:
        """Move the window so that ``key`` sits a quarter in (room to improve, three quarters of depth).
        Every caller passes a key no worse than the ladder's best, so no level ends up before the window."""
        cdef int64_t new_base = key - self.cap // 4
        cdef int64_t w, idx
        cdef uint64_t word
        cdef FarIter it
        if self.best >= 0:
            for w in range(self.nwords):
                word = self.bits[w]
                while word:
                    idx = (w << 6) + ctz64(word)
                    self.far[self.base + idx] = self.qty[idx]
                    self.qty[idx] = 0.0
                    word &= word - 1
                self.bits[w] = 0
        self.base = new_base
        it = self.far.lower_bound(new_base)
        while it != self.far.end() and deref(it).first < new_base + self.cap:
            idx = deref(it).first - new_base
            self.qty[idx] = deref(it).second
            self.bits[idx >> 6] |= (<uint64_t>1) << (idx & 63)
            it = self.far.erase(it)
        self.best = self.next_set(0)

    cdef double sum_top(self, int n) noexcept nogil:
        """Total quantity of the best ``n`` levels, summed best first."""
        cdef double s = 0.0
        cdef int c = 0
        cdef int64_t w
        cdef uint64_t word
        cdef FarIter it
        if self.best < 0 or n <= 0:
            return 0.0
        w = self.best >> 6
        word = self.bits[w] & ((~(<uint64_t>0)) << (self.best & 63))
        while True:
            while word:
                s += self.qty[(w << 6) + ctz64(word)]
                c += 1
                if c == n:
                    return s
                word &= word - 1
            w += 1
            if w >= self.nwords:
                break
            word = self.bits[w]
        it = self.far.begin()
        while c < n and it != self.far.end():
            s += deref(it).second
            c += 1
            inc(it)
        return s

    cdef Py_ssize_t walk(self, Py_ssize_t n, int64_t* keys, double* qtys) noexcept nogil:
        """Write the best ``n`` levels (keys, quantities) best first; return how many were written."""
        cdef Py_ssize_t c = 0
        cdef int64_t w, idx
        cdef uint64_t word
        cdef FarIter it
        if self.best < 0 or n <= 0:
            return 0
        w = self.best >> 6
        word = self.bits[w] & ((~(<uint64_t>0)) << (self.best & 63))
        while True:
            while word:
                idx = (w << 6) + ctz64(word)
                keys[c] = self.base + idx
                qtys[c] = self.qty[idx]
                c += 1
                if c == n:
                    return c
                word &= word - 1
            w += 1
            if w >= self.nwords:
                break
            word = self.bits[w]
        it = self.far.begin()
        while c < n and it != self.far.end():
            keys[c] = deref(it).first
            qtys[c] = deref(it).second
            c += 1
            inc(it)
        return c

    cdef Py_ssize_t count_through(self, int64_t key) noexcept nogil:
        """How many levels have a key ``<= key`` (are at least as good as it)."""
        cdef Py_ssize_t c = 0
        cdef int64_t last, w, lw
        cdef uint64_t word
        cdef FarIter it
        if self.best < 0 or key < self.base + self.best:
            return 0
        last = min(key - self.base, self.cap - 1)
        w = self.best >> 6
        lw = last >> 6
        word = self.bits[w] & ((~(<uint64_t>0)) << (self.best & 63))
        while w < lw:
            c += popcount64(word)
            w += 1
            word = self.bits[w]
        if (last & 63) != 63:
            word &= ((<uint64_t>1) << ((last & 63) + 1)) - 1
        c += popcount64(word)
        if key >= self.base + self.cap:
            it = self.far.begin()
            while it != self.far.end() and deref(it).first <= key:
                c += 1
                inc(it)
        return c

    cdef double fill(self, double qty, double* notional, double* remaining) noexcept nogil:
        """Walk the levels best first taking ``min(level, what is left)`` of each until ``qty`` is
        taken; ``notional`` gets sum(key * take), ``remaining`` what could not be taken. Return the
        quantity taken."""
        cdef double rem = qty, filled = 0.0, s = 0.0, take, q
        cdef int64_t w, idx
        cdef uint64_t word
        cdef FarIter it
        if self.best >= 0:
            w = self.best >> 6
            word = self.bits[w] & ((~(<uint64_t>0)) << (self.best & 63))
            while rem > 0.0:
                while word and rem > 0.0:
                    idx = (w << 6) + ctz64(word)
                    q = self.qty[idx]
                    take = q if q < rem else rem
                    s += <double>(self.base + idx) * take
                    filled += take
                    rem -= take
                    word &= word - 1
                if rem <= 0.0:
                    break
                w += 1
                if w >= self.nwords:
                    break
                word = self.bits[w]
            it = self.far.begin()
            while rem > 0.0 and it != self.far.end():
                q = deref(it).second
                take = q if q < rem else rem
                s += <double>deref(it).first * take
                filled += take
                rem -= take
                inc(it)
        notional[0] = s
        remaining[0] = rem
        return filled


cdef inline bint _valid(int side, int64_t price, double qty) noexcept nogil:
    return (side == 1 or side == -1) and price > 0 and isfinite(qty) and qty >= 0.0


cdef inline int _side_arg(int side) except 0:
    if side != 1 and side != -1:
        raise ValueError(f"side must be 1 (bids) or -1 (asks), got {side}")
    return side


def _tick_parts(tick_size):
    """``(mantissa, decimals)`` with tick = mantissa / 10**decimals, from a decimal string."""
    tick = Decimal(str(tick_size))
    if not tick.is_finite() or tick <= 0:
        raise ValueError(f"tick_size must be a positive decimal, got {tick_size!r}")
    _, digits, exponent = tick.as_tuple()
    mantissa = int("".join(map(str, digits)))
    if exponent >= 0:
        return mantissa * 10 ** exponent, 0
    if -exponent > 18:
        raise ValueError(f"tick_size {tick_size!r} has more than 18 decimals")
    return mantissa, -exponent


cdef Py_ssize_t _fmt_price(char* out, int64_t ticks, int64_t mantissa, int decimals,
                           int64_t scale) noexcept nogil:
    cdef int64_t n = ticks * mantissa
    cdef int64_t whole = n // scale, frac = n % scale
    cdef Py_ssize_t k
    if decimals == 0 or frac == 0:
        return snprintf(out, 48, "%lld", <long long>whole)
    k = snprintf(out, 48, "%lld.%0*lld", <long long>whole, decimals, <long long>frac)
    while out[k - 1] == b'0':
        k -= 1
    return k


cdef Py_ssize_t _fmt_qty(char* out, double q, int decimals) noexcept nogil:
    cdef Py_ssize_t k = snprintf(out, 64, "%.*f", decimals, q)
    if decimals > 0:
        while out[k - 1] == b'0':
            k -= 1
        if out[k - 1] == b'.':
            k -= 1
    return k


cdef const BookDeltaRow* _rows_ptr(object arr) except? NULL:
    cdef const unsigned char[::1] raw
    if arr.dtype != BOOK_DELTA_DTYPE:
        raise TypeError(f"expected BOOK_DELTA rows, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError("BOOK_DELTA rows must be one-dimensional")
    if arr.shape[0] == 0:
        return NULL
    raw = arr.view(np.uint8)
    return <const BookDeltaRow*>&raw[0]


cdef inline Ladder _ladder_of(L2Book book, int side):
    return book._bids if _side_arg(side) > 0 else book._asks


@cython.final
cdef class L2Book:

    def __cinit__(self, int64_t window=16384):
        if window < 64 or window > (1 << 26):
            raise ValueError(f"window must be within [64, 2**26] ticks, got {window}")
        self._bids = Ladder(window)
        self._asks = Ladder(window)
        self._old_bids = None
        self._old_asks = None
        self.last_update_id = -1

    # -- C level ------------------------------------------------------------------------------------
    cdef double apply_c(self, int side, int64_t price, double qty) noexcept nogil:
        if side > 0:
            return self._bids.put(-price, qty)
        return self._asks.put(price, qty)

    cdef int swap_out(self, int side) except -1:
        # The replaced side is kept (not freed) so a snapshot row can report the quantity before it.
        cdef Ladder spare
        if side > 0:
            spare = self._old_bids if self._old_bids is not None else Ladder(self._bids.cap)
            spare.reset()
            self._old_bids, self._bids = self._bids, spare
        else:
            spare = self._old_asks if self._old_asks is not None else Ladder(self._asks.cap)
            spare.reset()
            self._old_asks, self._asks = self._asks, spare
        return 0

    cdef double apply_flagged_c(self, int side, int64_t price, double qty, int flags) except -1:
        cdef int bit
        cdef double prev
        if not flags & _SNAPSHOT:
            self._in_snapshot = False
            return self.apply_c(side, price, qty)
        if not self._in_snapshot:
            self._in_snapshot = True
            self._cleared = 0
            self.snapshots += 1
        bit = 1 if side > 0 else 2
        if not self._cleared & bit:
            self._cleared |= bit
            self.swap_out(side)
        if side > 0:
            prev = self._old_bids.get(-price)
        else:
            prev = self._old_asks.get(price)
        self.apply_c(side, price, qty)
        if flags & _LAST:
            self._in_snapshot = False
        return prev

    cdef void track_seq(self, const BookDeltaRow* r) noexcept nogil:
        cdef int64_t last = self.last_update_id
        if r.last_seq < 0:
            return
        if r.flags & _SNAPSHOT:
            self.last_update_id = r.last_seq
            self._after_snapshot = True
            return
        if r.last_seq == last:  # another row of a message already checked
            return
        if last >= 0 and not (
                (r.prev_seq >= 0 and r.prev_seq == last)
                or (self._after_snapshot and r.first_seq <= last + 1 and r.last_seq >= last)
                or (r.prev_seq < 0 and r.first_seq == last + 1)):
            self.gaps += 1
        self.last_update_id = r.last_seq
        self._after_snapshot = False

    cdef int apply_row_c(self, const BookDeltaRow* r) except -1:
        if not _valid(r.side, r.price_ticks, r.qty):
            self.rejected += 1
            if r.flags & _LAST or not r.flags & _SNAPSHOT:
                self._in_snapshot = False
            return 0
        self.track_seq(r)
        if r.flags & _SNAPSHOT:
            self.apply_flagged_c(r.side, r.price_ticks, r.qty, r.flags)
        else:
            self._in_snapshot = False
            self.apply_c(r.side, r.price_ticks, r.qty)
        if r.flags & _LAST and self.crossed_c():
            self.crossed_count += 1
        return 0

    cdef int64_t best_bid_c(self) noexcept nogil:
        return -(self._bids.base + self._bids.best) if self._bids.best >= 0 else INT64_MIN

    cdef int64_t best_ask_c(self) noexcept nogil:
        return self._asks.base + self._asks.best if self._asks.best >= 0 else INT64_MAX

    cdef double imbalance_c(self, int n) noexcept nogil:
        cdef double sb = self._bids.sum_top(n), sa = self._asks.sum_top(n)
        cdef double total = sb + sa
        return (sb - sa) / total if total > 0.0 else NAN

    cdef bint crossed_c(self) noexcept nogil:
        return self._bids.best >= 0 and self._asks.best >= 0 and self.best_bid_c() >= self.best_ask_c()

    # -- updates ------------------------------------------------------------------------------------
    def apply(self, int side, int64_t price_ticks, double qty):
        if not _valid(side, price_ticks, qty):
            raise ValueError(f"bad level: side={side} price_ticks={price_ticks} qty={qty}")
        self._in_snapshot = False
        return self.apply_c(side, price_ticks, qty)

    def apply_row(self, int side, int64_t price_ticks, double qty, int flags=0):
        if not _valid(side, price_ticks, qty):
            self.rejected += 1
            if flags & _LAST or not flags & _SNAPSHOT:
                self._in_snapshot = False
            return 0.0
        return self.apply_flagged_c(side, price_ticks, qty, flags)

    def apply_deltas(self, rows):
        arr = np.ascontiguousarray(rows)
        cdef const BookDeltaRow* p = _rows_ptr(arr)
        cdef Py_ssize_t i, n = arr.shape[0]
        for i in range(n):
            self.apply_row_c(&p[i])

    def apply_deltas_top(self, rows, int levels=5, out=None):
        if levels < 1:
            raise ValueError(f"imbalance needs at least one level, got {levels}")
        arr = np.ascontiguousarray(rows)
        cdef const BookDeltaRow* p = _rows_ptr(arr)
        cdef Py_ssize_t i, n = arr.shape[0]
        if out is None:
            out = np.empty(n, dtype=TOP_DTYPE)
        elif (not isinstance(out, np.ndarray) or out.dtype != TOP_DTYPE or out.ndim != 1
              or not out.flags.c_contiguous or out.shape[0] < n):
            raise ValueError(f"out must be a contiguous TOP_DTYPE array of at least {n} rows")
        else:
            out = out[:n]
        if n == 0:
            return out
        cdef unsigned char[::1] raw = out.view(np.uint8)
        cdef TopRow* o = <TopRow*>&raw[0]
        cdef Ladder bids, asks
        for i in range(n):
            self.apply_row_c(&p[i])
            bids, asks = self._bids, self._asks  # a snapshot row may have swapped them
            o[i].best_bid = self.best_bid_c()
            o[i].best_ask = self.best_ask_c()
            o[i].bid_qty = bids.qty[bids.best] if bids.best >= 0 else 0.0
            o[i].ask_qty = asks.qty[asks.best] if asks.best >= 0 else 0.0
            o[i].imbalance = self.imbalance_c(levels)
        return out

    def apply_columns(self, side, price_ticks, qty, flags):
        cdef const signed char[:] s = np.asarray(side, dtype=np.int8)
        cdef const int64_t[:] p = np.asarray(price_ticks, dtype=np.int64)
        cdef const double[:] q = np.asarray(qty, dtype=np.float64)
        cdef const unsigned char[:] f = np.asarray(flags, dtype=np.uint8)
        cdef Py_ssize_t i, n = s.shape[0]
        if p.shape[0] != n or q.shape[0] != n or f.shape[0] != n:
            raise ValueError("side, price_ticks, qty and flags must have the same length")
        for i in range(n):
            if not _valid(s[i], p[i], q[i]):
                self.rejected += 1
                if f[i] & _LAST or not f[i] & _SNAPSHOT:
                    self._in_snapshot = False
                continue
            self.apply_flagged_c(s[i], p[i], q[i], f[i])
            if f[i] & _LAST and self.crossed_c():
                self.crossed_count += 1

    def clear(self):
        self._bids.reset()
        self._asks.reset()
        self._in_snapshot = False
        self._cleared = 0
        self._after_snapshot = False
        self.last_update_id = -1

    def clear_side(self, int side):
        _ladder_of(self, side).reset()

    # -- queries ------------------------------------------------------------------------------------
    def best_bid(self):
        return self.best_bid_c()

    def best_ask(self):
        return self.best_ask_c()

    def best_bid_qty(self):
        return self._bids.qty[self._bids.best] if self._bids.best >= 0 else 0.0

    def best_ask_qty(self):
        return self._asks.qty[self._asks.best] if self._asks.best >= 0 else 0.0

    def n_levels(self, int side):
        return _ladder_of(self, side).count

    def qty_at(self, int side, int64_t price_ticks):
        return _ladder_of(self, side).get(-price_ticks if side > 0 else price_ticks)

    def depth(self, int side, Py_ssize_t n=-1):
        cdef Ladder lad = _ladder_of(self, side)
        cdef Py_ssize_t count = lad.count if n < 0 else min(n, lad.count)
        keys = np.empty(count, dtype=np.int64)
        qtys = np.empty(count, dtype=np.float64)
        cdef int64_t[::1] kv = keys
        cdef double[::1] qv = qtys
        if count:
            lad.walk(count, &kv[0], &qv[0])
        if side > 0:
            np.negative(keys, out=keys)
        return keys, qtys

    def depth_through(self, int side, int64_t price_ticks):
        cdef Ladder lad = _ladder_of(self, side)
        return self.depth(side, lad.count_through(-price_ticks if side > 0 else price_ticks))

    def imbalance(self, int n=5):
        if n < 1:
            raise ValueError(f"imbalance needs at least one level, got {n}")
        return self.imbalance_c(n)

    def microprice(self):
        cdef double bq, aq
        if self._bids.best < 0 or self._asks.best < 0:
            return NAN
        bq = self._bids.qty[self._bids.best]
        aq = self._asks.qty[self._asks.best]
        return (<double>self.best_bid_c() * aq + <double>self.best_ask_c() * bq) / (bq + aq)

    def vwap(self, int side, double qty):
        cdef double notional, remaining, filled
        if not (isfinite(qty) and qty > 0.0):
            raise ValueError(f"vwap needs a positive finite quantity, got {qty}")
        filled = _ladder_of(self, side).fill(qty, &notional, &remaining)
        if filled <= 0.0:
            return NAN, remaining
        return (-notional if side > 0 else notional) / filled, remaining

    def crossed(self):
        return self.crossed_c()

    @property
    def window(self):
        return self._bids.cap

    # -- OKX checksum -------------------------------------------------------------------------------
    def checksum_string(self, tick_size, int qty_decimals, int levels=25):
        if not 0 <= qty_decimals <= 18:
            raise ValueError(f"qty_decimals must be within [0, 18], got {qty_decimals}")
        mantissa, decimals = _tick_parts(tick_size)
        bid_px, bid_q = self.depth(1, levels)
        ask_px, ask_q = self.depth(-1, levels)
        cdef const int64_t[::1] bp = bid_px, ap = ask_px
        cdef const double[::1] bq = bid_q, aq = ask_q
        cdef Py_ssize_t nb = bp.shape[0], na = ap.shape[0], i, k = 0
        cdef int64_t m = mantissa, scale = 10 ** decimals
        cdef int dec = decimals
        buf = bytearray((nb + na) * 2 * 72 + 1)
        cdef unsigned char[::1] out = buf
        cdef char* c = <char*>&out[0]
        for i in range(max(nb, na)):
            if i < nb:
                if k:
                    c[k] = b':'
                    k += 1
                k += _fmt_price(c + k, bp[i], m, dec, scale)
                c[k] = b':'
                k += 1
                k += _fmt_qty(c + k, bq[i], qty_decimals)
            if i < na:
                if k:
                    c[k] = b':'
                    k += 1
                k += _fmt_price(c + k, ap[i], m, dec, scale)
                c[k] = b':'
                k += 1
                k += _fmt_qty(c + k, aq[i], qty_decimals)
        return bytes(buf[:k]).decode("ascii")

    def okx_checksum(self, tick_size, int qty_decimals, int levels=25):
        crc = zlib.crc32(self.checksum_string(tick_size, qty_decimals, levels).encode("ascii"))
        return crc - (1 << 32) if crc >= 1 << 31 else crc

    def __repr__(self):
        return (f"L2Book(best_bid={self.best_bid() if self._bids.best >= 0 else None}, "
                f"best_ask={self.best_ask() if self._asks.best >= 0 else None}, "
                f"levels={self._bids.count}/{self._asks.count}, gaps={self.gaps}, "
                f"crossed_count={self.crossed_count}, rejected={self.rejected})")
