# cython: language_level=3
"""One-row arrays of the core's TRADE / QUOTE / MARK event dtypes, written field by field in C.

A feed emits most trades and quotes one per frame; ``np.array([row], dtype)`` spends more time
converting the Python tuple than the whole rest of the parse. These build the same array directly: one
allocation and eight stores. The dtypes are copies of ``cryptoscalp_core.domain.events``'s (this
package does not import the core); a caller checks they are equal before relying on them.
"""

cimport numpy as cnp
from cpython.ref cimport Py_INCREF
from libc.stdint cimport int8_t, int64_t, uint16_t

import numpy as np

cnp.import_array()

cdef extern from "numpy/arrayobject.h":
    ctypedef struct _Descr "PyArray_Descr":
        pass
    ctypedef struct _TypeObject "PyTypeObject":
        pass
    _TypeObject _ARRAY_TYPE "PyArray_Type"
    object _new_array "PyArray_NewFromDescr"(_TypeObject* subtype, _Descr* descr, int nd, cnp.npy_intp* dims,
                                             cnp.npy_intp* strides, void* data, int flags, void* obj)

TRADE_DTYPE = np.dtype([("ts_event", "<i8"), ("ts_recv", "<i8"), ("instrument", "<u2"), ("side", "i1"),
                        ("trade_id", "<i8"), ("price", "<f8"), ("qty", "<f8")])
QUOTE_DTYPE = np.dtype([("ts_event", "<i8"), ("ts_recv", "<i8"), ("instrument", "<u2"), ("seq", "<i8"),
                        ("bid_price", "<f8"), ("bid_qty", "<f8"), ("ask_price", "<f8"), ("ask_qty", "<f8")])
MARK_DTYPE = np.dtype([("ts_event", "<i8"), ("ts_recv", "<i8"), ("instrument", "<u2"), ("mark_price", "<f8"),
                       ("index_price", "<f8"), ("funding_rate", "<f8"), ("next_funding_ts", "<i8")])


cdef packed struct TradeRow:
    int64_t ts_event
    int64_t ts_recv
    uint16_t instrument
    int8_t side
    int64_t trade_id
    double price
    double qty


cdef packed struct QuoteRow:
    int64_t ts_event
    int64_t ts_recv
    uint16_t instrument
    int64_t seq
    double bid_price
    double bid_qty
    double ask_price
    double ask_qty


cdef packed struct MarkRow:
    int64_t ts_event
    int64_t ts_recv
    uint16_t instrument
    double mark_price
    double index_price
    double funding_rate
    int64_t next_funding_ts


assert TRADE_DTYPE.itemsize == sizeof(TradeRow) and QUOTE_DTYPE.itemsize == sizeof(QuoteRow)
assert MARK_DTYPE.itemsize == sizeof(MarkRow)

cdef cnp.dtype _TRADE = TRADE_DTYPE
cdef cnp.dtype _QUOTE = QUOTE_DTYPE
cdef cnp.dtype _MARK = MARK_DTYPE


cdef inline cnp.ndarray _one(cnp.dtype descr):
    cdef cnp.npy_intp one = 1
    Py_INCREF(descr)  # the constructor steals a reference
    return _new_array(&_ARRAY_TYPE, <_Descr*>descr, 1, &one, NULL, NULL, 0, NULL)


cdef inline int _instrument(int instrument) except -1:
    if instrument < 0 or instrument > 65535:
        raise ValueError(f"instrument {instrument} does not fit the row's uint16")
    return 0


def trade_row(int64_t ts_event, int64_t ts_recv, int instrument, int side, int64_t trade_id, double price,
              double qty):
    """A 1-row ``TRADE_DTYPE`` array."""
    _instrument(instrument)
    cdef cnp.ndarray out = _one(_TRADE)
    cdef TradeRow* r = <TradeRow*>cnp.PyArray_DATA(out)
    r.ts_event, r.ts_recv, r.instrument, r.side = ts_event, ts_recv, instrument, side
    r.trade_id, r.price, r.qty = trade_id, price, qty
    return out


def quote_row(int64_t ts_event, int64_t ts_recv, int instrument, int64_t seq, double bid_price,
              double bid_qty, double ask_price, double ask_qty):
    """A 1-row ``QUOTE_DTYPE`` array."""
    _instrument(instrument)
    cdef cnp.ndarray out = _one(_QUOTE)
    cdef QuoteRow* r = <QuoteRow*>cnp.PyArray_DATA(out)
    r.ts_event, r.ts_recv, r.instrument, r.seq = ts_event, ts_recv, instrument, seq
    r.bid_price, r.bid_qty, r.ask_price, r.ask_qty = bid_price, bid_qty, ask_price, ask_qty
    return out


def mark_row(int64_t ts_event, int64_t ts_recv, int instrument, double mark_price, double index_price,
             double funding_rate, int64_t next_funding_ts):
    """A 1-row ``MARK_DTYPE`` array."""
    _instrument(instrument)
    cdef cnp.ndarray out = _one(_MARK)
    cdef MarkRow* r = <MarkRow*>cnp.PyArray_DATA(out)
    r.ts_event, r.ts_recv, r.instrument = ts_event, ts_recv, instrument
    r.mark_price, r.index_price, r.funding_rate, r.next_funding_ts = mark_price, index_price, funding_rate, \
        next_funding_ts
    return out
