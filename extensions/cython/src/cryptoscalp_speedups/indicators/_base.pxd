# cython: language_level=3
"""The streaming-indicator base class, shared by every indicator module through ``cimport``."""

cdef enum:
    MAX_IO = 64  # most inputs or outputs one indicator (or one IndicatorSet row) may have


cdef class Indicator:
    cdef readonly tuple inputs
    cdef readonly tuple outputs
    cdef readonly Py_ssize_t warmup
    cdef Py_ssize_t n_in
    cdef Py_ssize_t n_out
    cdef Py_ssize_t _bad
    cdef object _setup(self, tuple inputs, tuple outputs, Py_ssize_t warmup)
    cdef Py_ssize_t _bad_total(self)
    cdef void _clear(self) noexcept nogil
    cdef void _step(self, const double* x, double* y) noexcept nogil
    cdef void step_checked(self, const double* x, double* y) noexcept nogil
    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil
