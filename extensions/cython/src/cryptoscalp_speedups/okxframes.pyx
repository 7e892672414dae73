# cython: language_level=3
# distutils: language = c++
"""OKX pushes read straight from the frame text: book levels, trades and quotes.

``{"arg":{"channel":..,"instId":..},"action":..,"data":[{"asks":[..],"bids":[..],"ts":..,"checksum":..,
"seqId":..,"prevSeqId":..}]}``: :meth:`OkxBookFrames.read` accepts a push of the book channel for a
registered instrument, in the canonical form OKX sends (``arg`` before ``data``, any key order otherwise,
unknown keys skipped), and leaves its fields and levels in the scanner; a ``trades``, ``tickers`` or
``bbo-tbt`` push of a registered instrument becomes its TRADE or QUOTE rows (``okxevents``). Any other
frame (another channel, a control event, a malformed, truncated or unusual one) is refused (``0``)
without raising and without side effects, for the caller's JSON decoder to handle exactly as before.
"""

from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdint cimport int64_t, uint16_t
from libcpp.vector cimport vector

from cryptoscalp_speedups.levels cimport TickScale
from cryptoscalp_speedups.okxevents cimport QuoteRow, TradeRow, quote, quote_array, trade_array, trades
from cryptoscalp_speedups.rawlevels cimport (Grid, LevelBuf, frame_bytes, grid_of, key_at, member_end, read_int,
                                             same_text, scan_levels, skip_value, string_at, ws)

cdef enum:
    ARG = 1
    ACTION = 2
    DATA = 4
    BIDS = 8
    ASKS = 16
    TS = 32
    CHECKSUM = 64
    SEQ = 128
    PREV = 256

# what a push carries, by its channel (``read``'s result)
cdef enum:
    NONE = 0
    BOOK = 1
    TRADES = 2
    QUOTES = 3
    _TICKERS = 4  # QUOTES from a tickers push
    _BBO = 5  # QUOTES from a bbo-tbt push

#: :meth:`OkxBookFrames.read` results
PUSH_BOOK, PUSH_TRADES, PUSH_QUOTES = BOOK, TRADES, QUOTES


