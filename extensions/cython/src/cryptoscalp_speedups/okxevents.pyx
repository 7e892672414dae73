# cython: language_level=3
# distutils: language = c++
"""OKX ``trades``, ``tickers`` and ``bbo-tbt`` data arrays read from the frame bytes → TRADE / QUOTE rows.

The rows are exactly those of the plugin's decoder (``int(ts) * 1e6`` ns, ``float(text)`` prices and
sizes), but only for pushes in the canonical form OKX sends: every field the row needs present once,
prices and sizes plain decimal strings (``rawlevels.number_at``), ``ts``/``tradeId`` digit strings or
integers, ``side`` ``buy``/``sell``, a price above 0, a size not below 0 (above 0 for a trade). Anything
else makes the reader give up (``-1``), for the decoder to decide (usually: a counted drop).
"""

cimport numpy as cnp
from libc.stdint cimport INT64_MAX, int8_t, int64_t, uint16_t
from libcpp.vector cimport vector

from cryptoscalp_speedups.rawlevels cimport (key_at, member_end, new_array, number_at, read_int, same_text,
                                             skip_value, string_at, ws)

from cryptoscalp_speedups.eventrows import QUOTE_DTYPE, TRADE_DTYPE

cnp.import_array()

cdef cnp.dtype _TRADE = TRADE_DTYPE
cdef cnp.dtype _QUOTE = QUOTE_DTYPE
assert TRADE_DTYPE.itemsize == sizeof(TradeRow) and QUOTE_DTYPE.itemsize == sizeof(QuoteRow)

cdef enum:
    TS = 1
    ID = 2
    PX = 4
    SZ = 8
    SIDE = 16
    BID_PX = 32
    BID_SZ = 64
    ASK_PX = 128
    ASK_SZ = 256
    SEQ = 512
    BIDS = 1024
    ASKS = 2048

cdef int64_t _MS = 1000000


cdef Py_ssize_t _whole(const char* s, Py_ssize_t i, Py_ssize_t n, int64_t* out) noexcept nogil:
    """``ts`` / ``tradeId``: a string of 1 to 18 digits or a non-negative integer (``int()`` of either)."""
    cdef Py_ssize_t at, end
    cdef int64_t v = 0
    if i < n and s[i] != c'"':
        end = read_int(s, i, n, out)
        return end if end >= 0 and out[0] >= 0 else -1
    end = string_at(s, i, n, &at)
    if end < 0 or end - 1 <= at or end - 1 - at > 18:
        return -1
    while at < end - 1:
        if not c'0' <= s[at] <= c'9':
            return -1
        v = v * 10 + (s[at] - c'0')
        at += 1
    out[0] = v
    return end


