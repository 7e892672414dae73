# cython: language_level=3
# distutils: language = c++
"""Bybit v5 order-book frames read straight from the frame bytes, levels included.

``{"topic":"orderbook.{depth}.{symbol}","type":"snapshot"|"delta","ts":..,"data":{"s":..,"b":[[p,q],..],
"a":[..],"u":..,"seq":..},"cts":..}``: :meth:`BybitBookFrames.scan` accepts a frame of a registered book
topic in the canonical form Bybit sends (``topic`` before ``data``, any key order otherwise, unknown keys
skipped, levels of exactly two strings) and leaves its fields and levels in the scanner. Any other frame
(another topic, a reply, a malformed, truncated or unusual one) is refused (``False``) without raising
and without side effects, for the caller's decoder to handle exactly as before.
"""

from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdint cimport int64_t

from cryptoscalp_speedups.levels cimport TickScale
from cryptoscalp_speedups.rawlevels cimport (Grid, LevelBuf, frame_bytes, grid_of, key_at, member_end, read_int,
                                             same_text, scan_levels, skip_value, string_at, ws)

cdef enum:
    TOPIC = 1
    TYPE = 2
    TS = 4
    CTS = 8
    DATA = 16
    SYMBOL = 32
    BIDS = 64
    ASKS = 128
    U = 256
    SEQ = 512


cdef class BybitBookFrames:
    """Scanner of the book topics added, each with its symbol, price grid and an object of the caller's
    (``target``, handed back with each frame of the topic)."""

    cdef dict _topics
    cdef bytes _last_topic  # the topic of the previous frame and what it maps to: no str, no hash
    cdef tuple _last_found
    cdef int _seen
    cdef bytes _symbol
    cdef readonly LevelBuf b
    cdef readonly LevelBuf a
    cdef readonly object target
    cdef readonly bint snapshot
    cdef readonly int64_t ts
    cdef readonly int64_t cts
    cdef readonly int64_t u
    cdef readonly int64_t seq

    def __init__(self):
        self._topics = {}
        self._last_topic = b""
        self.b = LevelBuf()
        self.a = LevelBuf()

    def add(self, str topic, str symbol, TickScale scale, target) -> None:
        """Scan frames of ``topic``, whose ``data.s`` must be ``symbol`` and prices on ``scale``'s grid."""
        self._topics[topic] = (scale, symbol.encode("ascii"), target)
        self._last_topic = b""

    def scan(self, frame) -> bool:
        """Read ``frame`` (``bytes`` or ``str``); ``True`` when it is a canonical frame of an added topic,
        whose fields are then this scanner's attributes until the next call (``ts``/``cts`` 0 when
        absent, ``seq`` -1)."""
        cdef Py_ssize_t n, i, key, end, at
        cdef const char* s = frame_bytes(frame, &n)
        cdef bint more = True
        cdef Grid grid
        if s == NULL:
            return False
        self._seen = 0
        self.ts = self.cts = 0
        self.seq = -1
        self.target = None
        self.b.reset(1, s, frame)
        self.a.reset(-1, s, frame)
        i = ws(s, 0, n)
        if i >= n or s[i] != c'{':
            return False
        i = ws(s, i + 1, n)
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return False
            if same_text(s, key, end, b"topic"):
                i = self._topic(s, i, n, &grid)
            elif same_text(s, key, end, b"type") and not self._seen & TYPE:
                self._seen |= TYPE
                end = string_at(s, i, n, &at)
                self.snapshot = end >= 0 and same_text(s, at, end - 1, b"snapshot")
                i = end if self.snapshot or (end >= 0 and same_text(s, at, end - 1, b"delta")) else -1
            elif same_text(s, key, end, b"ts") and not self._seen & TS:
                self._seen |= TS
                i = read_int(s, i, n, &self.ts)
            elif same_text(s, key, end, b"cts") and not self._seen & CTS:
                self._seen |= CTS
                i = read_int(s, i, n, &self.cts)
            elif same_text(s, key, end, b"data"):
                # the grid comes from the topic: a frame that names it later is left to the decoder
                i = self._data(s, i, n, &grid) if self._seen & TOPIC and not self._seen & DATA else -1
            elif (same_text(s, key, end, b"type") or same_text(s, key, end, b"ts")
                  or same_text(s, key, end, b"cts") or _reply_key(s, key, end)):
                return False  # repeated, or a reply's field (typed by the decoder)
            else:
                i = skip_value(s, i, n, 1)
            if i < 0:
                return False
            i = member_end(s, i, n, &more)
            if i < 0:
                return False
        return ws(s, i, n) == n and self._seen & (TOPIC | TYPE | DATA | SYMBOL | BIDS | ASKS | U) == \
            (TOPIC | TYPE | DATA | SYMBOL | BIDS | ASKS | U)

    cdef Py_ssize_t _topic(self, const char* s, Py_ssize_t i, Py_ssize_t n, Grid* grid) except -2:
        cdef Py_ssize_t at
        cdef Py_ssize_t end = string_at(s, i, n, &at)
        if end < 0 or self._seen & TOPIC:
            return -1
        self._seen |= TOPIC
        if end - 1 > at and same_text(s, at, end - 1, self._last_topic):
            found = self._last_found
        else:
            found = self._topics.get(PyUnicode_DecodeASCII(s + at, end - 1 - at, NULL))
            if found is None:
                return -1
            self._last_topic = s[at:end - 1]
            self._last_found = found
        scale, self._symbol, self.target = found
        grid_of(<TickScale>scale, grid)
        return end

    cdef Py_ssize_t _data(self, const char* s, Py_ssize_t i, Py_ssize_t n, const Grid* grid) except -2:
        cdef Py_ssize_t key, end, at
        cdef bint more = True
        cdef int bit
        self._seen |= DATA
        if i >= n or s[i] != c'{':
            return -1
        i = ws(s, i + 1, n)
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return -1
            bit = (SYMBOL if same_text(s, key, end, b"s") else BIDS if same_text(s, key, end, b"b")
                   else ASKS if same_text(s, key, end, b"a") else U if same_text(s, key, end, b"u")
                   else SEQ if same_text(s, key, end, b"seq") else 0)
            if bit & self._seen:
                return -1  # repeated: the decoder keeps the last one
            self._seen |= bit
            if bit == SYMBOL:
                end = string_at(s, i, n, &at)
                # another symbol than the topic's: the router's check, with its own drop reason
                i = end if end >= 0 and same_text(s, at, end - 1, self._symbol) else -1
            elif bit == BIDS:
                i = scan_levels(s, i, n, grid, True, self.b)
            elif bit == ASKS:
                i = scan_levels(s, i, n, grid, True, self.a)
            elif bit == U:
                i = read_int(s, i, n, &self.u)
            elif bit == SEQ:
                i = read_int(s, i, n, &self.seq)
            else:
                i = skip_value(s, i, n, 2)
            if i < 0:
                return -1
            i = member_end(s, i, n, &more)
            if i < 0:
                return -1
        return i


cdef bint _reply_key(const char* s, Py_ssize_t key, Py_ssize_t end) noexcept nogil:
    return (same_text(s, key, end, b"op") or same_text(s, key, end, b"success")
            or same_text(s, key, end, b"ret_msg") or same_text(s, key, end, b"req_id")
            or same_text(s, key, end, b"conn_id"))
