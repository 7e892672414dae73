# cython: language_level=3
# distutils: language = c++
"""An L2 book that keeps each level's ``price:size`` text as the venue sent it, fed from raw frames.

OKX defines its book checksum over its own decimal strings, so the book keeps them. Each side is a
vector of 16-byte levels sorted so that the best is at the back, the texts in an arena beside it: a
snapshot (listed best first) is appended and reversed in one pass, a message touching several levels of
a side (listed best first, as venues do) is merged in one pass over the part of the side from its worst
level to the best, a single level costs a short search down from the back and one memmove, and the
checksum reads the 25 best levels from the back. OKX books hold at most a few hundred levels a side,
where this beats a tree by a wide margin; a much deeper book still works, its deep updates costing a
copy of the levels in front of them.

Levels come either from :func:`cryptoscalp_speedups.rawlevels` buffers (texts copied straight from the
frame) or from decoded lists (the rules of :func:`cryptoscalp_speedups.levels.levels_to_rows`). Either
way the rows are checked before the book changes: a message with one bad level changes nothing.
"""

cimport cython
cimport numpy as cnp
from cpython.list cimport PyList_GET_ITEM
from cpython.pyport cimport PY_SSIZE_T_MAX
from cpython.tuple cimport PyTuple_GET_ITEM
from libc.stdint cimport INT64_MIN, int64_t, uint32_t
from libc.string cimport memcpy
from libcpp.algorithm cimport reverse
from libcpp.string cimport string
from libcpp.vector cimport vector

from cryptoscalp_speedups.book cimport BookDeltaRow
from cryptoscalp_speedups.crc32 cimport crc32_of
from cryptoscalp_speedups.levels cimport TickScale, count_levels, fill_meta, fill_side, new_rows
from cryptoscalp_speedups.rawlevels cimport LevelBuf, rows_from

cnp.import_array()

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL
    bint PyUnicode_CheckExact(object o)
    bint PyList_CheckExact(object o)

cdef struct Level:
    int64_t key      # -ticks for bids, ticks for asks: the best level has the smallest key
    uint32_t off     # its ``price:size`` text in the side's arena
    uint32_t length

#: levels per side in OKX's checksum
CHECKSUM_DEPTH = 25

cdef inline bytes _text(object value):
    # The venue's text of a price or size; anything else (a float from a lax decoder) as Python writes it.
    if PyUnicode_CheckExact(value):
        return (<str>value).encode("utf-8")
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


