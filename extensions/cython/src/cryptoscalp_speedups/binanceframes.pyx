# cython: language_level=3
# distutils: language = c++
"""Binance USD-M ``depthUpdate`` frames of the combined streams read straight from the frame bytes.

``{"stream":..,"data":{"e":"depthUpdate","E":..,"T":..,"s":..,"U":..,"u":..,"pu":..,"b":[[p,q],..],
"a":[..]}}``: :meth:`BinanceDepthFrames.scan` accepts such a frame of an added symbol in the canonical
form Binance sends (any key order, except that ``s`` comes before the level arrays, whose grid it names;
unknown keys skipped; integers as JSON integers; levels of exactly two strings) and leaves its fields and
levels in the scanner. Any other frame (another event, an unknown symbol, a malformed, truncated or unusual
one, a repeated key) is refused (``False``) without raising and without side effects, for the caller's
decoder to handle exactly as before.
"""

from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdint cimport int64_t

from cryptoscalp_speedups.levels cimport TickScale
from cryptoscalp_speedups.rawlevels cimport (Grid, LevelBuf, frame_bytes, grid_of, key_at, member_end, read_int,
                                             same_text, scan_levels, skip_value, string_at, ws)

cdef enum:
    STREAM = 1
    DATA = 2
    EVENT = 4
    E_TIME = 8
    T_TIME = 16
    SYMBOL = 32
    FIRST = 64
    LAST = 128
    PREV = 256
    BIDS = 512
    ASKS = 1024
    REQUIRED = STREAM | DATA | EVENT | E_TIME | SYMBOL | FIRST | LAST | PREV | BIDS | ASKS


cdef class BinanceDepthFrames:
    """Scanner of the symbols added, each with its price grid and an object of the caller's (``target``,
    handed back with each frame of the symbol)."""

    cdef dict _symbols
    cdef bytes _last_symbol  # the symbol of the previous frame and what it maps to: no str, no hash
    cdef tuple _last_found
    cdef int _seen
    cdef Grid _grid
    cdef readonly LevelBuf b
    cdef readonly LevelBuf a
    cdef readonly object target
    cdef readonly int64_t E
    cdef readonly int64_t T
    cdef readonly int64_t U
    cdef readonly int64_t u
    cdef readonly int64_t pu

    def __init__(self):
        self._symbols = {}
        self._last_symbol = b""
        self.b = LevelBuf()
        self.a = LevelBuf()

    def add(self, str symbol, TickScale scale, target) -> None:
        """Scan diffs whose ``data.s`` is exactly ``symbol``, prices on ``scale``'s grid."""
        self._symbols[symbol] = (scale, target)
        self._last_symbol = b""

    def scan(self, frame) -> bool:
        """Read ``frame`` (``bytes`` or ``str``); ``True`` when it is a canonical ``depthUpdate`` frame of an
        added symbol, whose fields are then this scanner's attributes until the next call (``T`` 0 when
        absent)."""
        cdef Py_ssize_t n, i, key, end, at
        cdef const char* s = frame_bytes(frame, &n)
        cdef bint more = True
        if s == NULL:
            return False
        self._seen = 0
        self.T = 0
        self.target = None
        i = ws(s, 0, n)
        if i >= n or s[i] != c'{':
            return False
        i = ws(s, i + 1, n)
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return False
            if same_text(s, key, end, b"stream"):
                if self._seen & STREAM:
                    return False
                self._seen |= STREAM
                i = string_at(s, i, n, &at)
            elif same_text(s, key, end, b"data"):
                if self._seen & DATA:
                    return False
                self._seen |= DATA
                i = self._data(s, i, n, frame)
            else:
                i = skip_value(s, i, n, 1)
            if i < 0:
                return False
            i = member_end(s, i, n, &more)
            if i < 0:
                return False
        if ws(s, i, n) == n and self._seen & REQUIRED == REQUIRED:
            return True
        self.target = None
        return False

    cdef Py_ssize_t _data(self, const char* s, Py_ssize_t i, Py_ssize_t n, object frame) except -2:
        cdef Py_ssize_t key, end, at
        cdef bint more = True
        cdef int bit
        cdef LevelBuf buf
        if i >= n or s[i] != c'{':
            return -1
        i = ws(s, i + 1, n)
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return -1
            bit = _field(s, key, end)
            if bit & self._seen:
                return -1  # repeated: the decoder keeps the last one
            self._seen |= bit
            if bit == EVENT:
                end = string_at(s, i, n, &at)
                i = end if end >= 0 and same_text(s, at, end - 1, b"depthUpdate") else -1
            elif bit == SYMBOL:
                i = self._symbol(s, i, n)
            elif bit == BIDS or bit == ASKS:
                if not self._seen & SYMBOL:
                    return -1  # levels before the symbol that names their grid: the decoder's
                # reset here, not per frame: most frames are other events, refused before their levels
                buf = self.b if bit == BIDS else self.a
                buf.reset(1 if bit == BIDS else -1, s, frame)
                i = scan_levels(s, i, n, &self._grid, True, buf)
            elif bit == E_TIME:
                i = read_int(s, i, n, &self.E)
            elif bit == T_TIME:
                i = read_int(s, i, n, &self.T)
            elif bit == FIRST:
                i = read_int(s, i, n, &self.U)
            elif bit == LAST:
                i = read_int(s, i, n, &self.u)
            elif bit == PREV:
                i = read_int(s, i, n, &self.pu)
            else:
                i = skip_value(s, i, n, 2)
            if i < 0:
                return -1
            i = member_end(s, i, n, &more)
            if i < 0:
                return -1
        return i

    cdef Py_ssize_t _symbol(self, const char* s, Py_ssize_t i, Py_ssize_t n) except -2:
        cdef Py_ssize_t at
        cdef Py_ssize_t end = string_at(s, i, n, &at)
        if end < 0:
            return -1
        if end - 1 > at and same_text(s, at, end - 1, self._last_symbol):
            found = self._last_found
        else:
            found = self._symbols.get(PyUnicode_DecodeASCII(s + at, end - 1 - at, NULL))
            if found is None:
                return -1  # not ours: the caller's decoder counts it
            self._last_symbol = s[at:end - 1]
            self._last_found = found
        scale, self.target = found
        grid_of(<TickScale>scale, &self._grid)
        return end


cdef int _field(const char* s, Py_ssize_t key, Py_ssize_t end) noexcept nogil:
    """The bit of a ``data`` key (0: a key this scanner skips)."""
    cdef Py_ssize_t length = end - key
    if length == 1:
        c = s[key]
        return (EVENT if c == c'e' else E_TIME if c == c'E' else T_TIME if c == c'T' else SYMBOL if c == c's'
                else FIRST if c == c'U' else LAST if c == c'u' else BIDS if c == c'b' else ASKS if c == c'a'
                else 0)
    if length == 2 and s[key] == c'p' and s[key + 1] == c'u':
        return PREV
    return 0
