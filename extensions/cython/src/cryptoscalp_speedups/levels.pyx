# cython: language_level=3
# distutils: language = c++
"""Venue book levels (decoded JSON lists) → int64 price ticks, float64 quantities and BOOK_DELTA rows.

Prices are converted exactly: the decimal digits are read as an integer and scaled by powers of ten
against the tick size, so ``"65000.10"`` on a ``0.1`` grid is 650001 ticks and ``"65000.15"`` is an
off-grid price, refused, never rounded. Quantities are read with Python's own correctly rounded
decimal-to-double conversion (a fast exact path for the usual few-digit sizes). A price given as a float
(a decoder in lax mode) is taken as its shortest round-trip decimal, the text the venue most likely sent.

Every level is validated before anything is written or applied, so a message with one bad level leaves
the book untouched; the error names the rule broken (see ``levels.pyi``).
"""

cimport cython
cimport numpy as cnp
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.mem cimport PyMem_Free
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.math cimport isfinite
from libc.stdint cimport INT64_MAX, int64_t, uint64_t

from cryptoscalp_speedups.book cimport BookDeltaRow, L2Book
# the decimal-text reader is shared with the raw-frame scanners
from cryptoscalp_speedups.decimaltext cimport Dec
from cryptoscalp_speedups.decimaltext cimport read_decimal as _read_decimal
from cryptoscalp_speedups.decimaltext cimport ticks_of

from decimal import Decimal, InvalidOperation

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

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL
    char* PyBytes_AS_STRING(object b)
    Py_ssize_t PyBytes_GET_SIZE(object b)
    double PyOS_string_to_double(const char* s, char** endptr, void* overflow_exception) except? -1.0
    char* PyOS_double_to_string(double val, char format_code, int precision, int flags, int* ptype) except NULL
    bint PyUnicode_CheckExact(object o)
    bint PyBytes_CheckExact(object o)
    bint PyFloat_CheckExact(object o)
    bint PyList_CheckExact(object o)
    bint PyTuple_CheckExact(object o)

BOOK_DELTA_DTYPE = np.dtype([
    ("ts_event", "<i8"), ("ts_recv", "<i8"), ("instrument", "<u2"), ("side", "i1"), ("flags", "u1"),
    ("first_seq", "<i8"), ("last_seq", "<i8"), ("prev_seq", "<i8"), ("price_ticks", "<i8"), ("qty", "<f8"),
])
assert BOOK_DELTA_DTYPE.itemsize == sizeof(BookDeltaRow)
cdef cnp.dtype _ROW_DESCR = BOOK_DELTA_DTYPE


cdef cnp.ndarray new_rows(Py_ssize_t n):
    """An uninitialised ``BOOK_DELTA_DTYPE`` array of ``n`` rows (``np.empty`` without its argument parsing)."""
    cdef cnp.npy_intp dims = n
    Py_INCREF(_ROW_DESCR)  # the constructor steals a reference
    return _new_array(&_ARRAY_TYPE, <_Descr*>_ROW_DESCR, 1, &dims, NULL, NULL, 0, NULL)

#: the largest price accepted, in ticks (keeps every later tick arithmetic far from int64 overflow)
MAX_TICKS = 1 << 62
cdef double[23] _POW10D
cdef int _i
_POW10D[0] = 1.0
for _i in range(1, 23):
    _POW10D[_i] = _POW10D[_i - 1] * 10.0

# outcome codes of the decimal reader and of one level (indices into the reason tuples)
cdef enum:
    OK = 0
    SYNTAX = 1
    NON_FINITE = 2
    NEGATIVE = 3
    TOO_PRECISE = 4
    ZERO = 5
    OFF_GRID = 6
    BAD_LEVEL = 7

cdef tuple _PRICE_REASONS = ("", "bad_price", "non_finite_price", "non_positive_price", "bad_price",
                             "non_positive_price", "off_grid_price", "bad_level")
cdef tuple _QTY_REASONS = ("", "bad_qty", "non_finite_qty", "negative_qty", "bad_qty", "", "", "bad_level")


class LevelError(ValueError):
    """A level that cannot be used: ``args == (reason, side, position, text)`` (``side`` 1 bids, -1 asks;
    ``position`` the level's index in its list; ``text`` the offending value, cut to 40 characters)."""

    @property
    def reason(self) -> str:
        return self.args[0]