cdef class OkxBookFrames:
    """Scanner of one book channel's pushes (``channel``, e.g. ``"books"``) for the instruments added."""

    cdef bytes _channel
    cdef dict _known  # instId -> [scale or None (book not scanned), instrument index or -1 (events not read)]
    cdef bytes _last_inst  # the instrument of the previous push and its entry: no str, no hash
    cdef str _last_name
    cdef list _last_entry
    cdef int _mode
    cdef uint16_t _instrument
    cdef vector[TradeRow] _trades
    cdef QuoteRow _quote
    cdef readonly object rows
    cdef int _seen
    cdef int64_t _ts, _seq, _prev, _checksum
    cdef readonly LevelBuf bids
    cdef readonly LevelBuf asks
    cdef readonly str inst_id
    cdef readonly bint snapshot

    def __init__(self, str channel):
        self._channel = channel.encode("ascii")
        self._known = {}
        self._last_inst = b""
        self.bids = LevelBuf()
        self.asks = LevelBuf()

    def add(self, str inst_id, TickScale scale) -> None:
        """Scan book pushes of ``inst_id``, whose prices are on ``scale``'s grid."""
        self._known.setdefault(inst_id, [None, -1])[0] = scale
        self._last_inst = b""

    def add_instrument(self, str inst_id, int instrument) -> None:
        """Read ``trades``/``tickers``/``bbo-tbt`` pushes of ``inst_id`` into rows of ``instrument``."""
        if not 0 <= instrument <= 65535:
            raise ValueError(f"instrument {instrument} does not fit the row's uint16")
        self._known.setdefault(inst_id, [None, -1])[1] = instrument
        self._last_inst = b""

    @property
    def ts(self) -> int:
        """``data[0].ts`` (ms)."""
        return self._ts

    @property
    def seq(self):
        """``seqId``, or ``None`` when absent."""
        return self._seq if self._seen & SEQ else None

    @property
    def prev(self):
        """``prevSeqId``, or ``None`` when absent."""
        return self._prev if self._seen & PREV else None

    @property
    def checksum(self):
        """``checksum``, or ``None`` when absent."""
        return self._checksum if self._seen & CHECKSUM else None

    def scan(self, frame) -> bool:
        """Read ``frame`` (``str`` or ``bytes``); ``True`` when it is a canonical book push of an added
        instrument, whose fields are then this scanner's attributes until the next call."""
        return self.read(frame, 0) == BOOK

    def read(self, frame, int64_t ts_recv) -> int:
        """Read ``frame`` (``str`` or ``bytes``): ``PUSH_BOOK`` for a canonical book push of an instrument
        :meth:`add`-ed (its fields are then this scanner's attributes), ``PUSH_TRADES``/``PUSH_QUOTES`` for
        a canonical trades / tickers or bbo-tbt push of one :meth:`add_instrument`-ed (its rows are then
        :attr:`rows`, received at ``ts_recv``), ``0`` for anything else."""
        cdef Py_ssize_t n, i, key, end
        cdef const char* s = frame_bytes(frame, &n)
        cdef bint more = True
        cdef Grid grid
        if s == NULL:
            return NONE
        self._seen = 0
        self._mode = NONE
        self.bids.reset(1, s, frame)
        self.asks.reset(-1, s, frame)
        i = ws(s, 0, n)
        if i >= n or s[i] != c'{':
            return NONE
        i = ws(s, i + 1, n)
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return NONE
            if same_text(s, key, end, b"arg"):
                i = self._arg(s, i, n, &grid)
            elif same_text(s, key, end, b"action"):
                i = self._action(s, i, n)
            elif same_text(s, key, end, b"data"):
                # the channel and grid come from ``arg``: a push that names them later is left to the decoder
                i = self._data(s, i, n, &grid) if self._seen & ARG and not self._seen & DATA else -1
            elif same_text(s, key, end, b"event"):
                return NONE
            else:
                i = skip_value(s, i, n, 1)
            if i < 0:
                return NONE
            i = member_end(s, i, n, &more)
            if i < 0:
                return NONE
        if ws(s, i, n) != n or not self._seen & DATA:
            return NONE
        if self._mode == BOOK:
            return BOOK if self._seen & (ACTION | BIDS | ASKS | TS) == (ACTION | BIDS | ASKS | TS) else NONE
        if self._mode == TRADES:
            self.rows = trade_array(&self._trades, ts_recv, self._instrument)
            return TRADES
        self.rows = quote_array(&self._quote, ts_recv, self._instrument)
        return QUOTES

    cdef Py_ssize_t _arg(self, const char* s, Py_ssize_t i, Py_ssize_t n, Grid* grid) except -2:
        cdef Py_ssize_t key, end, channel = -1, channel_end = 0, inst = -1, inst_end = 0
        cdef bint more = True
        if self._seen & ARG or i >= n or s[i] != c'{':
            return -1
        self._seen |= ARG
        i = ws(s, i + 1, n)
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return -1
            if same_text(s, key, end, b"channel") and channel < 0:
                i = string_at(s, i, n, &channel)
                channel_end = i - 1
            elif same_text(s, key, end, b"instId") and inst < 0:
                i = string_at(s, i, n, &inst)
                inst_end = i - 1
            elif same_text(s, key, end, b"channel") or same_text(s, key, end, b"instId"):
                return -1  # repeated: the decoder keeps the last one
            else:
                i = skip_value(s, i, n, 2)
            if i < 0:
                return -1
            i = member_end(s, i, n, &more)
            if i < 0:
                return -1
        if channel < 0 or inst < 0:
            return -1
        if inst_end > inst and same_text(s, inst, inst_end, self._last_inst):
            entry = self._last_entry
        else:
            name = PyUnicode_DecodeASCII(s + inst, inst_end - inst, NULL)
            entry = self._known.get(name)
            if entry is None:
                return -1
            self._last_name, self._last_entry, self._last_inst = name, entry, s[inst:inst_end]
        if same_text(s, channel, channel_end, self._channel):
            if entry[0] is None:
                return -1
            self._mode = BOOK
            self.inst_id = self._last_name
            grid_of(<TickScale>entry[0], grid)
            return i
        if <int>entry[1] < 0:
            return -1
        self._instrument = <int>entry[1]
        self._mode = (TRADES if same_text(s, channel, channel_end, b"trades")
                      else _TICKERS if same_text(s, channel, channel_end, b"tickers")
                      else _BBO if same_text(s, channel, channel_end, b"bbo-tbt") else NONE)
        return i if self._mode != NONE else -1

    cdef Py_ssize_t _action(self, const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
        cdef Py_ssize_t at
        cdef Py_ssize_t end = string_at(s, i, n, &at)
        if end < 0 or self._seen & ACTION:
            return -1
        self._seen |= ACTION
        if same_text(s, at, end - 1, b"snapshot"):
            self.snapshot = True
        elif same_text(s, at, end - 1, b"update"):
            self.snapshot = False
        else:
            return -1
        return end

    cdef Py_ssize_t _data(self, const char* s, Py_ssize_t i, Py_ssize_t n, const Grid* grid) except -2:
        cdef Py_ssize_t key, end, at
        cdef bint more = True
        cdef int bit
        self._seen |= DATA
        if self._mode == TRADES:
            return trades(s, i, n, &self._trades)
        if self._mode != BOOK:
            i = quote(s, i, n, self._mode == _BBO, &self._quote)
            self._mode = QUOTES
            return i
        if i >= n or s[i] != c'[':
            return -1
        i = ws(s, i + 1, n)
        if i >= n or s[i] != c'{':
            return -1
        i = ws(s, i + 1, n)
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return -1
            bit = (BIDS if same_text(s, key, end, b"bids") else ASKS if same_text(s, key, end, b"asks")
                   else TS if same_text(s, key, end, b"ts") else CHECKSUM if same_text(s, key, end, b"checksum")
                   else SEQ if same_text(s, key, end, b"seqId") else PREV if same_text(s, key, end, b"prevSeqId")
                   else 0)
            if bit & self._seen:
                return -1  # repeated: the decoder keeps the last one
            self._seen |= bit
            if bit == BIDS:
                i = scan_levels(s, i, n, grid, False, self.bids)
            elif bit == ASKS:
                i = scan_levels(s, i, n, grid, False, self.asks)
            elif bit == TS:
                if i < n and s[i] == c'"':
                    end = string_at(s, i, n, &at)
                    i = end if end >= 0 and _digits(s, at, end - 1, &self._ts) else -1
                else:
                    i = read_int(s, i, n, &self._ts)
            elif bit == CHECKSUM:
                i = read_int(s, i, n, &self._checksum)
            elif bit == SEQ:
                i = read_int(s, i, n, &self._seq)
            elif bit == PREV:
                i = read_int(s, i, n, &self._prev)
            else:
                i = skip_value(s, i, n, 3)
            if i < 0:
                return -1
            i = member_end(s, i, n, &more)
            if i < 0:
                return -1
        i = ws(s, i, n)
        return i + 1 if i < n and s[i] == c']' else -1  # exactly one item: the decoder refuses others


cdef bint _digits(const char* s, Py_ssize_t at, Py_ssize_t end, int64_t* out) noexcept nogil:
    """``s[at:end]`` is 1 to 18 ASCII digits (what ``int(text)`` reads the same way): its value."""
    cdef int64_t v = 0
    if end <= at or end - at > 18:
        return False
    while at < end:
        if not c'0' <= s[at] <= c'9':
            return False
        v = v * 10 + (s[at] - c'0')
        at += 1
    out[0] = v
    return True
