# cython: language_level=3
# distutils: language = c++
"""An L2 book that keeps each level's price and size text exactly as the venue sent it.

OKX defines its book checksum over its own decimal strings (``"0.5000"`` stays ``"0.5000"``), so a book
rebuilt from numbers cannot verify it in general. Each side here is a ``std::map`` from a key (asks:
ticks, bids: -ticks, so both iterate best first) to the level's ``"price:size"`` bytes; the checksum
walks the 25 best levels of both sides and feeds the CRC32 directly, without building the string.
Messages go through :func:`cryptoscalp_speedups.levels.levels_to_rows`'s parser first: a message with
one bad level changes nothing.
"""

cimport cython
cimport numpy as cnp
from cpython.list cimport PyList_GET_ITEM
from cpython.tuple cimport PyTuple_GET_ITEM
from cython.operator cimport dereference as deref
from cython.operator cimport preincrement as inc
from libc.stdint cimport int64_t, uint32_t
from libcpp.map cimport map as cmap
from libcpp.string cimport string
from libcpp.utility cimport pair

from cryptoscalp_speedups.book cimport BookDeltaRow
from cryptoscalp_speedups.levels cimport TickScale, count_levels, fill_meta, fill_side, new_rows

import numpy as np

from cryptoscalp_speedups.levels import BOOK_DELTA_DTYPE

cnp.import_array()

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL
    bint PyUnicode_CheckExact(object o)
    bint PyList_CheckExact(object o)

ctypedef cmap[int64_t, string] Side
ctypedef cmap[int64_t, string].iterator SideIter
ctypedef cmap[int64_t, string].const_iterator SideCIter

#: levels per side in OKX's checksum
CHECKSUM_DEPTH = 25

cdef uint32_t[256] _CRC_TABLE
cdef uint32_t _c
cdef int _n, _k
for _n in range(256):
    _c = <uint32_t>_n
    for _k in range(8):
        _c = (0xEDB88320 ^ (_c >> 1)) if _c & 1 else (_c >> 1)
    _CRC_TABLE[_n] = _c


cdef inline uint32_t _crc(uint32_t crc, const char* s, size_t n) noexcept nogil:
    # zlib's CRC32 (IEEE, reflected), continued from ``crc`` (pre-inverted by the caller).
    cdef size_t i
    for i in range(n):
        crc = _CRC_TABLE[(crc ^ <unsigned char>s[i]) & 0xFF] ^ (crc >> 8)
    return crc


cdef inline bytes _text(object value):
    # The venue's text of a price or size; anything else (a float from a lax decoder) as Python writes it.
    if PyUnicode_CheckExact(value):
        return (<str>value).encode("utf-8")
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


