# cython: language_level=3
# distutils: language = c++
"""C-level view of the level parser, for other kernels: ``from cryptoscalp_speedups.levels cimport ...``."""

from libc.stdint cimport int64_t

from cryptoscalp_speedups.book cimport BookDeltaRow


cdef class TickScale:
    cdef readonly int64_t mantissa
    cdef readonly int exponent


cimport numpy as cnp


cdef cnp.ndarray new_rows(Py_ssize_t n)
cdef Py_ssize_t count_levels(object levels, int side) except -1
cdef int fill_side(object levels, Py_ssize_t count, int side, TickScale scale, BookDeltaRow* rows) except -1
cdef int fill_meta(BookDeltaRow* rows, Py_ssize_t n, int64_t ts_event, int64_t ts_recv, int instrument,
                   int flags, int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq) except -1
