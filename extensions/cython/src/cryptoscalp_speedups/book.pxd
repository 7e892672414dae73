# cython: language_level=3
# distutils: language = c++
"""C-level view of the L2 book, for other Cython kernels: ``from cryptoscalp_speedups.book cimport L2Book``.

The ``cdef`` methods below are the no-GIL fast path (no argument checks: the caller passes a valid side,
a positive price and a finite non-negative quantity); the Python methods of the ``.pyi`` validate.
"""

cimport cython
from libc.stdint cimport int64_t, uint64_t, int8_t, uint8_t, uint16_t
from libcpp.map cimport map as cmap


cdef packed struct BookDeltaRow:
    # One row of cryptoscalp_core.domain.events.BOOK_DELTA_DTYPE (packed, 60 bytes).
    int64_t ts_event
    int64_t ts_recv
    uint16_t instrument
    int8_t side
    uint8_t flags
    int64_t first_seq
    int64_t last_seq
    int64_t prev_seq
    int64_t price_ticks
    double qty


cdef struct TopRow:
    # One row of TOP_DTYPE: the top of book after a delta.
    int64_t best_bid
    int64_t best_ask
    double bid_qty
    double ask_qty
    double imbalance


@cython.final
cdef class Ladder:
    """One side in "key" space where a lower key is better (asks: key = price, bids: key = -price).

    Levels with keys in ``[base, base + cap)`` live in a dense array plus an occupancy bitmap; worse
    levels live in ``far``. Invariant: when the ladder is not empty its best level is in the window, and
    ``far`` holds only keys ``>= base + cap``.
    """
    cdef double* qty
    cdef uint64_t* bits
    cdef int64_t base
    cdef int64_t cap
    cdef int64_t nwords
    cdef int64_t best  # index of the best level in the window, -1 when the ladder is empty
    cdef Py_ssize_t count
    cdef cmap[int64_t, double] far

    cdef double get(self, int64_t key) noexcept nogil
    cdef double put(self, int64_t key, double q) noexcept nogil
    cdef void reset(self) noexcept nogil
    cdef int64_t next_set(self, int64_t idx) noexcept nogil
    cdef void recenter(self, int64_t key) noexcept nogil
    cdef double sum_top(self, int n) noexcept nogil
    cdef Py_ssize_t walk(self, Py_ssize_t n, int64_t* keys, double* qtys) noexcept nogil
    cdef Py_ssize_t count_through(self, int64_t key) noexcept nogil
    cdef double fill(self, double qty, double* notional, double* remaining) noexcept nogil


@cython.final
cdef class L2Book:
    cdef Ladder _bids
    cdef Ladder _asks
    cdef Ladder _old_bids  # the side a running snapshot replaced (what a queue model compares with)
    cdef Ladder _old_asks
    cdef bint _in_snapshot
    cdef int _cleared  # bit 1: bids cleared in the current snapshot run, bit 2: asks
    cdef bint _after_snapshot
    cdef readonly int64_t last_update_id
    cdef readonly int64_t gaps
    cdef readonly int64_t crossed_count
    cdef readonly int64_t rejected
    cdef readonly int64_t snapshots

    cdef double apply_c(self, int side, int64_t price, double qty) noexcept nogil
    cdef double apply_flagged_c(self, int side, int64_t price, double qty, int flags) except -1
    cdef int apply_row_c(self, const BookDeltaRow* row) except -1
    cdef int swap_out(self, int side) except -1
    cdef void track_seq(self, const BookDeltaRow* row) noexcept nogil
    cdef int64_t best_bid_c(self) noexcept nogil
    cdef int64_t best_ask_c(self) noexcept nogil
    cdef double imbalance_c(self, int n) noexcept nogil
    cdef bint crossed_c(self) noexcept nogil
