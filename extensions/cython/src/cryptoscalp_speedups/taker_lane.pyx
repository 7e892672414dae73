# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The backtest's taker fast lane: market orders on trade-only instruments, in integer ticks and lots.

The engine hands a batch's trade rows and decision points (target lots per decision) to
:meth:`TakerLane.run`. The lane plays the simulated venue's rules for this one case exactly as
``cryptoscalp_core.sim`` does (entry latency, ordered channels, acceptance with the float margin test,
the fill at the first trade at or after arrival, one response-latency draw per venue instant, the
strategy learning of reports only when they are delivered) and records what happened in flat arrays.

Money is exact: with ``pq = tick x lot x multiplier = P * 10**-a`` and a taker rate ``R * 10**-b``, every
amount is an int64 count of ``10**-K`` (``K = max(a + b)``), so realised PnL and fees are the same
numbers the Decimal path computes. Floats are used only where the venue itself uses them (valuation,
margin and liquidation tests), and there with a wider safety margin than the venue's: anything the lane
cannot decide with certainty, or does not model (a rejection, a reduce-only cap, a second order in
flight, scaling into a position, which re-averages the entry price in Decimal), stops it.

It stops at the last *checkpoint*: a decision point (or the end of the rows) where nothing was in
flight, every report had been delivered and the state is therefore fully described by positions and
balance. The caller exports that state to the general objects and carries on there.
"""

from libc.math cimport isnan, nearbyint, fabs
from libc.stdint cimport int64_t, uint16_t

import numpy as np

cdef enum:
    MAXI = 32

cdef double SAFE = 1e-4  # relative headroom the lane demands before trusting a float margin test

cdef struct Pos:
    int64_t lots
    int64_t avg        # entry price in ticks, 0 when flat
    int64_t realised   # 10**-K units
    int64_t fees       # 10**-K units
    int64_t turnover   # 10**-a units of the instrument

cdef struct State:
    Pos v[MAXI]            # the venue's positions
    Pos k[MAXI]            # the strategy's (from delivered reports)
    double last[MAXI]      # last trade price per instrument
    int64_t balance        # venue balance, 10**-K units
    int64_t now, ids, entry_last, resp_last, reply_now, reply_at, cids
    int64_t orders, fills, late, decisions
    # 0 nothing in flight, 1 sent, 2 accepted waiting for a trade, 3 filled and 4 cancelled (report on its
    # way), 5 the strategy has the final report but a cancel that will come too late is still on its way
    int stage
    int o_inst, o_sign, o_reduce
    int64_t o_lots, o_arrival, o_ack_deliv, o_fill_deliv
    int o_ack_done
    int o_cancel           # 1 while a cancel of the order is on its way to the venue
    int64_t o_cancel_arrival
    int64_t cancels, too_late
    int64_t s_next
    double s_last
    Py_ssize_t n_orders, n_samples


cdef class TakerLane:
    """Parameters per instrument (arrays of length ``n``) and the lane's state between calls.

    ``tick_num / 10**tick_dec`` is the tick size and ``lot_num / 10**lot_dec`` the lot size (for exact
    float conversions of prices and quantities); ``pq_num, pq_dec`` the tick x lot x multiplier;
    ``rate_num, rate_dec`` the taker fee rate; ``min_lots`` the smallest accepted order in lots;
    ``min_notional`` (float, 0: none) the venue minimum notional.
    """

    cdef State st, ck
    cdef int n
    cdef double tick[MAXI]
    cdef double mult[MAXI]
    cdef int64_t tick_num[MAXI]
    cdef int64_t lot_num[MAXI]
    cdef int64_t pq_num[MAXI]
    cdef int64_t rate_num[MAXI]
    cdef int64_t min_lots[MAXI]
    cdef int tick_dec[MAXI]
    cdef int lot_dec[MAXI]
    cdef int pq_dec[MAXI]
    cdef int rate_dec[MAXI]
    cdef double min_notional[MAXI]
    cdef int64_t scale_r[MAXI]
    cdef int64_t scale_f[MAXI]
    cdef double bound[MAXI]
    cdef double p10[23]
    cdef int K
    cdef double lev, mmr
    cdef int liquidation
    cdef int64_t entry_ns, resp_ns, step_ns
    cdef public object orders     # int64 array (capacity, 14): see ORDER_COLUMNS
    cdef public object samples    # float64 array (capacity, 5): price, qty, base, avg, mult
    cdef public object sample_ts  # int64 array (capacity,): the grid points

    def __init__(self, tick_num, tick_dec, lot_num, lot_dec, mult, pq_num, pq_dec, rate_num, rate_dec,
                 min_lots, min_notional, *, int money_dec, double leverage, double mmr, bint liquidation,
                 int64_t entry_ns, int64_t resp_ns, int64_t step_ns):
        cdef int i, n = len(tick_num)
        if n > MAXI or n == 0:
            raise ValueError(f"the taker lane handles 1..{MAXI} instruments, got {n}")
        if money_dec > 22:
            raise ValueError("money needs more than 22 decimals: use the general path")
        self.n = n
        self.K = money_dec
        for i in range(23):
            self.p10[i] = 10.0 ** i
        for i in range(n):
            self.tick_num[i], self.tick_dec[i] = tick_num[i], tick_dec[i]
            self.lot_num[i], self.lot_dec[i] = lot_num[i], lot_dec[i]
            self.tick[i] = self.tick_num[i] / self.p10[self.tick_dec[i]]
            self.mult[i] = mult[i]
            self.pq_num[i], self.pq_dec[i] = pq_num[i], pq_dec[i]
            self.rate_num[i], self.rate_dec[i] = rate_num[i], rate_dec[i]
            self.min_lots[i] = min_lots[i]
            self.min_notional[i] = min_notional[i]
            if self.pq_dec[i] + self.rate_dec[i] > money_dec:
                raise ValueError("money_dec is smaller than an instrument's pq_dec + rate_dec")
            self.scale_r[i] = <int64_t>(10 ** (money_dec - self.pq_dec[i]))
            self.scale_f[i] = <int64_t>(10 ** (money_dec - self.pq_dec[i] - self.rate_dec[i]))
            self.bound[i] = max(<double>self.scale_r[i], <double>self.rate_num[i] * self.scale_f[i])
        self.lev, self.mmr, self.liquidation = leverage, mmr, liquidation
        self.entry_ns, self.resp_ns, self.step_ns = entry_ns, resp_ns, step_ns
        self.orders = np.zeros((0, 14), dtype=np.int64)
        self.samples = np.zeros((0, 5), dtype=np.float64)
        self.sample_ts = np.zeros(0, dtype=np.int64)

    # -- state in and out (Python side, at checkpoints only) ---------------------------------------------
    def load(self, dict s):
        """Set the state from plain numbers: the keys :meth:`dump` returns."""
        cdef int i
        for i in range(self.n):
            self.st.v[i].lots, self.st.v[i].avg = s["lots"][i], s["avg"][i]
            self.st.v[i].realised, self.st.v[i].fees = s["realised"][i], s["fees"][i]
            self.st.v[i].turnover = s["turnover"][i]
            self.st.k[i] = self.st.v[i]
            self.st.last[i] = s["last"][i]
        self.st.balance = s["balance"]
        self.st.now, self.st.ids = s["now"], s["ids"]
        self.st.entry_last, self.st.resp_last = s["entry_last"], s["resp_last"]
        self.st.reply_now, self.st.reply_at = s["reply_now"], s["reply_at"]
        self.st.cids = s["cids"]
        self.st.s_next, self.st.s_last = s["s_next"], s["s_last"]
        self.st.orders = self.st.fills = self.st.late = self.st.decisions = 0
        self.st.cancels = self.st.too_late = 0
        self.st.stage = self.st.o_cancel = 0
        self.st.n_orders = self.st.n_samples = 0

    def dump(self):
        """The state at the last checkpoint, as plain numbers."""
        cdef int i
        cdef State* s = &self.st
        return {"lots": [s.v[i].lots for i in range(self.n)], "avg": [s.v[i].avg for i in range(self.n)],
                "realised": [s.v[i].realised for i in range(self.n)],
                "fees": [s.v[i].fees for i in range(self.n)],
                "turnover": [s.v[i].turnover for i in range(self.n)],
                "last": [s.last[i] for i in range(self.n)], "balance": s.balance, "now": s.now, "ids": s.ids,
                "entry_last": s.entry_last, "resp_last": s.resp_last, "reply_now": s.reply_now,
                "reply_at": s.reply_at, "cids": s.cids, "s_next": s.s_next, "s_last": s.s_last,
                "orders": s.orders, "fills": s.fills, "late": s.late, "decisions": s.decisions,
                "cancels": s.cancels, "too_late": s.too_late,
                "n_orders": s.n_orders, "n_samples": s.n_samples}

    # -- the run -----------------------------------------------------------------------------------------
    def run(self, const int64_t[::1] ts_event, const int64_t[::1] ts_recv, const uint16_t[::1] inst,
            const double[::1] price, Py_ssize_t row0, const int64_t[::1] dec_end, const int64_t[::1] dec_ts,
            const int64_t[::1] dec_inst, const int64_t[::1] dec_lots, Py_ssize_t k0, bint sample):
        """Run from row ``row0`` and decision ``k0`` (their rows and reports up to the decision's time
        already done). Returns ``(row, k, why)``: the checkpoint reached (``row == len(rows)`` and ``k ==
        len(decisions)`` when the lane finished the batch) and why it stopped there ('' when finished)."""
        cdef Py_ssize_t n = ts_event.shape[0], nd = dec_end.shape[0], r, k = k0
        cdef Py_ssize_t ck_row = row0, ck_k = k0
        cdef int why = 0
        cdef int64_t[:, ::1] out_o
        cdef double[:, ::1] out_s
        cdef int64_t[::1] out_t
        self._reserve(nd - k0 + 1, n - row0, ts_recv, row0, sample)
        out_o, out_s, out_t = self.orders, self.samples, self.sample_ts
        self.st.orders = self.st.fills = self.st.late = self.st.decisions = 0
        self.st.cancels = self.st.too_late = 0
        self.st.n_orders = self.st.n_samples = 0
        self.ck = self.st
        r = row0
        # plain C from here: the replay's reader and the store's writer threads run Python meanwhile
        with nogil:
            while True:
                while k < nd and dec_end[k] <= r:
                    self._deliver(dec_ts[k], True)
                    if self.st.stage == 0:
                        self.ck = self.st
                        ck_row, ck_k = r, k
                    why = self._decide(dec_ts[k], <int>dec_inst[k], dec_lots[k], out_o)
                    if why:
                        break
                    k += 1
                if why or r >= n:
                    break
                why = self._row(ts_event[r], ts_recv[r], inst[r], price[r], sample, out_o, out_s, out_t)
                if why:
                    break
                r += 1
            if not why:
                self._deliver(ts_recv[n - 1], True)
                if self.st.stage == 0:
                    self.ck = self.st
                    ck_row, ck_k = n, nd
        self.st = self.ck
        return ck_row, ck_k, _REASONS[why]

    cdef void _reserve(self, Py_ssize_t decisions, Py_ssize_t rows, const int64_t[::1] ts_recv, Py_ssize_t row0,
                       bint sample):
        cdef Py_ssize_t grid = 0
        if self.orders.shape[0] < decisions:
            self.orders = np.zeros((decisions, 14), dtype=np.int64)
        if sample and rows > 0 and self.step_ns > 0:
            grid = (ts_recv[row0 + rows - 1] - min(ts_recv[row0], self.st.s_next if self.st.s_next >= 0
                                                    else ts_recv[row0])) // self.step_ns + 2
        if self.samples.shape[0] < grid:
            self.samples = np.zeros((grid, 5), dtype=np.float64)
            self.sample_ts = np.zeros(grid, dtype=np.int64)

    cdef int _decide(self, int64_t t, int i, int64_t target, int64_t[:, ::1] out) noexcept nogil:
        cdef State* s = &self.st
        cdef int64_t known, delta, lots
        cdef int reduce
        cdef Py_ssize_t j
        s.decisions += 1
        s.cids += 1
        known = s.k[i].lots
        delta = target - known
        if s.stage != 0:
            # The engine cancels the instrument's open order (the venue refuses a second cancel while one
            # is on its way), then orders target - known: modelled while that is nothing, so that one
            # order at most is ever in flight.
            if s.o_inst == i and s.stage <= 4 and not s.o_cancel:
                if s.stage >= 3:
                    return 1  # a cancel after the venue finished the order: not modelled
                s.o_cancel = 1
                s.o_cancel_arrival = max(t + self.entry_ns, s.entry_last)
                s.entry_last = s.o_cancel_arrival
            return 0 if delta == 0 else 1
        if delta == 0:
            return 0
        lots = delta if delta > 0 else -delta
        reduce = known != 0 and _abs(target) < _abs(known) and (target == 0 or (target > 0) == (known > 0))
        s.stage, s.o_inst, s.o_sign, s.o_lots, s.o_reduce = 1, i, (1 if delta > 0 else -1), lots, reduce
        s.o_arrival = max(t + self.entry_ns, s.entry_last)
        s.entry_last = s.o_arrival
        s.o_ack_done = 0
        s.orders += 1
        j = s.n_orders
        out[j, 0], out[j, 1], out[j, 2], out[j, 3] = s.cids, i, s.o_sign, lots
        out[j, 4], out[j, 5] = reduce, t
        out[j, 13] = 0
        s.n_orders += 1
        return 0

    cdef inline int64_t _reply(self) noexcept nogil:
        cdef State* s = &self.st
        if s.reply_now != s.now:
            s.reply_now = s.now
            s.reply_at = max(s.now + self.resp_ns, s.resp_last)
            s.resp_last = s.reply_at
        return s.reply_at

    cdef void _deliver(self, int64_t t, bint inclusive) noexcept nogil:
        """Reports due by ``t`` (``inclusive``) or before it reach the strategy."""
        cdef State* s = &self.st
        if s.stage >= 2 and not s.o_ack_done and (s.o_ack_deliv <= t if inclusive else s.o_ack_deliv < t):
            s.o_ack_done = 1
        if (s.stage == 3 or s.stage == 4) and (s.o_fill_deliv <= t if inclusive else s.o_fill_deliv < t):
            if s.stage == 3:
                s.k[s.o_inst] = s.v[s.o_inst]
            s.stage = 5 if s.o_cancel else 0

    cdef int _arrive(self, int64_t[:, ::1] out) noexcept nogil:
        cdef State* s = &self.st
        cdef int i = s.o_inst
        cdef double ref, qty_f, need, equity, used, q, p
        cdef int64_t held = s.v[i].lots, increase, ref_ticks
        cdef int j
        if s.o_arrival < s.now:
            s.late += 1
        if s.o_arrival > s.now:
            s.now = s.o_arrival
        if s.o_lots < self.min_lots[i]:
            return 2
        ref = s.last[i]
        qty_f = s.o_lots * self.lot_num[i] / self.p10[self.lot_dec[i]]
        if not isnan(ref) and self.min_notional[i] > 0 and not (
                ref * qty_f * self.mult[i] > self.min_notional[i] * (1 + SAFE)):
            return 2
        if s.o_reduce and held * s.o_sign >= 0:
            return 2
        if not isnan(ref):
            increase = s.o_lots if held * s.o_sign >= 0 else max(<int64_t>0, s.o_lots - _abs(held))
            if increase:
                equity, used = self._valuation()
                used = used / self.lev
                ref_ticks = <int64_t>nearbyint(ref / self.tick[i])
                need = ((ref_ticks * self.tick_num[i] / self.p10[self.tick_dec[i]])
                        * (increase * self.lot_num[i] / self.p10[self.lot_dec[i]]) * self.mult[i] / self.lev)
                if not (equity - used - need > SAFE * (fabs(equity) + used + need)):
                    return 3
        s.ids += 1
        s.o_ack_deliv = self._reply()
        out[s.n_orders - 1, 6] = s.o_arrival
        out[s.n_orders - 1, 7] = s.ids
        out[s.n_orders - 1, 8] = s.o_ack_deliv
        s.stage = 2
        return self._liquidation_check()

    cdef int _cancel_arrives(self, int64_t[:, ::1] out) noexcept nogil:
        """The cancel reaches the venue: the order, if still waiting for a trade, ends CANCELED (its report
        at the next response draw); a filled one is a cancel too late."""
        cdef State* s = &self.st
        cdef Py_ssize_t j = s.n_orders - 1
        if s.o_cancel_arrival < s.now:
            s.late += 1
        if s.o_cancel_arrival > s.now:
            s.now = s.o_cancel_arrival
        s.o_cancel = 0
        if s.stage == 2:
            s.cancels += 1
            s.o_fill_deliv = self._reply()  # the CANCELED report travels like a fill's
            out[j, 13] = 1
            out[j, 12] = s.o_fill_deliv
            s.stage = 4
        else:  # filled already (stage 3, or 5 once its report was delivered)
            s.too_late += 1
            if s.stage == 5:
                s.stage = 0
        return self._liquidation_check()

    cdef (double, double) _valuation(self) noexcept nogil:
        """(equity, notional) from the venue's positions at the last trade prices, as the venue's floats."""
        cdef State* s = &self.st
        cdef double equity = s.balance / self.p10[self.K], notional = 0.0, q, p, avg
        cdef int i
        for i in range(self.n):
            p = s.last[i]
            if s.v[i].lots and not isnan(p):
                q = s.v[i].lots * self.lot_num[i] / self.p10[self.lot_dec[i]]
                avg = s.v[i].avg * self.tick_num[i] / self.p10[self.tick_dec[i]]
                equity += q * (p - avg) * self.mult[i]
                notional += fabs(q) * p * self.mult[i]
        return equity, notional

    cdef int _liquidation_check(self) noexcept nogil:
        cdef double equity, notional, maintenance
        cdef int i
        if not self.liquidation:
            return 0
        for i in range(self.n):
            if self.st.v[i].lots:
                break
        else:
            return 0
        equity, notional = self._valuation()
        maintenance = self.mmr * notional
        if equity - maintenance > SAFE * (fabs(equity) + maintenance):
            return 0
        return 4

    cdef int _fill(self, int64_t ticks, int64_t[:, ::1] out) noexcept nogil:
        cdef State* s = &self.st
        cdef int i = s.o_inst
        cdef Pos* v = &s.v[i]
        cdef int64_t lots = s.o_lots, signed = s.o_sign * s.o_lots, closing, fee, realised = 0
        cdef int64_t direction
        cdef Py_ssize_t j = s.n_orders - 1
        if s.o_reduce and (v.lots * s.o_sign >= 0 or lots > _abs(v.lots)):
            return 5  # the venue would cap it (reduce-only): not modelled here
        if v.lots != 0 and (v.lots > 0) == (signed > 0):
            return 6  # scaling in re-averages the entry price in Decimal
        if ticks <= 0 or <double>(ticks + _abs(v.avg)) * lots * self.pq_num[i] * self.bound[i] > 4e18:
            return 7  # int64 products could overflow
        fee = ticks * lots * self.pq_num[i] * self.rate_num[i] * self.scale_f[i]
        v.fees += fee
        v.turnover += ticks * lots * self.pq_num[i]
        if v.lots == 0:
            v.lots, v.avg = signed, ticks
        else:
            closing = min(lots, _abs(v.lots))
            direction = 1 if v.lots > 0 else -1
            realised = (ticks - v.avg) * closing * direction * self.pq_num[i] * self.scale_r[i]
            v.realised += realised
            v.lots += signed
            if v.lots == 0:
                v.avg = 0
            elif (v.lots > 0) != (direction > 0):
                v.avg = ticks
        s.balance += realised - fee
        if _abs(s.balance) > (<int64_t>1 << 53) or _abs(v.realised - v.fees) > (<int64_t>1 << 53):
            return 7  # beyond exact float conversion: let Decimal do it
        s.ids += 1
        s.fills += 1
        s.o_fill_deliv = self._reply()
        out[j, 9] = s.ids
        out[j, 10] = ticks
        out[j, 11] = s.now
        out[j, 12] = s.o_fill_deliv
        s.stage = 3
        return 0

    cdef int _row(self, int64_t te, int64_t tr, int i, double p, bint sample, int64_t[:, ::1] out_o,
                  double[:, ::1] out_s, int64_t[::1] out_t) noexcept nogil:
        cdef State* s = &self.st
        cdef int why
        self._deliver(tr, False)
        if sample and i == 0:
            self._sample(tr, p, out_s, out_t)
        if s.stage == 1 and s.o_arrival <= te:
            why = self._arrive(out_o)
            if why:
                return why
        if s.o_cancel and s.o_cancel_arrival <= te:
            why = self._cancel_arrives(out_o)
            if why:
                return why
        if te > s.now:
            s.now = te
        s.last[i] = p
        if s.stage == 2 and s.o_inst == i and s.o_arrival <= te:
            why = self._fill(<int64_t>nearbyint(p / self.tick[i]), out_o)
            if why:
                return why
        return self._liquidation_check()

    cdef void _sample(self, int64_t ts, double p, double[:, ::1] out, int64_t[::1] out_t) noexcept nogil:
        """The equity sampler's grid points up to ``ts`` (instrument 0's rows only)."""
        cdef State* s = &self.st
        cdef Py_ssize_t j = s.n_samples
        cdef int i
        cdef double base, q, avg, price, other
        if j > 0 and out_t[j - 1] == ts:
            out[j - 1, 0] = p  # rows at the same time: the grid point takes the last one's price
        if s.s_next < 0:
            s.s_next = ts
        if s.s_next <= ts:
            q = s.k[0].lots * self.lot_num[0] / self.p10[self.lot_dec[0]]
            avg = s.k[0].avg * self.tick_num[0] / self.p10[self.tick_dec[0]]
            base = (s.k[0].realised - s.k[0].fees) / self.p10[self.K]
            other = 0.0
            for i in range(1, self.n):
                other = other + (s.k[i].realised - s.k[i].fees) / self.p10[self.K]
            base = base + other
            while s.s_next <= ts:
                price = s.s_last if s.s_next < ts else p
                if price == price:
                    out_t[j] = s.s_next
                    out[j, 0], out[j, 1], out[j, 2], out[j, 3], out[j, 4] = price, q, base, avg, self.mult[0]
                    j += 1
                s.s_next += self.step_ns
            s.n_samples = j
        s.s_last = p


cdef inline int64_t _abs(int64_t x) noexcept nogil:
    return -x if x < 0 else x


_REASONS = ("", "order_in_flight", "venue_would_reject", "margin_close", "liquidation_close", "reduce_only_cap",
            "scale_in", "number_range")

ORDER_COLUMNS = ("cid_seq", "inst", "sign", "lots", "reduce_only", "ts_created", "arrival", "ack_id",
                 "ack_delivery", "fill_id", "fill_ticks", "fill_ts", "fill_delivery", "cancelled")