@cython.final
cdef class _Side:
    """One side: levels sorted by key descending (best last), texts appended to an arena that is
    compacted once it holds more garbage than live text. A level is 16 plain bytes, so an insertion or
    a deletion anywhere is one memmove of the levels behind it."""

    cdef vector[Level] levels
    cdef vector[Level] _spare  # :meth:`merge`'s working copy
    cdef string arena
    cdef size_t live  # bytes of the arena that live levels point at

    cdef void clear(self):
        self.levels.clear()
        self.arena.clear()
        self.live = 0

    cdef inline void _write(self, Level* level, const char* p, Py_ssize_t np_, const char* s, Py_ssize_t ns):
        level.off = self.arena.size()
        level.length = np_ + 1 + ns
        self.arena.append(p, np_)
        self.arena.push_back(c':')
        self.arena.append(s, ns)
        self.live += level.length

    cdef Py_ssize_t put(self, int64_t key, const char* p, Py_ssize_t np_, const char* s, Py_ssize_t ns, bint empty,
                        Py_ssize_t hint):
        """Set (``empty``: delete) the level at ``key``; returns its position. ``hint``: a position known to
        be at or after it (where the previous level of a message listing its side best first went), else
        the side's size. A venue lists levels in order, so the search is mostly a few steps down from the
        hint rather than a binary search's chain of dependent loads."""
        cdef Py_ssize_t size = self.levels.size(), lo = min(hint, size), steps = 0, count, half
        cdef Level* d = self.levels.data()
        cdef const Level* base = d
        cdef Level fresh
        # The first level whose key is not above ``key`` (all from ``hint`` on qualify).
        while lo > 0 and steps < 16 and d[lo - 1].key <= key:
            lo -= 1
            steps += 1
        if steps == 16 and lo > 0 and d[lo - 1].key <= key:
            count = lo
            while count > 1:  # without branches to mispredict
                half = count >> 1
                base = base + half if base[half].key > key else base
                count -= half
            lo = (base - d) + (base[0].key > key)
        if lo < size and d[lo].key == key:
            self.live -= d[lo].length
            if empty:
                self.levels.erase(self.levels.begin() + lo)
            else:
                self._write(&d[lo], p, np_, s, ns)
        elif not empty:
            fresh.key = key
            self._write(&fresh, p, np_, s, ns)
            self.levels.insert(self.levels.begin() + lo, fresh)
        if self.arena.size() > 2 * self.live + 4096:
            self._compact()
        return lo

    cdef void _compact(self):
        cdef string kept
        cdef Level* d = self.levels.data()
        cdef size_t i
        kept.reserve(self.live)
        for i in range(self.levels.size()):
            kept.append(self.arena.data() + d[i].off, d[i].length)
            d[i].off = kept.size() - d[i].length
        self.arena.swap(kept)

    cdef bint merge(self, LevelBuf buf, bint is_bid):
        """Apply a message side listed best first without repeats in one pass over the levels from its
        worst one to the best: a message touching many levels of a deep book costs one copy of that part
        instead of a memmove per insertion or deletion. ``False`` (nothing done) when the side is not in
        that order."""
        cdef Py_ssize_t n = self.levels.size(), m = buf.n, i, j, start, count, half
        cdef const BookDeltaRow* r = buf.rows
        cdef const Py_ssize_t* sp
        cdef Level* d = self.levels.data()
        cdef const Level* base = d
        cdef vector[Level]* out = &self._spare
        cdef Level fresh
        cdef int64_t key
        cdef int64_t sign = -1 if is_bid else 1
        for j in range(1, m):
            if sign * r[j].price_ticks <= sign * r[j - 1].price_ticks:
                return False
        # Levels worse than the message's worst one keep their place: start at the first that is not.
        key = sign * r[m - 1].price_ticks
        count = n
        while count > 1:
            half = count >> 1
            base = base + half if base[half].key > key else base
            count -= half
        i = 0 if n == 0 else (base - d) + (base[0].key > key)
        start = i
        out.clear()
        out.reserve(n - start + m)
        for j in range(m - 1, -1, -1):  # the worst level first, as the vector runs
            key = sign * r[j].price_ticks
            count = i
            while i < n and d[i].key > key:
                i += 1
            if i > count:
                out.insert(out.end(), d + count, d + i)
            if i < n and d[i].key == key:
                self.live -= d[i].length
                i += 1
            if r[j].qty != 0.0:
                sp = &buf.spans[4 * j]
                fresh.key = key
                self._write(&fresh, buf.base + sp[0], sp[1], buf.base + sp[2], sp[3])
                out.push_back(fresh)
        if i < n:
            out.insert(out.end(), d + i, d + n)
        self.levels.resize(start + out.size())
        if out.size():
            memcpy(self.levels.data() + start, out.data(), out.size() * sizeof(Level))
        if self.arena.size() > 2 * self.live + 4096:
            self._compact()
        return True

    cdef bint append(self, bint building, int64_t key, const char* p, Py_ssize_t np_, const char* s,
                     Py_ssize_t ns, bint empty):
        """One level of a snapshot. While the levels come best first (``building``), they are appended in
        that order; the first one that does not (a deletion, a repeat, a better price) turns the side
        around and the rest go through :meth:`put`. Returns whether the side is still being built."""
        cdef Level fresh
        if building:
            if not empty and (self.levels.empty() or key > self.levels.back().key):
                fresh.key = key
                self._write(&fresh, p, np_, s, ns)
                self.levels.push_back(fresh)
                return True
            reverse(self.levels.begin(), self.levels.end())
        self.put(key, p, np_, s, ns, empty, PY_SSIZE_T_MAX)
        return False

    cdef void done(self, bint building):
        if building:
            reverse(self.levels.begin(), self.levels.end())

    cdef char* top(self, char* out, Py_ssize_t i) noexcept:
        """Write the text of the ``i``-th best level and a ``:`` at ``out``; the position after them."""
        cdef const Level* level = &self.levels.data()[self.levels.size() - 1 - i]
        memcpy(out, self.arena.data() + level.off, level.length)
        out[level.length] = c':'
        return out + level.length + 1

    cdef size_t top_length(self, Py_ssize_t n) noexcept:
        """Bytes of the best ``n`` levels' texts (each with its ``:``)."""
        cdef const Level* d = self.levels.data()
        cdef Py_ssize_t size = self.levels.size(), i
        cdef size_t total = 0
        for i in range(min(n, size)):
            total += d[size - 1 - i].length + 1
        return total

    cdef list depth(self, bint is_bid, Py_ssize_t limit):
        cdef Py_ssize_t size = self.levels.size(), i
        cdef const Level* level
        out = []
        for i in range(size if limit < 0 else min(size, limit)):
            level = &self.levels.data()[size - 1 - i]
            price, _, qty = self.arena.substr(level.off, level.length).decode("utf-8").partition(":")
            out.append((-level.key if is_bid else level.key, price, qty))
        return out


