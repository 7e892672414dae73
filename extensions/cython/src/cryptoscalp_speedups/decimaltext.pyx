# cython: language_level=3
"""Decimal text → exact price ticks and correctly rounded sizes, on raw bytes.

The same rules as :mod:`cryptoscalp_speedups.levels` (whose readers take Python objects): a price is its
decimal digits as an integer scaled by powers of ten against the tick, refused when it is not a whole
number of ticks; a size is what ``float(text)`` gives. Shared by the raw-frame scanners.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.math cimport isfinite
from libc.stdint cimport int64_t, uint64_t

cdef extern from *:
    ctypedef unsigned long long u128 "unsigned __int128"

cdef extern from "Python.h":
    double PyOS_string_to_double(const char* s, char** endptr, void* overflow_exception) except? -1.0

cdef double[23] _POW10D
cdef uint64_t[20] _POW10U
cdef uint64_t[20] _U64_FITS  # the largest x with x * 10**i < 2**64
cdef int64_t _MAX_TICKS = 1 << 62
cdef int _i
_POW10D[0] = 1.0
_POW10U[0] = 1
for _i in range(1, 23):
    _POW10D[_i] = _POW10D[_i - 1] * 10.0
for _i in range(1, 20):
    _POW10U[_i] = _POW10U[_i - 1] * 10
for _i in range(20):
    _U64_FITS[_i] = 0xFFFFFFFFFFFFFFFFULL // _POW10U[_i]

cdef tuple _PRICE_REASONS = ("", "bad_price", "non_finite_price", "non_positive_price", "bad_price",
                             "non_positive_price", "off_grid_price", "bad_level")
cdef tuple _QTY_REASONS = ("", "bad_qty", "non_finite_qty", "negative_qty", "bad_qty", "", "", "bad_level")


cdef str reason(int code, bint in_qty):
    return (_QTY_REASONS if in_qty else _PRICE_REASONS)[code]


cdef inline bint _word(const char* s, Py_ssize_t n, const char* word, Py_ssize_t wn) noexcept nogil:
    cdef Py_ssize_t i
    if n != wn:
        return False
    for i in range(n):
        if (s[i] | 0x20) != word[i]:
            return False
    return True


cdef int read_decimal(const char* s, Py_ssize_t n, Dec* out) noexcept nogil:
    """Plain decimal text (optional sign, digits, optional point and digits, optional exponent) with at
    most 18 significant digits (else ``TOO_PRECISE``, the syntax still checked)."""
    cdef Py_ssize_t i = 0
    cdef uint64_t digits = 0
    cdef int exp10 = 0, zeros = 0, expo = 0, exp_sign = 1, ndig = 0, sig = 0
    cdef bint frac = False, neg = False
    cdef char c
    if n > 0 and (s[0] == c'-' or s[0] == c'+'):
        neg = s[0] == c'-'
        i = 1
    out.negative = neg
    if _word(s + i, n - i, b"nan", 3) or _word(s + i, n - i, b"inf", 3) \
            or _word(s + i, n - i, b"infinity", 8):
        return NON_FINITE
    while i < n:
        c = s[i]
        if c'0' <= c <= c'9':
            ndig += 1
            if c == c'0':
                # Zeros are held back: trailing ones after the point change nothing, others scale.
                zeros += 1
            else:
                if digits:
                    sig += zeros
                sig += 1
                if sig <= 18:
                    if digits:
                        digits *= _POW10U[zeros]
                    digits = digits * 10 + <uint64_t>(c - c'0')
                zeros = 0
            if frac:
                exp10 -= 1
        elif c == c'.' and not frac:
            frac = True
        elif (c == c'e' or c == c'E') and ndig:
            i += 1
            if i < n and (s[i] == c'-' or s[i] == c'+'):
                exp_sign = -1 if s[i] == c'-' else 1
                i += 1
            if i >= n:
                return SYNTAX
            while i < n:
                c = s[i]
                if not c'0' <= c <= c'9':
                    return SYNTAX
                if expo < 100000:  # saturates: far beyond any price or size, still no int overflow
                    expo = expo * 10 + (c - c'0')
                i += 1
            break
        else:
            return SYNTAX
        i += 1
    if not ndig:
        return SYNTAX
    if sig > 18:
        return TOO_PRECISE
    # Zeros still held back are trailing: in the integer part they scale (100 = 1e2), in the fraction
    # they took exponent steps that must be undone (1.50 = 15e-1); both are the same correction.
    exp10 += zeros
    if digits == 0:
        exp10 = 0
    out.digits = digits
    out.exp10 = exp10 + exp_sign * expo
    return OK


cdef int ticks_of(const Dec* d, uint64_t mant, int exp, int64_t* out) noexcept nogil:
    """``d`` in ticks of ``mant * 10**exp``. The value, not the representation, decides: a ``d`` with
    trailing zeros left in ``digits`` gives the same outcome."""
    # digits < 10**18 and |k| <= 19 keep every product below 10**37: 128-bit arithmetic is exact. The
    # usual case (a product below 2**64) stays in 64 bits, and a tick of 10**e needs no division.
    cdef int k = d.exp10 - exp
    cdef uint64_t num64, den64
    cdef u128 num, den, ticks
    if d.negative and d.digits:
        return NEGATIVE
    if d.digits == 0:
        return ZERO
    if k > 19:
        return TOO_PRECISE
    if k < -19:
        return OFF_GRID  # finer than 19 decimals below the tick: never a whole number of ticks
    if k >= 0 and d.digits <= _U64_FITS[k]:
        num64 = d.digits * _POW10U[k]
        if mant == 1:
            ticks = num64
        elif num64 % mant:
            return OFF_GRID
        else:
            ticks = num64 // mant
    elif k < 0 and mant <= _U64_FITS[-k]:
        den64 = mant * _POW10U[-k]
        if d.digits % den64:
            return OFF_GRID
        ticks = d.digits // den64
    else:
        if k >= 0:
            num = <u128>d.digits * _POW10U[k]
            den = <u128>mant
        else:
            num = <u128>d.digits
            den = <u128>mant * _POW10U[-k]
        if num % den:
            return OFF_GRID
        ticks = num // den
    if ticks > <u128>_MAX_TICKS:
        return TOO_PRECISE
    out[0] = <int64_t>ticks
    return OK


cdef int qty_of(const char* s, Py_ssize_t n, const Dec* d, int code, double* out) except -1:
    """A size from its text ``s[:n]`` already read into ``d`` with outcome ``code`` (``OK`` or
    ``TOO_PRECISE``; any other code is returned as is)."""
    cdef double x
    cdef bytes text
    cdef Py_ssize_t skip
    if code != OK and code != TOO_PRECISE:
        return code
    if code == OK and d.digits < (1ULL << 53) and -22 <= d.exp10 <= 0:
        x = <double>d.digits / _POW10D[-d.exp10]  # both exact: one correctly rounded division
    elif code == OK and d.digits < (1ULL << 53) and 0 < d.exp10 <= 22:
        x = <double>d.digits * _POW10D[d.exp10]
    else:
        skip = 1 if n and (s[0] == c'-' or s[0] == c'+') else 0
        text = PyBytes_FromStringAndSize(s + skip, n - skip)
        x = PyOS_string_to_double(PyBytes_AS_STRING(text), NULL, NULL)
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


# -- Python API (for tests and tools) --------------------------------------------------------------------
def read(text: bytes, tick_mantissa: int = 1, tick_exponent: int = 0) -> tuple:
    """``(ticks or reason, size or reason)`` of one text read as a price on the grid
    ``tick_mantissa * 10**tick_exponent`` and as a size: what a level scanner makes of it."""
    cdef Dec d
    cdef int64_t ticks = 0
    cdef double size = 0.0
    cdef const char* s = text
    cdef Py_ssize_t n = len(text)
    cdef int code = read_decimal(s, n, &d)
    cdef int pcode = ticks_of(&d, tick_mantissa, tick_exponent, &ticks) if code == OK else code
    cdef int qcode = qty_of(s, n, &d, NON_FINITE if code == NON_FINITE else code, &size)
    return (ticks if pcode == OK else reason(pcode, False)), (size if qcode == OK else reason(qcode, True))