cdef Py_ssize_t _open_item(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    i = ws(s, i, n)
    return ws(s, i + 1, n) if i < n and s[i] == c'{' else -1


cdef Py_ssize_t _rest(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """After the data array's first item: skip the others, return the position after the ``]``."""
    i = ws(s, i, n)
    while i < n and s[i] == c',':
        i = skip_value(s, ws(s, i + 1, n), n, 2)
        if i < 0:
            return -1
        i = ws(s, i, n)
    return i + 1 if i < n and s[i] == c']' else -1


cdef Py_ssize_t trades(const char* s, Py_ssize_t i, Py_ssize_t n, vector[TradeRow]* out) except -2:
    """``data`` of a ``trades`` push (at least one trade) → rows; ``ts_recv``/``instrument`` left to the caller."""
    cdef Py_ssize_t key, end, at
    cdef bint more
    cdef int seen, bit
    cdef TradeRow row
    cdef int64_t ts = 0, trade_id = 0
    cdef double price = 0.0, qty = 0.0
    cdef int side = 0
    out.clear()
    if i >= n or s[i] != c'[':
        return -1
    i += 1
    while True:
        i = _open_item(s, i, n)
        if i < 0:
            return -1
        seen, more = 0, True
        while more:
            i = key_at(s, i, n, &key, &end)
            if i < 0:
                return -1
            bit = (TS if same_text(s, key, end, b"ts") else ID if same_text(s, key, end, b"tradeId")
                   else PX if same_text(s, key, end, b"px") else SZ if same_text(s, key, end, b"sz")
                   else SIDE if same_text(s, key, end, b"side") else 0)
            if bit & seen:
                return -1  # repeated: the decoder keeps the last one
            seen |= bit
            if bit == TS:
                i = _whole(s, i, n, &ts)
            elif bit == ID:
                i = _whole(s, i, n, &trade_id)
            elif bit == PX:
                i = number_at(s, i, n, &price)
            elif bit == SZ:
                i = number_at(s, i, n, &qty)
            elif bit == SIDE:
                end = string_at(s, i, n, &at)
                side = 1 if end >= 0 and same_text(s, at, end - 1, b"buy") else \
                    -1 if end >= 0 and same_text(s, at, end - 1, b"sell") else 0
                i = end if side else -1
            else:
                i = skip_value(s, i, n, 3)
            if i < 0:
                return -1
            i = member_end(s, i, n, &more)
            if i < 0:
                return -1
        if seen != TS | ID | PX | SZ | SIDE or not price > 0.0 or not qty > 0.0 or ts > INT64_MAX // _MS:
            return -1
        row.ts_event, row.side, row.trade_id, row.price, row.qty = ts * _MS, side, trade_id, price, qty
        out.push_back(row)
        i = ws(s, i, n)
        if i < n and s[i] == c',':
            i += 1
        elif i < n and s[i] == c']':
            return i + 1
        else:
            return -1


cdef Py_ssize_t quote(const char* s, Py_ssize_t i, Py_ssize_t n, bint bbo, QuoteRow* out) except -2:
    """``data`` of a ``tickers`` (``bbo`` False: ``bidPx``/``bidSz``/``askPx``/``askSz``) or ``bbo-tbt``
    push (the first level of ``bids``/``asks``, ``seqId``) → the quote of its first item."""
    cdef Py_ssize_t key, end
    cdef bint more = True
    cdef int seen = 0, bit, need
    cdef int64_t ts = 0, seq = -1
    cdef double bid = 0.0, bid_qty = 0.0, ask = 0.0, ask_qty = 0.0
    if i >= n or s[i] != c'[':
        return -1
    i = _open_item(s, i + 1, n)
    if i < 0:
        return -1
    while more:
        i = key_at(s, i, n, &key, &end)
        if i < 0:
            return -1
        if same_text(s, key, end, b"ts"):
            bit = TS
        elif bbo:
            bit = (BIDS if same_text(s, key, end, b"bids") else ASKS if same_text(s, key, end, b"asks")
                   else SEQ if same_text(s, key, end, b"seqId") else 0)
        else:
            bit = (BID_PX if same_text(s, key, end, b"bidPx") else BID_SZ if same_text(s, key, end, b"bidSz")
                   else ASK_PX if same_text(s, key, end, b"askPx") else ASK_SZ if same_text(s, key, end, b"askSz")
                   else 0)
        if bit & seen:
            return -1
        seen |= bit
        if bit == TS:
            i = _whole(s, i, n, &ts)
        elif bit == BID_PX:
            i = number_at(s, i, n, &bid)
        elif bit == BID_SZ:
            i = number_at(s, i, n, &bid_qty)
        elif bit == ASK_PX:
            i = number_at(s, i, n, &ask)
        elif bit == ASK_SZ:
            i = number_at(s, i, n, &ask_qty)
        elif bit == BIDS:
            i = _first_level(s, i, n, &bid, &bid_qty)
        elif bit == ASKS:
            i = _first_level(s, i, n, &ask, &ask_qty)
        elif bit == SEQ:
            i = read_int(s, i, n, &seq)
        else:
            i = skip_value(s, i, n, 3)
        if i < 0:
            return -1
        i = member_end(s, i, n, &more)
        if i < 0:
            return -1
    need = TS | BIDS | ASKS if bbo else TS | BID_PX | BID_SZ | ASK_PX | ASK_SZ
    if seen & need != need or not bid > 0.0 or not ask > 0.0 or ts > INT64_MAX // _MS:
        return -1  # sizes are never negative here; a zero size is a valid empty side
    out.ts_event, out.seq, out.bid_price, out.bid_qty, out.ask_price, out.ask_qty = ts * _MS, seq, bid, bid_qty, \
        ask, ask_qty
    return _rest(s, i, n)


cdef Py_ssize_t _first_level(const char* s, Py_ssize_t i, Py_ssize_t n, double* price, double* size) except -2:
    """``[[price, size, ...], ...]``: the first level's two numbers, the rest skipped (at least one level)."""
    if i >= n or s[i] != c'[':
        return -1
    i = ws(s, i + 1, n)
    if i >= n or s[i] != c'[':
        return -1
    i = number_at(s, ws(s, i + 1, n), n, price)
    if i < 0:
        return -1
    i = ws(s, i, n)
    if i >= n or s[i] != c',':
        return -1
    i = number_at(s, ws(s, i + 1, n), n, size)
    if i < 0:
        return -1
    i = ws(s, i, n)
    while i < n and s[i] == c',':
        i = skip_value(s, ws(s, i + 1, n), n, 4)
        if i < 0:
            return -1
        i = ws(s, i, n)
    if i >= n or s[i] != c']':
        return -1
    return _rest(s, i + 1, n)


cdef object trade_array(const vector[TradeRow]* rows, int64_t ts_recv, uint16_t instrument):
    cdef Py_ssize_t k, count = rows.size()
    cdef cnp.ndarray out = new_array(_TRADE, count)
    cdef TradeRow* r = <TradeRow*>cnp.PyArray_DATA(out)
    for k in range(count):
        r[k] = rows.at(k)
        r[k].ts_recv = ts_recv
        r[k].instrument = instrument
    return out


cdef object quote_array(const QuoteRow* row, int64_t ts_recv, uint16_t instrument):
    cdef cnp.ndarray out = new_array(_QUOTE, 1)
    cdef QuoteRow* r = <QuoteRow*>cnp.PyArray_DATA(out)
    r[0] = row[0]
    r.ts_recv = ts_recv
    r.instrument = instrument
    return out
