# cython: language_level=3
"""C-level view of the decimal-text readers: ``from cryptoscalp_speedups.decimaltext cimport ...``."""

from libc.stdint cimport int64_t, uint64_t


cdef struct Dec:
    uint64_t digits   # significant digits as an integer
    int exp10         # value = digits * 10**exp10
    bint negative


# outcome codes of reading a price or a size (the reasons of ``levels.LevelError``, see ``reason``)
cdef enum:
    OK = 0
    SYNTAX = 1
    NON_FINITE = 2
    NEGATIVE = 3
    TOO_PRECISE = 4
    ZERO = 5
    OFF_GRID = 6
    BAD_LEVEL = 7


cdef int read_decimal(const char* s, Py_ssize_t n, Dec* out) noexcept nogil
cdef int ticks_of(const Dec* d, uint64_t mant, int exp, int64_t* out) noexcept nogil
cdef int qty_of(const char* s, Py_ssize_t n, const Dec* d, int code, double* out) except -1
cdef str reason(int code, bint in_qty)
