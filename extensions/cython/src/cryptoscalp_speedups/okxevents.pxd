# cython: language_level=3
# distutils: language = c++
"""C-level view of the OKX trade / quote readers, for ``okxframes``."""

from libc.stdint cimport int8_t, int64_t, uint16_t
from libcpp.vector cimport vector


cdef packed struct TradeRow:
    # One row of cryptoscalp_core.domain.events.TRADE_DTYPE (as eventrows writes it).
    int64_t ts_event
    int64_t ts_recv
    uint16_t instrument
    int8_t side
    int64_t trade_id
    double price
    double qty


cdef packed struct QuoteRow:
    # One row of QUOTE_DTYPE.
    int64_t ts_event
    int64_t ts_recv
    uint16_t instrument
    int64_t seq
    double bid_price
    double bid_qty
    double ask_price
    double ask_qty


cdef Py_ssize_t trades(const char* s, Py_ssize_t i, Py_ssize_t n, vector[TradeRow]* out) except -2
cdef Py_ssize_t quote(const char* s, Py_ssize_t i, Py_ssize_t n, bint bbo, QuoteRow* out) except -2
cdef object trade_array(const vector[TradeRow]* rows, int64_t ts_recv, uint16_t instrument)
cdef object quote_array(const QuoteRow* row, int64_t ts_recv, uint16_t instrument)
