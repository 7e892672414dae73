# cython: language_level=3
# distutils: language = c++
"""Book level arrays read straight from a frame's JSON bytes: ``[["price","size",...],...]`` → rows.

A 1,000-level frame decoded by a JSON library first becomes 3,000 Python objects; here the scanner walks
the bytes once, converting each decimal string in place with the rules of
:mod:`cryptoscalp_speedups.levels` (exact ticks, refused and never rounded when off the grid; sizes
correctly rounded as ``float(text)``; the same refusal reasons). It reads a canonical subset of JSON:
level strings without escapes, ASCII only, no exponent in the numbers it skips. Text outside that subset,
and anything malformed or truncated, makes the scan give up (``-1``) without raising, so the caller can
hand the frame to a full JSON decoder, which then decides exactly as before. A level whose value is
refused does not stop the scan: the first refusal of each side is recorded, and reported (as
:class:`~cryptoscalp_speedups.levels.LevelError`) only when the rows are asked for.
"""

cimport numpy as cnp
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdint cimport int64_t, uint64_t
from libc.string cimport memcmp, memcpy
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from cpython.ref cimport Py_INCREF

from cryptoscalp_speedups.book cimport BookDeltaRow, L2Book
from cryptoscalp_speedups.decimaltext cimport OK, Dec, qty_of, read_decimal, reason, ticks_of
from cryptoscalp_speedups.levels cimport TickScale, fill_meta

from cryptoscalp_speedups.levels import BOOK_DELTA_DTYPE, LevelError

cnp.import_array()

cdef extern from "numpy/arrayobject.h":
    ctypedef struct _Descr "PyArray_Descr":
        pass
    ctypedef struct _TypeObject "PyTypeObject":
        pass
    _TypeObject _ARRAY_TYPE "PyArray_Type"
    object _new_array "PyArray_NewFromDescr"(_TypeObject* subtype, _Descr* descr, int nd, cnp.npy_intp* dims,
                                             cnp.npy_intp* strides, void* data, int flags, void* obj)
    int _set_base "PyArray_SetBaseObject"(cnp.ndarray arr, object base) except -1

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL
    char* PyBytes_AS_STRING(object b)
    Py_ssize_t PyBytes_GET_SIZE(object b)
    bint PyUnicode_CheckExact(object o)
    bint PyBytes_CheckExact(object o)

#: how deep a skipped value may nest before the scan gives up
MAX_DEPTH = 32
cdef int _MAX_DEPTH = 32

cdef cnp.dtype _ROW_DESCR = BOOK_DELTA_DTYPE


cdef cnp.ndarray new_array(cnp.dtype descr, Py_ssize_t n):
    """An uninitialised array of ``n`` rows of the structured ``descr``. numpy 2 looks up a zero-fill loop
    for a structured dtype on every allocation it makes (about a microsecond, walking the fields), so the
    memory is a plain byte array's and the rows are a view of it."""
    cdef cnp.npy_intp nbytes = n * descr.itemsize, dims = n
    cdef cnp.ndarray raw = cnp.PyArray_EMPTY(1, &nbytes, cnp.NPY_UINT8, 0)
    Py_INCREF(descr)  # the constructor steals a reference
    cdef cnp.ndarray rows = _new_array(&_ARRAY_TYPE, <_Descr*>descr, 1, &dims, NULL, cnp.PyArray_DATA(raw),
                                       cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_WRITEABLE, NULL)
    Py_INCREF(raw)  # and so does the base setter
    _set_base(rows, raw)
    return rows


# The common conversions, done here without a call: a price on a grid of 10**e whose digits need at most
# a few more zeros, and a size below 2**53 with at most 22 decimals (both as exact as the general readers, which take
# everything else).
cdef double[23] _P10D
cdef uint64_t[5] _P10U
cdef uint64_t[5] _TICKS_FIT  # the largest digits with digits * 10**k <= 2**62
cdef int _k
_P10D[0] = 1.0
_P10U[0] = 1
for _k in range(1, 23):
    _P10D[_k] = _P10D[_k - 1] * 10.0
for _k in range(1, 5):
    _P10U[_k] = _P10U[_k - 1] * 10
for _k in range(5):
    _TICKS_FIT[_k] = (1ULL << 62) // _P10U[_k]