@cython.final
cdef class RawBook:
    """One instrument's book of raw level strings. Quantity 0 deletes a level (an absent one: no-op)."""

    cdef Side _bids
    cdef Side _asks

    def clear(self) -> None:
        self._bids.clear()
        self._asks.clear()

    cdef void _put(self, bint is_bid, int64_t ticks, const char* price, Py_ssize_t np_, const char* size,
                   Py_ssize_t ns, bint empty, bint at_end):
        cdef Side* side = &self._bids if is_bid else &self._asks
        cdef int64_t key = -ticks if is_bid else ticks
        cdef string text
        cdef SideIter it
        cdef SideCIter end
        if empty:
            side.erase(key)
            return
        text.reserve(np_ + ns + 1)
        text.append(price, np_)
        text.append(1, c':')
        text.append(size, ns)
        if at_end:
            # A snapshot lists each side best first: inserting at the end is amortised O(1).
            end = side.const_end()
            it = side.insert(end, pair[int64_t, string](key, text))
            deref(it).second = text  # a repeated price: the later level wins
        else:
            deref(side)[key] = text

    def set_level(self, bint is_bid, int64_t ticks, price, size, bint empty) -> None:
        """Replace the level at ``ticks`` with the texts ``price``/``size`` (``empty``: delete it)."""
        cdef bytes p = _text(price), s = _text(size)
        self._put(is_bid, ticks, p, len(p), s, len(s), empty, False)

    def apply(self, bids, asks, TickScale scale, int64_t ts_event, int64_t ts_recv, int instrument,
              int flags, int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq):
        """One book message (``[[price, size, ...], ...]`` per side) → its ``BOOK_DELTA_DTYPE`` rows (bids,
        then asks), applied here. ``flags`` with the SNAPSHOT bit (1) replaces the whole book. Raises
        ``LevelError`` (book unchanged) for the first unusable level."""
        cdef Py_ssize_t nb = count_levels(bids, 1), na = count_levels(asks, -1), n = nb + na, i
        cdef cnp.ndarray rows = new_rows(n)
        cdef BookDeltaRow* r = <BookDeltaRow*>cnp.PyArray_DATA(rows)
        cdef bint snapshot = flags & 1
        if n:
            fill_side(bids, nb, 1, scale, r)
            fill_side(asks, na, -1, scale, r + nb)
            fill_meta(r, n, ts_event, ts_recv, instrument, flags, last_flags, first_seq, last_seq, prev_seq)
        if snapshot:
            self.clear()
        self._apply_side(bids, nb, True, r, snapshot)
        self._apply_side(asks, na, False, r + nb, snapshot)
        return rows

    cdef int _apply_side(self, object levels, Py_ssize_t n, bint is_bid, BookDeltaRow* r,
                         bint snapshot) except -1:
        cdef Py_ssize_t i, np_, ns
        cdef const char* p
        cdef const char* s
        cdef object level, price, size
        cdef bint is_list = PyList_CheckExact(levels)
        cdef bytes pb, sb
        for i in range(n):
            level = <object>PyList_GET_ITEM(levels, i) if is_list else <object>PyTuple_GET_ITEM(levels, i)
            price, size = level[0], level[1]
            if PyUnicode_CheckExact(price) and PyUnicode_CheckExact(size):
                p = PyUnicode_AsUTF8AndSize(price, &np_)
                s = PyUnicode_AsUTF8AndSize(size, &ns)
                self._put(is_bid, r[i].price_ticks, p, np_, s, ns, r[i].qty == 0.0, snapshot)
            else:
                pb, sb = _text(price), _text(size)
                self._put(is_bid, r[i].price_ticks, pb, len(pb), sb, len(sb), r[i].qty == 0.0, snapshot)
        return 0

    # -- checksum ----------------------------------------------------------------------------------
    cdef uint32_t _crc_top(self, int depth):
        cdef SideIter b = self._bids.begin(), a = self._asks.begin()
        cdef uint32_t crc = 0xFFFFFFFF
        cdef bint first = True
        cdef int i
        for i in range(depth):
            if b != self._bids.end():
                if not first:
                    crc = _crc(crc, ":", 1)
                crc = _crc(crc, deref(b).second.data(), deref(b).second.size())
                first = False
                inc(b)
            if a != self._asks.end():
                if not first:
                    crc = _crc(crc, ":", 1)
                crc = _crc(crc, deref(a).second.data(), deref(a).second.size())
                first = False
                inc(a)
        return crc ^ 0xFFFFFFFF

    def checksum(self, int depth=25) -> int:
        """OKX's ``checksum``: signed CRC32 of :meth:`checksum_string`."""
        cdef uint32_t crc = self._crc_top(depth)
        return <int64_t>crc - (1 << 32) if crc >= (1u << 31) else <int64_t>crc

    def checksum_string(self, int depth=25) -> str:
        """``bid1:ask1:bid2:ask2...`` over the best ``depth`` levels, each ``price:size`` as received (the
        longer side continues alone)."""
        parts = []
        for i, level in enumerate(self._side_texts(True, depth)):
            parts.append((0, i, level))
        for i, level in enumerate(self._side_texts(False, depth)):
            parts.append((1, i, level))
        parts.sort(key=lambda t: (t[1], t[0]))
        return ":".join(p[2] for p in parts)

    cdef list _side_texts(self, bint is_bid, Py_ssize_t n):
        cdef Side* side = &self._bids if is_bid else &self._asks
        cdef SideIter it = side.begin()
        cdef list out = []
        while it != side.end() and (n < 0 or len(out) < n):
            out.append(deref(it).second.decode("utf-8"))
            inc(it)
        return out

    # -- queries -----------------------------------------------------------------------------------
    def depth(self, bint is_bid, n=None) -> list:
        """Best ``n`` levels (all when ``None``) of one side as ``(ticks, price, size)``, best first."""
        cdef Side* side = &self._bids if is_bid else &self._asks
        cdef SideIter it = side.begin()
        cdef Py_ssize_t limit = -1 if n is None else n
        cdef list out = []
        while it != side.end() and (limit < 0 or len(out) < limit):
            price, _, size = deref(it).second.decode("utf-8").partition(":")
            out.append((-deref(it).first if is_bid else deref(it).first, price, size))
            inc(it)
        return out

    def best_bid(self):
        """Best bid in ticks, ``None`` when there is none."""
        return -deref(self._bids.begin()).first if not self._bids.empty() else None

    def best_ask(self):
        """Best ask in ticks, ``None`` when there is none."""
        return deref(self._asks.begin()).first if not self._asks.empty() else None

    def __len__(self) -> int:
        return self._bids.size() + self._asks.size()
