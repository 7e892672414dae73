# cython: language_level=3
# distutils: language = c++
"""C-level view of the raw-frame level scanner, for the venue frame scanners:
``from cryptoscalp_speedups.rawlevels cimport ...``.

Every scanning function takes the frame as ``(s, i, n)`` (bytes, position, length) and returns the
position after what it read, or ``-1`` when the text is outside the canonical subset it accepts (the
caller then leaves the frame to a full JSON decoder).
"""

from libc.stdint cimport int64_t, uint64_t

from cryptoscalp_speedups.book cimport BookDeltaRow
from cryptoscalp_speedups.levels cimport TickScale


cdef struct Grid:
    uint64_t mant   # tick = mant * 10**exp
    int exp


cdef class LevelBuf:
    cdef BookDeltaRow* rows      # price_ticks, qty and side of each level
    cdef Py_ssize_t* spans       # 4 per level: price offset, price length, size offset, size length
    cdef Py_ssize_t n
    cdef Py_ssize_t cap
    cdef int side
    cdef int error               # outcome code of the first refused level (0: none)
    cdef bint error_in_qty
    cdef Py_ssize_t error_at
    cdef const char* base        # the frame the spans point into
    cdef object owner            # keeps ``base`` alive

    cdef int reset(self, int side, const char* base, object owner) except -1
    cdef BookDeltaRow* grow(self) except NULL
    cdef object _error(self)


cimport numpy as cnp

cdef cnp.ndarray new_array(cnp.dtype descr, Py_ssize_t n)
cdef int grid_of(TickScale scale, Grid* grid) except -1
cdef const char* frame_bytes(object frame, Py_ssize_t* n) except? NULL
cdef Py_ssize_t ws(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil
cdef Py_ssize_t string_at(const char* s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* start) noexcept nogil
cdef Py_ssize_t read_int(const char* s, Py_ssize_t i, Py_ssize_t n, int64_t* out) noexcept nogil
cdef Py_ssize_t key_at(const char* s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* key, Py_ssize_t* key_end) noexcept nogil
cdef Py_ssize_t member_end(const char* s, Py_ssize_t i, Py_ssize_t n, bint* more) noexcept nogil
cdef Py_ssize_t skip_value(const char* s, Py_ssize_t i, Py_ssize_t n, int depth) noexcept nogil
cdef bint same_text(const char* s, Py_ssize_t at, Py_ssize_t end, const char* word) noexcept nogil
cdef Py_ssize_t number_at(const char* s, Py_ssize_t i, Py_ssize_t n, double* out) except -2
cdef Py_ssize_t scan_levels(const char* s, Py_ssize_t i, Py_ssize_t n, const Grid* grid, bint exact_pairs,
                            LevelBuf buf) except -2
cdef object rows_from(LevelBuf bids, LevelBuf asks, int64_t ts_event, int64_t ts_recv, int instrument, int flags,
                      int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq, object book)