cdef class LevelBuf:
    """The levels of one side of one message, as the scanner left them (reused from frame to frame)."""

    def __dealloc__(self):
        PyMem_Free(self.rows)
        PyMem_Free(self.spans)

    cdef int reset(self, int side, const char* base, object owner) except -1:
        self.n = 0
        self.side = side
        self.error = OK
        self.error_in_qty = False
        self.error_at = -1
        self.base = base
        self.owner = owner
        return 0

    cdef BookDeltaRow* grow(self) except NULL:
        """Room for one more level: the row after the last (``n`` unchanged)."""
        cdef Py_ssize_t cap
        cdef void* rows
        cdef void* spans
        if self.n == self.cap:
            cap = 64 if self.cap == 0 else 2 * self.cap
            rows = PyMem_Realloc(self.rows, cap * sizeof(BookDeltaRow))
            if rows == NULL:
                raise MemoryError("level buffer")
            self.rows = <BookDeltaRow*>rows
            spans = PyMem_Realloc(self.spans, 4 * cap * sizeof(Py_ssize_t))
            if spans == NULL:
                raise MemoryError("level buffer")
            self.spans = <Py_ssize_t*>spans
            self.cap = cap
        return &self.rows[self.n]

    def __len__(self) -> int:
        return self.n

    @property
    def side(self) -> int:
        return self.side

    def ticks(self) -> list:
        return [self.rows[i].price_ticks for i in range(self.n)]

    def quantities(self) -> list:
        return [self.rows[i].qty for i in range(self.n)]

    def texts(self) -> list:
        cdef Py_ssize_t* sp
        out = []
        for i in range(self.n):
            sp = &self.spans[4 * i]
            out.append((self.base[sp[0]:sp[0] + sp[1]].decode("ascii"),
                        self.base[sp[2]:sp[2] + sp[3]].decode("ascii")))
        return out

    @property
    def refusal(self):
        """``(reason, position)`` of the first refused level, or ``None``."""
        if self.error == OK:
            return None
        return reason(self.error, self.error_in_qty), self.error_at

    cdef object _error(self):
        cdef Py_ssize_t* sp = &self.spans[4 * self.error_at]
        cdef Py_ssize_t at = sp[2] if self.error_in_qty else sp[0]
        cdef Py_ssize_t length = sp[3] if self.error_in_qty else sp[1]
        text = repr(self.base[at:at + length].decode("ascii"))
        return LevelError(reason(self.error, self.error_in_qty), self.side, self.error_at, text if len(text) <= 40 else text[:37] + "...")


cdef int grid_of(TickScale scale, Grid* grid) except -1:
    grid.mant = <uint64_t>scale.mantissa
    grid.exp = scale.exponent
    return 0


cdef const char* frame_bytes(object frame, Py_ssize_t* n) except? NULL:
    """The UTF-8 bytes of a ``str`` (no copy for ASCII text) or ``bytes`` frame; ``NULL`` for other types."""
    if PyUnicode_CheckExact(frame):
        return PyUnicode_AsUTF8AndSize(frame, n)
    if PyBytes_CheckExact(frame):
        n[0] = PyBytes_GET_SIZE(frame)
        return PyBytes_AS_STRING(frame)
    n[0] = -1
    return NULL


# -- JSON tokens ------------------------------------------------------------------------------------------
cdef inline bint _digit(char c) noexcept nogil:
    return c'0' <= c <= c'9'