cdef class TickScale:
    """An instrument's tick size as ``mantissa * 10**exponent`` (exact), for :func:`levels_to_rows`."""

    def __init__(self, tick_size):
        try:
            tick = Decimal(str(tick_size))
        except InvalidOperation:
            raise ValueError(f"tick size {tick_size!r} is not a decimal") from None
        if not tick.is_finite() or tick <= 0:
            raise ValueError(f"tick size must be positive and finite, got {tick_size!r}")
        sign, digits, exponent = tick.normalize().as_tuple()
        mantissa = int("".join(map(str, digits)))
        if mantissa >= 1 << 62 or not -30 <= exponent <= 18:
            raise ValueError(f"tick size {tick_size!r} is out of range")
        self.mantissa = mantissa
        self.exponent = exponent

    def ticks(self, price) -> int:
        """One price (str, bytes or float) → ticks; :class:`LevelError` with ``side == 0`` when unusable."""
        cdef int64_t out = 0
        cdef int code = _price_ticks(price, self, &out)
        if code != OK:
            raise LevelError(_PRICE_REASONS[code], 0, 0, _cut(price))
        return out

    def __repr__(self) -> str:
        return f"TickScale({self.mantissa}e{self.exponent})"


cdef inline int _ticks_of(const Dec* d, TickScale scale, int64_t* out) noexcept nogil:
    return ticks_of(d, <uint64_t>scale.mantissa, scale.exponent, out)


cdef int _price_ticks(object value, TickScale scale, int64_t* out) except -1:
    cdef const char* s
    cdef char* buf
    cdef Py_ssize_t n
    cdef Dec d
    cdef int code
    cdef double x
    if PyUnicode_CheckExact(value):
        s = PyUnicode_AsUTF8AndSize(value, &n)
    elif PyBytes_CheckExact(value):
        s, n = PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value)
    elif PyFloat_CheckExact(value):
        x = PyFloat_AS_DOUBLE(value)
        if not isfinite(x):
            return NON_FINITE
        buf = PyOS_double_to_string(x, c'r', 0, 0, NULL)
        n = 0
        while buf[n]:
            n += 1
        code = _read_decimal(buf, n, &d)
        PyMem_Free(buf)
        return code if code != OK else _ticks_of(&d, scale, out)
    else:
        return SYNTAX
    code = _read_decimal(s, n, &d)
    return code if code != OK else _ticks_of(&d, scale, out)


cdef int _qty_value(object value, double* out) except -1:
    cdef const char* s
    cdef Py_ssize_t n
    cdef Dec d
    cdef int code
    cdef double x
    if PyFloat_CheckExact(value):
        x = PyFloat_AS_DOUBLE(value)
    else:
        if PyUnicode_CheckExact(value):
            s = PyUnicode_AsUTF8AndSize(value, &n)
        elif PyBytes_CheckExact(value):
            s, n = PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value)
        else:
            return SYNTAX
        code = _read_decimal(s, n, &d)
        if code == NON_FINITE:
            return NON_FINITE
        if code != OK and code != TOO_PRECISE:
            return code
        if code == OK and d.digits < (1ULL << 53) and -22 <= d.exp10 <= 0:
            x = <double>d.digits / _POW10D[-d.exp10]  # both exact: one correctly rounded division
        elif code == OK and d.digits < (1ULL << 53) and 0 < d.exp10 <= 22:
            x = <double>d.digits * _POW10D[d.exp10]
        else:
            x = _slow_double(value)
        if d.negative and x == 0.0:
            x = 0.0  # "-0" is zero, not negative
        elif d.negative:
            x = -x
    if not isfinite(x):
        return NON_FINITE
    if x < 0.0:
        return NEGATIVE
    out[0] = x
    return OK


cdef double _slow_double(object value) except? -1.0:
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    cdef bytes raw = text.strip().lstrip("+-").encode("ascii", "replace")
    return PyOS_string_to_double(raw, NULL, NULL)