@cython.final
cdef class TextBook:
    """One instrument's book of ``price:size`` texts keyed by ticks. Quantity 0 deletes a level (an absent
    one: no-op); in a message, a repeated price takes the later level."""

    cdef _Side _bids
    cdef _Side _asks
    cdef string _scratch

    def __cinit__(self):
        self._bids = _Side()
        self._asks = _Side()

    def clear(self) -> None:
        self._bids.clear()
        self._asks.clear()

    def set_level(self, bint is_bid, int64_t ticks, price, size, bint empty) -> None:
        """Replace the level at ``ticks`` with the texts ``price``/``size`` (``empty``: delete it)."""
        cdef bytes pb = _text(price), sb = _text(size)
        side = self._bids if is_bid else self._asks
        side.put(-ticks if is_bid else ticks, pb, len(pb), sb, len(sb), empty, PY_SSIZE_T_MAX)

    def apply_levels(self, LevelBuf bids, LevelBuf asks, int64_t ts_event, int64_t ts_recv, int instrument,
                     int flags, int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq):
        """One message scanned from its frame (``rawlevels`` buffers) → its ``BOOK_DELTA_DTYPE`` rows (bids,
        then asks), applied here with the frame's texts. ``flags`` with the SNAPSHOT bit (1) replaces the
        whole book. ``LevelError`` (book unchanged) for the first refused level."""
        rows = rows_from(bids, asks, ts_event, ts_recv, instrument, flags, last_flags, first_seq, last_seq,
                         prev_seq, None)
        cdef bint snapshot = flags & 1
        if snapshot:
            self.clear()
        self._from_buf(self._bids, bids, True, snapshot)
        self._from_buf(self._asks, asks, False, snapshot)
        return rows

    cdef int _from_buf(self, _Side side, LevelBuf buf, bint is_bid, bint snapshot) except -1:
        cdef Py_ssize_t i
        cdef const Py_ssize_t* sp
        cdef const BookDeltaRow* r
        cdef int64_t key
        cdef bint building = snapshot
        cdef int64_t last = INT64_MIN
        cdef Py_ssize_t at = PY_SSIZE_T_MAX  # no hint: the side's size
        if snapshot:
            side.levels.reserve(buf.n)
        elif buf.n >= 4 and side.merge(buf, is_bid):
            # a deep book and a message of several levels: one rebuilding pass beats a memmove per level
            return 0
        for i in range(buf.n):
            r = &buf.rows[i]
            sp = &buf.spans[4 * i]
            key = -r.price_ticks if is_bid else r.price_ticks
            if building:
                building = side.append(True, key, buf.base + sp[0], sp[1], buf.base + sp[2], sp[3], r.qty == 0.0)
            else:
                at = side.put(key, buf.base + sp[0], sp[1], buf.base + sp[2], sp[3], r.qty == 0.0,
                              at if key > last else PY_SSIZE_T_MAX)
            last = key
        side.done(building)
        return 0

    def apply(self, bids, asks, TickScale scale, int64_t ts_event, int64_t ts_recv, int instrument,
              int flags, int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq):
        """:meth:`apply_levels` for decoded lists (``[[price, size, ...], ...]`` per side, the rules of
        ``levels.levels_to_rows``)."""
        cdef Py_ssize_t nb = count_levels(bids, 1), na = count_levels(asks, -1), n = nb + na
        cdef cnp.ndarray rows = new_rows(n)
        cdef BookDeltaRow* r = <BookDeltaRow*>cnp.PyArray_DATA(rows)
        cdef bint snapshot = flags & 1
        if n:
            fill_side(bids, nb, 1, scale, r)
            fill_side(asks, na, -1, scale, r + nb)
            fill_meta(r, n, ts_event, ts_recv, instrument, flags, last_flags, first_seq, last_seq, prev_seq)
        if snapshot:
            self.clear()
        self._from_list(self._bids, bids, nb, True, r, snapshot)
        self._from_list(self._asks, asks, na, False, r + nb, snapshot)
        return rows

    cdef int _from_list(self, _Side side, object levels, Py_ssize_t n, bint is_bid, BookDeltaRow* r,
                        bint snapshot) except -1:
        cdef Py_ssize_t i, np_, ns
        cdef const char* p
        cdef const char* s
        cdef bint is_list = PyList_CheckExact(levels), building = snapshot
        cdef bytes pb, sb
        cdef int64_t key, last = INT64_MIN
        cdef Py_ssize_t at = PY_SSIZE_T_MAX  # no hint: the side's size
        for i in range(n):
            level = <object>PyList_GET_ITEM(levels, i) if is_list else <object>PyTuple_GET_ITEM(levels, i)
            price, size = level[0], level[1]
            if PyUnicode_CheckExact(price) and PyUnicode_CheckExact(size):
                p = PyUnicode_AsUTF8AndSize(price, &np_)
                s = PyUnicode_AsUTF8AndSize(size, &ns)
            else:
                pb, sb = _text(price), _text(size)
                p, np_, s, ns = pb, len(pb), sb, len(sb)
            key = -r[i].price_ticks if is_bid else r[i].price_ticks
            if building:
                building = side.append(True, key, p, np_, s, ns, r[i].qty == 0.0)
            else:
                at = side.put(key, p, np_, s, ns, r[i].qty == 0.0, at if key > last else PY_SSIZE_T_MAX)
            last = key
        side.done(building)
        return 0

    # -- checksum ----------------------------------------------------------------------------------
    cdef string* _checksum_text(self, int depth):
        cdef string* out = &self._scratch
        cdef Py_ssize_t nb = self._bids.levels.size(), na = self._asks.levels.size(), i
        cdef size_t total = self._bids.top_length(depth) + self._asks.top_length(depth)
        cdef char* at
        out.resize(total)
        at = &out[0][0] if total else NULL
        for i in range(depth):
            if i < nb:
                at = self._bids.top(at, i)
            if i < na:
                at = self._asks.top(at, i)
        if total:
            out.resize(total - 1)  # the last level's ``:``
        return out

    def checksum(self, int depth=25) -> int:
        """OKX's ``checksum``: signed CRC32 of :meth:`checksum_string`."""
        cdef string* text = self._checksum_text(depth)
        cdef uint32_t crc = crc32_of(<const unsigned char*>text.data(), text.size(), True)
        return <int64_t>crc - (1 << 32) if crc >= (1u << 31) else <int64_t>crc

    def checksum_string(self, int depth=25) -> str:
        """``bid1:ask1:bid2:ask2...`` over the best ``depth`` levels, each ``price:size`` as received (the
        longer side continues alone)."""
        return self._checksum_text(depth)[0].decode("utf-8")

    # -- queries -----------------------------------------------------------------------------------
    def depth(self, bint is_bid, n=None) -> list:
        """Best ``n`` levels (all when ``None`` or negative) of one side as ``(ticks, price, size)``, best
        first."""
        return (self._bids if is_bid else self._asks).depth(is_bid, -1 if n is None else n)

    def best_bid(self):
        """Best bid in ticks, ``None`` when there is none."""
        return -self._bids.levels.back().key if not self._bids.levels.empty() else None

    def best_ask(self):
        """Best ask in ticks, ``None`` when there is none."""
        return self._asks.levels.back().key if not self._asks.levels.empty() else None

    def __len__(self) -> int:
        return self._bids.levels.size() + self._asks.levels.size()