cdef Py_ssize_t ws(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    cdef char c
    while i < n:
        c = s[i]
        if c != c' ' and c != c'\n' and c != c'\r' and c != c'\t':
            break
        i += 1
    return i


cdef Py_ssize_t string_at(const char* s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* start) noexcept nogil:
    """A string without escapes, in printable ASCII: ``start`` its first character, the result the
    position after its closing quote (so its length is ``result - 1 - start``)."""
    cdef unsigned char c
    if i >= n or s[i] != c'"':
        return -1
    i += 1
    start[0] = i
    while i < n:
        c = <unsigned char>s[i]
        if c == c'"':
            return i + 1
        if c == c'\\' or c < 0x20 or c >= 0x80:
            return -1
        i += 1
    return -1


cdef Py_ssize_t read_int(const char* s, Py_ssize_t i, Py_ssize_t n, int64_t* out) noexcept nogil:
    """A JSON integer of at most 18 digits (a fraction or an exponent gives up: the value is not an int)."""
    cdef int64_t v = 0
    cdef int digits = 0
    cdef bint neg = i < n and s[i] == c'-'
    if neg:
        i += 1
    if i < n and s[i] == c'0':
        i += 1
        digits = 1
    else:
        while i < n and _digit(s[i]):
            digits += 1
            if digits > 18:
                return -1
            v = v * 10 + (s[i] - c'0')
            i += 1
    if digits == 0 or (i < n and (_digit(s[i]) or s[i] == c'.' or s[i] == c'e' or s[i] == c'E')):
        return -1
    out[0] = -v if neg else v
    return i


cdef Py_ssize_t _skip_number(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t start = i
    if i < n and s[i] == c'-':
        i += 1
    if i < n and s[i] == c'0':
        i += 1
    elif i < n and _digit(s[i]):
        while i < n and _digit(s[i]):
            i += 1
    else:
        return -1
    if i < n and s[i] == c'.':
        i += 1
        if i >= n or not _digit(s[i]):
            return -1
        while i < n and _digit(s[i]):
            i += 1
    if i < n and (s[i] == c'e' or s[i] == c'E' or _digit(s[i])) or i - start > 24:
        return -1  # exponents and long numbers: decoders disagree at the edges, leave them to the full one
    return i


cdef bint same_text(const char* s, Py_ssize_t at, Py_ssize_t end, const char* word) noexcept nogil:
    """Whether ``s[at:end]`` is the NUL-terminated ``word``."""
    cdef Py_ssize_t k = 0
    while at + k < end:
        if word[k] == 0 or s[at + k] != word[k]:
            return False
        k += 1
    return word[k] == 0


cdef Py_ssize_t key_at(const char* s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* key, Py_ssize_t* key_end) noexcept nogil:
    """An object member's ``"key":`` at ``s[i]``: the key is ``s[key:key_end]``, the result the position
    of its value."""
    i = string_at(s, i, n, key)
    if i < 0:
        return -1
    key_end[0] = i - 1
    i = ws(s, i, n)
    if i >= n or s[i] != c':':
        return -1
    return ws(s, i + 1, n)


cdef Py_ssize_t member_end(const char* s, Py_ssize_t i, Py_ssize_t n, bint* more) noexcept nogil:
    """After a member's value: the next key's position (``more``), or the position after the ``}``."""
    i = ws(s, i, n)
    if i < n and s[i] == c',':
        more[0] = True
        return ws(s, i + 1, n)
    if i < n and s[i] == c'}':
        more[0] = False
        return i + 1
    return -1


cdef Py_ssize_t skip_value(const char* s, Py_ssize_t i, Py_ssize_t n, int depth) noexcept nogil:
    """Any JSON value of the canonical subset, checked, not converted."""
    cdef Py_ssize_t start
    cdef char c, close
    if i >= n or depth > _MAX_DEPTH:
        return -1
    c = s[i]
    if c == c'"':
        return string_at(s, i, n, &start)
    if c == c'-' or _digit(c):
        return _skip_number(s, i, n)
    if c == c't':
        return i + 4 if i + 4 <= n and memcmp(s + i, b"true", 4) == 0 else -1
    if c == c'f':
        return i + 5 if i + 5 <= n and memcmp(s + i, b"false", 5) == 0 else -1
    if c == c'n':
        return i + 4 if i + 4 <= n and memcmp(s + i, b"null", 4) == 0 else -1
    if c == c'[' or c == c'{':
        close = c']' if c == c'[' else c'}'
        i = ws(s, i + 1, n)
        if i < n and s[i] == close:
            return i + 1
        while True:
            if c == c'{':
                i = string_at(s, i, n, &start)
                if i < 0:
                    return -1
                i = ws(s, i, n)
                if i >= n or s[i] != c':':
                    return -1
                i = ws(s, i + 1, n)
            i = skip_value(s, i, n, depth + 1)
            if i < 0:
                return -1
            i = ws(s, i, n)
            if i < n and s[i] == c',':
                i = ws(s, i + 1, n)
            elif i < n and s[i] == close:
                return i + 1
            else:
                return -1
    return -1


# -- level arrays -----------------------------------------------------------------------------------------
cdef inline Py_ssize_t _token(const char* s, Py_ssize_t i, Py_ssize_t n, char c) noexcept nogil:
    """The position after the ``c`` at ``s[i]`` (whitespace before it skipped), or ``-1``."""
    if i < n and s[i] == c:
        return i + 1
    i = ws(s, i, n)
    return i + 1 if i < n and s[i] == c else -1


cdef inline Py_ssize_t _plain(const char* s, Py_ssize_t i, Py_ssize_t n, Dec* d) noexcept nogil:
    """The usual level string at ``s[i]`` (its opening quote): ``"digits[.digits]"`` with at most 18
    digits, read while it is scanned; the value is the same as ``read_decimal``'s. ``-1``: some other
    text (the caller reads it the general way)."""
    cdef uint64_t digits = 0
    cdef Py_ssize_t start = i + 1, point, ndig
    cdef unsigned int c
    cdef int frac = 0
    i = start
    # Two tight loops (whole part, fraction): one well-predicted branch a character. (Reading eight
    # bytes at once with SWAR arithmetic measured slower on these short numbers.)
    while i < n:
        c = <unsigned char>s[i] - 48u
        if c >= 10:
            break
        digits = digits * 10 + c  # wraps past 19 digits, refused below
        i += 1
    ndig = i - start
    if i < n and s[i] == c'.':
        i += 1
        point = i
        while i < n:
            c = <unsigned char>s[i] - 48u
            if c >= 10:
                break
            digits = digits * 10 + c
            i += 1
        frac = <int>(i - point)
        ndig += frac
    if i >= n or s[i] != c'"' or ndig <= 0 or ndig > 18:
        return -1
    d.digits = digits
    d.exp10 = -frac if digits else 0
    d.negative = False
    return i + 1


cdef inline Py_ssize_t _value(const char* s, Py_ssize_t i, Py_ssize_t n, Dec* d, int* code,
                              Py_ssize_t* at) noexcept nogil:
    """One level string: its position and the outcome of reading it as a decimal."""
    cdef Py_ssize_t end
    if i >= n or s[i] != c'"':
        i = ws(s, i, n)
        if i >= n or s[i] != c'"':
            return -1
    at[0] = i + 1
    end = _plain(s, i, n, d)
    if end >= 0:
        code[0] = OK
        return end
    end = string_at(s, i, n, at)
    if end >= 0:
        code[0] = read_decimal(s + at[0], end - 1 - at[0], d)
    return end


cdef Py_ssize_t number_at(const char* s, Py_ssize_t i, Py_ssize_t n, double* out) except -2:
    """A plain decimal string at ``s[i]`` (``"digits[.digits]"``, at most 18 digits) as ``float(text)``
    reads it; ``-1`` for any other text (signs, exponents, escapes: the caller leaves those to Python)."""
    cdef Dec d
    cdef Py_ssize_t end = _plain(s, i, n, &d) if i < n and s[i] == c'"' else -1
    if end < 0:
        return -1
    if d.digits < (1ULL << 53) and -22 <= d.exp10 <= 0:
        out[0] = <double>d.digits if d.exp10 == 0 else <double>d.digits / _P10D[-d.exp10]
    elif qty_of(s + i + 1, end - i - 2, &d, OK, out) != OK:
        return -1
    return end


cdef inline Py_ssize_t _extra(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """An item after a level's price and size (OKX: liquidated orders, order count): usually a short
    string, else any value."""
    cdef unsigned char c
    i = ws(s, i, n)
    if i >= n or s[i] != c'"':
        return skip_value(s, i, n, 2)
    i += 1
    while i < n:
        c = <unsigned char>s[i]
        if c == c'"':
            return i + 1
        if c == c'\\' or c < 0x20 or c >= 0x80:
            return -1
        i += 1
    return -1


cdef Py_ssize_t scan_levels(const char* s, Py_ssize_t i, Py_ssize_t n, const Grid* grid, bint exact_pairs,
                            LevelBuf buf) except -2:
    """The level array at ``s[i]`` into ``buf`` (reset by the caller). Each level holds at least two strings,
    price and size (exactly two with ``exact_pairs``); further items may be any JSON value."""
    cdef Dec price, size
    cdef int pcode = OK, qcode = OK
    cdef Py_ssize_t pat = 0, qat = 0, pend, qend
    cdef BookDeltaRow* row
    cdef Py_ssize_t* sp
    cdef int64_t ticks = 0
    cdef double qty = 0.0
    cdef int k
    i = _token(s, i, n, c'[')
    if i < 0:
        return -1
    i = ws(s, i, n)
    if i < n and s[i] == c']':
        return i + 1
    while True:
        i = _token(s, i, n, c'[')
        if i < 0:
            return -1
        pend = _value(s, i, n, &price, &pcode, &pat)
        if pend < 0:
            return -1
        i = _token(s, pend, n, c',')
        if i < 0:
            return -1
        qend = _value(s, i, n, &size, &qcode, &qat)
        if qend < 0:
            return -1
        i = qend
        while True:
            if i < n and s[i] == c']':
                break
            i = ws(s, i, n)
            if i < n and s[i] == c']':
                break
            if exact_pairs or i >= n or s[i] != c',':
                return -1
            i = _extra(s, i + 1, n)
            if i < 0:
                return -1
        row = &buf.rows[buf.n] if buf.n < buf.cap else buf.grow()
        sp = &buf.spans[4 * buf.n]
        buf.n += 1
        sp[0], sp[1], sp[2], sp[3] = pat, pend - 1 - pat, qat, qend - 1 - qat
        if pcode == OK:
            k = price.exp10 - grid.exp
            if grid.mant == 1 and 0 <= k <= 4 and not price.negative and 0 < price.digits <= _TICKS_FIT[k]:
                ticks = <int64_t>(price.digits * _P10U[k])
            else:
                pcode = ticks_of(&price, grid.mant, grid.exp, &ticks)
        if pcode == OK:
            if qcode == OK and not size.negative and size.digits < (1ULL << 53) and -22 <= size.exp10 <= 0:
                # both exact: one correctly rounded division (none for a whole number)
                qty = <double>size.digits if size.exp10 == 0 else <double>size.digits / _P10D[-size.exp10]
            else:
                qcode = qty_of(s + qat, qend - 1 - qat, &size, qcode, &qty)
        if buf.error == OK and (pcode != OK or qcode != OK):
            buf.error, buf.error_in_qty, buf.error_at = (pcode, False, buf.n - 1) if pcode != OK \
                else (qcode, True, buf.n - 1)
        row.price_ticks = ticks
        row.qty = qty
        row.side = buf.side
        i += 1
        if i < n and s[i] == c',':
            i += 1
            continue
        i = ws(s, i, n)
        if i < n and s[i] == c',':
            i += 1
        elif i < n and s[i] == c']':
            return i + 1
        else:
            return -1


cdef object rows_from(LevelBuf bids, LevelBuf asks, int64_t ts_event, int64_t ts_recv, int instrument, int flags,
                      int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq, object book):
    if bids.error != OK:
        raise bids._error()
    if asks.error != OK:
        raise asks._error()
    cdef Py_ssize_t nb = bids.n, n = bids.n + asks.n, i
    cdef cnp.ndarray rows = new_array(_ROW_DESCR, n)
    if n == 0:
        return rows
    cdef BookDeltaRow* r = <BookDeltaRow*>cnp.PyArray_DATA(rows)
    if nb:
        memcpy(r, bids.rows, nb * sizeof(BookDeltaRow))
    if n > nb:
        memcpy(r + nb, asks.rows, (n - nb) * sizeof(BookDeltaRow))
    fill_meta(r, n, ts_event, ts_recv, instrument, flags, last_flags, first_seq, last_seq, prev_seq)
    cdef L2Book kernel
    if book is not None:
        kernel = <L2Book?>book
        for i in range(n):
            kernel.apply_row_c(&r[i])
    return rows


# -- Python API -------------------------------------------------------------------------------------------
def scan_level_array(frame, TickScale scale, int side=1, bint exact_pairs=False, Py_ssize_t start=0):
    """The level array at ``frame[start:]`` (``str`` or ``bytes``) as a :class:`LevelBuf`, or ``None`` when it
    is not a canonical level array followed only by whitespace."""
    cdef Py_ssize_t n
    cdef const char* s = frame_bytes(frame, &n)
    cdef Grid grid
    cdef LevelBuf buf = LevelBuf()
    if s == NULL or start < 0 or start > n:
        return None
    grid_of(scale, &grid)
    buf.reset(side, s, frame)
    cdef Py_ssize_t end = scan_levels(s, ws(s, start, n), n, &grid, exact_pairs, buf)
    if end < 0 or ws(s, end, n) != n:
        return None
    return buf


def levels_rows(LevelBuf bids, LevelBuf asks, int64_t ts_event, int64_t ts_recv, int instrument, int flags,
                int last_flags, int64_t first_seq, int64_t last_seq, int64_t prev_seq, L2Book book=None):
    """The rows of one scanned message, exactly as ``levels.levels_to_rows`` makes them from the decoded
    lists (and applied to ``book`` when given); :class:`LevelError` for the first refused level."""
    return rows_from(bids, asks, ts_event, ts_recv, instrument, flags, last_flags, first_seq, last_seq,
                     prev_seq, book)


def skip_json(frame, Py_ssize_t start=0):
    """The position after the JSON value at ``frame[start:]`` (leading whitespace skipped), or ``-1`` when it
    is not a canonical JSON value."""
    cdef Py_ssize_t n
    cdef const char* s = frame_bytes(frame, &n)
    if s == NULL or start < 0 or start > n:
        return -1
    return skip_value(s, ws(s, start, n), n, 0)


def read_number(frame, Py_ssize_t start=0):
    """The plain decimal string at ``frame[start]`` as ``float(text)``, or ``None`` when it is not one."""
    cdef Py_ssize_t n
    cdef double out = 0.0
    cdef const char* s = frame_bytes(frame, &n)
    if s == NULL or start < 0 or start > n or number_at(s, start, n, &out) < 0:
        return None
    return out