cdef str _cut(object value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


cdef Py_ssize_t count_levels(object levels, int side) except -1:
    if PyList_CheckExact(levels):
        return PyList_GET_SIZE(levels)
    if PyTuple_CheckExact(levels):
        return PyTuple_GET_SIZE(levels)
    raise LevelError("bad_level", side, -1, _cut(levels))


cdef int fill_side(object levels, Py_ssize_t count, int side, TickScale scale, BookDeltaRow* rows) except -1:
    """Parse one side's levels into ``rows[0:count]`` (price and qty only); raise on the first bad one."""
    cdef Py_ssize_t i
    cdef object level, price, qty
    cdef int code
    cdef int64_t ticks = 0
    cdef double size = 0.0
    cdef bint is_list = PyList_CheckExact(levels)
    for i in range(count):
        level = <object>PyList_GET_ITEM(levels, i) if is_list else <object>PyTuple_GET_ITEM(levels, i)
        if PyList_CheckExact(level) and PyList_GET_SIZE(level) >= 2:
            price, qty = <object>PyList_GET_ITEM(level, 0), <object>PyList_GET_ITEM(level, 1)
        elif PyTuple_CheckExact(level) and PyTuple_GET_SIZE(level) >= 2:
            price, qty = <object>PyTuple_GET_ITEM(level, 0), <object>PyTuple_GET_ITEM(level, 1)
        else:
            raise LevelError("bad_level", side, i, _cut(level))
        code = _price_ticks(price, scale, &ticks)
        if code != OK:
            raise LevelError(_PRICE_REASONS[code], side, i, _cut(price))
        code = _qty_value(qty, &size)
        if code != OK:
            raise LevelError(_QTY_REASONS[code], side, i, _cut(qty))
        rows[i].price_ticks = ticks
        rows[i].qty = size
        rows[i].side = side
    return 0


cdef int fill_meta(BookDeltaRow* rows, Py_ssize_t n, int64_t ts_event, int64_t ts_recv, int instrument,
                   int flags, int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq) except -1:
    """The columns every row of one message shares; ``last_flags`` on the final row."""
    cdef Py_ssize_t i
    if instrument < 0 or instrument > 65535:
        raise ValueError(f"instrument {instrument} does not fit the row's uint16")
    for i in range(n):
        rows[i].ts_event = ts_event
        rows[i].ts_recv = ts_recv
        rows[i].instrument = <unsigned short>instrument
        rows[i].flags = <unsigned char>flags
        rows[i].first_seq = first_seq
        rows[i].last_seq = last_seq
        rows[i].prev_seq = prev_seq
    if n:
        rows[n - 1].flags = <unsigned char>last_flags
    return 0


def parse_levels(levels, TickScale scale, int side=1):
    """One side's ``[[price, qty, ...], ...]`` → ``(ticks int64, qty float64)`` arrays; :class:`LevelError`
    on the first unusable level (``side`` only labels the error)."""
    cdef Py_ssize_t n = count_levels(levels, side), i
    cdef cnp.ndarray rows = new_rows(n)
    cdef BookDeltaRow* r = <BookDeltaRow*>cnp.PyArray_DATA(rows)
    fill_side(levels, n, side, scale, r)
    cdef cnp.ndarray ticks = np.empty(n, np.int64)
    cdef cnp.ndarray qty = np.empty(n, np.float64)
    cdef int64_t* t = <int64_t*>cnp.PyArray_DATA(ticks)
    cdef double* q = <double*>cnp.PyArray_DATA(qty)
    for i in range(n):
        t[i] = r[i].price_ticks
        q[i] = r[i].qty
    return ticks, qty


def levels_to_rows(bids, asks, TickScale scale, int64_t ts_event, int64_t ts_recv, int instrument,
                   int flags, int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq,
                   L2Book book=None):
    """Both sides of one book message → ``BOOK_DELTA_DTYPE`` rows (bids first, then asks; every row
    flagged ``flags``, the final one ``last_flags``), applied to ``book`` row by row (the rules of
    ``L2Book.apply_deltas``) when given. Nothing is applied unless every level is valid."""
    cdef Py_ssize_t nb = count_levels(bids, 1), na = count_levels(asks, -1), n, i
    n = nb + na
    cdef cnp.ndarray rows = new_rows(n)
    if n == 0:
        return rows
    cdef BookDeltaRow* r = <BookDeltaRow*>cnp.PyArray_DATA(rows)
    fill_side(bids, nb, 1, scale, r)
    fill_side(asks, na, -1, scale, r + nb)
    fill_meta(r, n, ts_event, ts_recv, instrument, flags, last_flags, first_seq, last_seq, prev_seq)
    if book is not None:
        for i in range(n):
            book.apply_row_c(&r[i])
    return rows


def apply_rows(L2Book book, cnp.ndarray rows):
    """Apply ``BOOK_DELTA_DTYPE`` rows made by :func:`levels_to_rows` (or any contiguous array of that
    dtype) to ``book``: ``L2Book.apply_deltas`` without its Python-level dtype checks."""
    if rows.dtype != BOOK_DELTA_DTYPE or not rows.flags.c_contiguous:
        raise TypeError("rows must be a contiguous BOOK_DELTA_DTYPE array")
    cdef BookDeltaRow* r = <BookDeltaRow*>cnp.PyArray_DATA(rows)
    cdef Py_ssize_t i, n = rows.shape[0]
    for i in range(n):
        book.apply_row_c(&r[i])
