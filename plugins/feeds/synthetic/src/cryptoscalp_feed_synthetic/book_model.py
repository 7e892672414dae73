"""Queue-reactive limit order book driven by Hawkes market orders: the event loop.

State: the best bid and ask (integer ticks) and, per side, a window of ``K`` queues (integer lots) at
the best price and the ``K-1`` ticks behind it, plus a materialised zone of deeper levels that moves
with the window (:mod:`~cryptoscalp_feed_synthetic.book_events`). The book a receiver rebuilds from the
emitted deltas is always exactly the simulated one.

Time advances by the next-reaction method: book events form a Poisson process whose rate is constant
between events (it depends on the state only), market orders come from a pre-simulated Hawkes path that
does not depend on the book. A unit exponential "budget" ``E`` is spent at the book's total rate; a
market order arriving first consumes ``rate * dt`` of it and the remainder carries on, which is exact.
The loop is plain Python on lists (numpy scalars are slower one at a time); random numbers are drawn
in blocks. Output rows are column lists, turned into arrays by :mod:`cryptoscalp_feed_synthetic.emit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import exp, inf, log, log1p

import numpy as np

from cryptoscalp_feed_synthetic.book_events import BookEvents
from cryptoscalp_feed_synthetic.hawkes import HawkesStream
from cryptoscalp_feed_synthetic.parameters import ModelParams

_POOL = 4096  # random numbers drawn per refill: big enough to amortise numpy's call cost


@dataclass(slots=True)
class Chunk:
    """Rows of consecutive messages. ``*_msg`` index ``msg_t``; sides are 0 = bid/buy, 1 = ask/sell."""

    msg_t: list[float] = field(default_factory=list)
    tr_msg: list[int] = field(default_factory=list)
    tr_side: list[int] = field(default_factory=list)
    tr_px: list[int] = field(default_factory=list)
    tr_lots: list[int] = field(default_factory=list)
    dl_msg: list[int] = field(default_factory=list)
    dl_side: list[int] = field(default_factory=list)
    dl_px: list[int] = field(default_factory=list)
    dl_lots: list[int] = field(default_factory=list)
    qt_msg: list[int] = field(default_factory=list)
    qt_bid: list[int] = field(default_factory=list)
    qt_bq: list[int] = field(default_factory=list)
    qt_ask: list[int] = field(default_factory=list)
    qt_aq: list[int] = field(default_factory=list)
    snapshot: bool = False  #: the first message is the initial full book


class BookSimulator(BookEvents):
    def __init__(self, params: ModelParams, *, lot_qty: float, start_bid: int, seed: int) -> None:
        seq = np.random.SeedSequence(seed)
        rng_hawkes, rng_book, rng_rare = (np.random.default_rng(s) for s in seq.spawn(3))
        super().__init__(params, lot_qty=lot_qty, start_bid=start_bid, rng_rare=rng_rare)
        self._rng = rng_book
        self._hawkes = HawkesStream(params.hawkes, rng_hawkes)
        self._rng_sizes = rng_hawkes
        lg = log(1.0 / lot_qty)
        self._mkt = (params.market_size.mu + lg, params.market_size.sigma,
                     max(1, round(params.market_size.max / lot_qty)))
        self._mk_t: list[float] = []
        self._mk_side: list[int] = []
        self._mk_lots: list[int] = []
        self._mi = 0
        self._refill_pool()
        self._energy = self._exps[0]
        self.t = 0.0
        self._started = False

    def _refill_pool(self) -> None:
        self._exps = self._rng.standard_exponential(_POOL).tolist()
        self._unis = self._rng.random(_POOL).tolist()
        self._norms = self._rng.standard_normal(_POOL).tolist()
        self._pi = 0

    def _next_market_block(self) -> None:
        """Market orders of the next Hawkes block, ending with a do-nothing sentinel (side -1) at the
        block's end that fetches the following block: a quiet block costs one step, not a search."""
        times, types = self._hawkes.next_block()
        mu, sigma, cap = self._mkt
        lots = np.clip(np.rint(np.exp(mu + sigma * self._rng_sizes.standard_normal(len(times)))), 1, cap)
        self._mk_t = [*times.tolist(), self._hawkes.t]
        self._mk_side = [*types.tolist(), -1]
        self._mk_lots = [*lots.astype(int).tolist(), 0]
        self._mi = 0

    def run(self, t_end: float, max_rows: int) -> Chunk:
        """Messages from the current time until ``t_end`` (exclusive) or until at least ``max_rows`` rows
        exist. Stopping for ``max_rows`` consumes no random number, so the event sequence does not
        depend on how it is cut into chunks."""
        out = Chunk()
        self.out = out
        if not self._started:
            self._started = True
            out.snapshot = True
            self.emit_snapshot(0)
            out.msg_t.append(0.0)
            self._next_market_block()
        msg_t, dl_msg, dl_side, dl_px, dl_lots = out.msg_t, out.dl_msg, out.dl_side, out.dl_px, out.dl_lots
        qt_msg, qt_bid, qt_bq, qt_ask, qt_aq = out.qt_msg, out.qt_bid, out.qt_bq, out.qt_ask, out.qt_aq
        R, Q, best = self.R, self.Q, self.best
        lv0 = self.level_consts[0]
        a0, th0, c0, ph0, im0 = lv0.add_rate, lv0.add_theta, lv0.cancel_rate, lv0.cancel_phi, lv0.inv_scale
        amu, asl, asg, amx = lv0.add_size
        cmu, csl, csg, cmx = lv0.cancel_size
        exps, unis, norms, i = self._exps, self._unis, self._norms, self._pi
        mk_t, mi = self._mk_t, self._mi
        tm = mk_t[mi]
        t, energy = self.t, self._energy
        last = len(R) - 1
        m = len(msg_t)
        tr_msg = out.tr_msg
        while len(dl_msg) + len(qt_msg) + len(tr_msg) < max_rows:
            lam = sum(R)
            tb = t + energy / lam if lam > 0.0 else inf
            if tm <= tb:  # the market order comes first: spend lam * dt of the budget, keep the rest
                if tm >= t_end:
                    break
                energy = max(energy - lam * (tm - t), 0.0)
                t = tm
                if self._mk_side[mi] >= 0:
                    m = self.market(self._mk_side[mi], self._mk_lots[mi], m, t)
                mi += 1
                if mi == len(mk_t):
                    self._next_market_block()
                    mk_t, mi = self._mk_t, self._mi
                tm = mk_t[mi]
                continue
            else:
                if tb >= t_end:
                    break
                t = tb
                u, z = unis[i] * lam, norms[i]
                i += 1
                if i == _POOL:
                    self._refill_pool()
                    exps, unis, norms, i = self._exps, self._unis, self._norms, 0
                energy = exps[i]
                j, acc = 0, R[0]
                while u >= acc and j < last:
                    j += 1
                    acc += R[j]
                if R[j] <= 0.0:  # rounding walked past the end onto an impossible event
                    j = max(k for k in range(len(R)) if R[k] > 0.0)
                if j < 4:  # the touch: inlined, it is most of the traffic
                    s = j >> 1
                    qs = Q[s]
                    q = qs[0]
                    x = q * im0
                    if j & 1:
                        lots = int(exp(cmu + csl * log1p(x) + csg * z) + 0.5) or 1
                        if lots >= q and q <= cmx:
                            qs[0] = 0
                            dl_msg.append(m)
                            dl_side.append(s)
                            dl_px.append(best[s])
                            dl_lots.append(0)
                            self.worsen(s, m)
                            self.quote(m)
                            msg_t.append(t)
                            m += 1
                            continue
                        q -= lots if lots < cmx else cmx
                    else:
                        lots = int(exp(amu + asl * log1p(x) + asg * z) + 0.5) or 1
                        q += lots if lots < amx else amx
                    qs[0] = q
                    x = q * im0
                    R[2 * s] = a0 * (1.0 + x) ** -th0
                    R[2 * s + 1] = c0 * x**ph0
                    dl_msg.append(m)
                    dl_side.append(s)
                    dl_px.append(best[s])
                    dl_lots.append(q)
                    qt_msg.append(m)
                    qt_bid.append(best[0])
                    qt_bq.append(Q[0][0])
                    qt_ask.append(best[1])
                    qt_aq.append(Q[1][0])
                else:
                    self.other_event(j, z, m)
            msg_t.append(t)
            m += 1
        self.t, self._energy, self._pi, self._mi = t, energy, i, mi
        return out
