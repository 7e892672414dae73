"""The book's state and the event handlers the loop in :mod:`~cryptoscalp_feed_synthetic.book_model`
calls for everything but the touch's own adds and cancels (which it inlines for speed).

Rate table layout (``R``), side ``s`` 0 = bid, 1 = ask: ``R[2s]`` add at the touch, ``R[2s+1]`` cancel
at the touch, ``R[4+s]`` in-spread order, then for level ``k >= 1`` ``R[6+4(k-1)+2s]`` add and ``+1``
cancel. Prices: the queue at window position ``p`` of side ``s`` is at ``best[s] - sign(s) * p`` ticks,
``sign`` being +1 for bids and -1 for asks.

Behind each window the book is *materialised* out to a frontier ``F = 3 K`` ticks further (the depth
range the fresh-level distribution is estimated from): those prices hold queues drawn from that
distribution, were emitted, and wait in ``mem`` until the window reaches them. The zone slides with the
window: moving out draws fresh levels at its far end, moving in deletes (emits qty 0 for) what falls
beyond it. So the receiver's book is exactly window + zone, bounded and stationary. A sweep that needs
more than the zone holds first extends it, in its own message, so every trade hits a known level.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp, log, log1p
from typing import TYPE_CHECKING

import numpy as np

from cryptoscalp_feed_synthetic.parameters import ModelParams, SizeModel

if TYPE_CHECKING:
    from cryptoscalp_feed_synthetic.book_model import Chunk

_SIGN = (1, -1)


class SimulationError(RuntimeError):
    """The simulated price reached zero: the instrument's ``mid_price / tick_size`` is far too small."""


@dataclass(frozen=True, slots=True)
class LevelConsts:
    """One level's parameters in lots (sizes as ``(mu, slope, sigma, cap)`` of ln lots)."""

    inv_scale: float
    add_rate: float
    add_theta: float
    cancel_rate: float
    cancel_phi: float
    add_size: tuple[float, float, float, int]
    cancel_size: tuple[float, float, float, int]


def _size(m: SizeModel, lot_qty: float) -> tuple[float, float, float, int]:
    return m.mu - log(lot_qty), m.slope, m.sigma, max(1, round(m.max / lot_qty))


class BookEvents:
    out: Chunk

    def __init__(self, params: ModelParams, *, lot_qty: float, start_bid: int, rng_rare: np.random.Generator) -> None:
        self.K = K = len(params.levels)
        self.level_consts = [LevelConsts(lot_qty / lv.scale, lv.add_rate, lv.add_theta, lv.cancel_rate, lv.cancel_phi,
                                         _size(lv.add_size, lot_qty), _size(lv.cancel_size, lot_qty))
                             for lv in params.levels]
        self._occ = [lv.occupancy for lv in params.levels]
        self._depth = [(lv.depth.mu - log(lot_qty), lv.depth.sigma, max(1, round(lv.depth.max / lot_qty)))
                       for lv in params.levels]
        fl = params.fresh_level
        self._fresh_occ = fl.occupancy
        self._fresh = (fl.depth.mu - log(lot_qty), fl.depth.sigma, max(1, round(fl.depth.max / lot_qty)))
        sp = params.in_spread
        self._in_rate, self._p_close = sp.rate, sp.p_close
        self._in_size = (sp.size.mu - log(lot_qty), sp.size.sigma, max(1, round(sp.size.max / lot_qty)))
        self._rng_rare = rng_rare
        self._rho, self._gamma, self._lot_qty = params.prints.rho, params.prints.gamma, lot_qty
        self._ru: list[float] = []
        self._rz: list[float] = []
        self._ri = 0
        self.depth_beyond = 3 * K
        self.best = [start_bid, start_bid + 1]
        self.frontier = [start_bid - (K - 1), start_bid + 1 + (K - 1)]  # deepest materialised price
        self.Q: list[list[int]] = [[0] * K, [0] * K]
        self.mem: list[dict[int, int]] = [{}, {}]
        self.R = [0.0] * (4 * K + 2)
        self._add_index = [[2 * s if k == 0 else 6 + 4 * (k - 1) + 2 * s for k in range(K)] for s in (0, 1)]
        self._event = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (2, 0, 0), (2, 1, 0)]
        self._event += [(kind, s, k) for k in range(1, K) for s in (0, 1) for kind in (0, 1)]

    # -- random draws for the rare paths -------------------------------------------------------------
    def rare(self) -> tuple[float, float]:
        if self._ri >= len(self._ru):
            self._ru = self._rng_rare.random(1024).tolist()
            self._rz = self._rng_rare.standard_normal(1024).tolist()
            self._ri = 0
        i = self._ri
        self._ri = i + 1
        return self._ru[i], self._rz[i]

    def _draw(self, mu: float, sigma: float, cap: int, z: float) -> int:
        return min(max(int(exp(mu + sigma * z) + 0.5), 1), cap)

    def _fresh_level(self) -> int:
        u, z = self.rare()
        return self._draw(*self._fresh, z) if u < self._fresh_occ else 0

    # -- rates ---------------------------------------------------------------------------------------
    def set_rates(self, s: int, k: int) -> None:
        c = self.level_consts[k]
        q = self.Q[s][k]
        ia = self._add_index[s][k]
        x = q * c.inv_scale
        self.R[ia] = c.add_rate * (1.0 + x) ** -c.add_theta
        self.R[ia + 1] = c.cancel_rate * x**c.cancel_phi if q else 0.0

    def side_rates(self, s: int) -> None:
        for k in range(self.K):
            self.set_rates(s, k)
        wide = self._in_rate if self.best[1] - self.best[0] > 1 else 0.0
        self.R[4] = self.R[5] = wide

    # -- emission ------------------------------------------------------------------------------------
    def delta(self, m: int, s: int, price: int, lots: int) -> None:
        out = self.out
        out.dl_msg.append(m)
        out.dl_side.append(s)
        out.dl_px.append(price)
        out.dl_lots.append(lots)

    def quote(self, m: int) -> None:
        out = self.out
        out.qt_msg.append(m)
        out.qt_bid.append(self.best[0])
        out.qt_bq.append(self.Q[0][0])
        out.qt_ask.append(self.best[1])
        out.qt_aq.append(self.Q[1][0])

    def emit_snapshot(self, m: int) -> None:
        """Draw the initial book (level k non-empty with its occupancy, the touch always) and emit it."""
        for s in (0, 1):
            for k in range(self.K):
                u, z = self.rare()
                if k == 0 or u < self._occ[k]:
                    self.Q[s][k] = self._draw(*self._depth[k], z)
            for k in range(self.K):
                if self.Q[s][k]:
                    self.delta(m, s, self.best[s] - _SIGN[s] * k, self.Q[s][k])
            self.extend(s, m, self.frontier[s] - _SIGN[s] * self.depth_beyond)
            self.side_rates(s)
        self.quote(m)

    # -- events --------------------------------------------------------------------------------------
    def other_event(self, j: int, z: float, m: int) -> None:
        kind, s, k = self._event[j]
        if kind == 2:
            self.improve(s, m)
            return
        c = self.level_consts[k]
        qs = self.Q[s]
        q = qs[k]
        mu, slope, sigma, cap = c.add_size if kind == 0 else c.cancel_size
        lots = self._draw(mu + slope * log1p(q * c.inv_scale), sigma, cap, z)
        qs[k] = q + lots if kind == 0 else max(q - lots, 0)
        self.delta(m, s, self.best[s] - _SIGN[s] * k, qs[k])
        self.set_rates(s, k)

    def market(self, taker: int, lots: int, m: int, t: float) -> int:
        """A market order of ``lots`` walks the opposite side, one print per maker order it fills.
        Uses message ``m`` (and ``m + 1`` when the deep book had to grow first); returns the next."""
        s = 1 - taker
        qs, out = self.Q[s], self.out
        if lots > qs[0] and self._ensure_liquidity(s, lots, m):
            out.msg_t.append(t)
            m += 1
        moved = False
        while lots > 0:
            q, price = qs[0], self.best[s]
            take = q if q < lots else lots
            for part in self._prints(take):
                out.tr_msg.append(m)
                out.tr_side.append(taker)
                out.tr_px.append(price)
                out.tr_lots.append(part)
            lots -= take
            qs[0] = q - take
            self.delta(m, s, price, q - take)
            if q == take:
                self.worsen(s, m, rates=False)
                moved = True
        if moved:
            self.side_rates(s)
        else:
            self.set_rates(s, 0)
        self.quote(m)
        out.msg_t.append(t)
        return m + 1

    def _ensure_liquidity(self, s: int, lots: int, m: int) -> bool:
        """Materialise the deep book until it holds ``lots``, in message ``m`` (its own message, before
        the trades); ``True`` when it emitted anything."""
        sign, mem = _SIGN[s], self.mem[s]
        need = lots - sum(self.Q[s])
        price = self.best[s] - sign * self.K
        while need > 0 and (price - self.frontier[s]) * sign >= 0:
            need -= mem.get(price, 0)
            price -= sign
        emitted = False
        while need > 0:
            added = self.extend(s, m, self.frontier[s] - sign)
            need -= added
            emitted = emitted or added > 0
        return emitted

    def extend(self, s: int, m: int, target: int) -> int:
        """Move side ``s``'s frontier out to ``target``, drawing and emitting the new levels; returns the
        lots added."""
        sign, mem = _SIGN[s], self.mem[s]
        added = 0
        while (self.frontier[s] - target) * sign > 0:
            price = self.frontier[s] = self.frontier[s] - sign
            if price < 1:
                raise SimulationError(f"the bid reached {price} ticks; raise mid_price or use a finer tick")
            q = self._fresh_level()
            if q:
                mem[price] = q
                self.delta(m, s, price, q)
                added += q
        return added

    def _prints(self, take: int) -> list[int]:
        """Split one level's fill into the maker orders it took: a random composition of ``take`` lots."""
        lam = self._rho * (take * self._lot_qty) ** self._gamma
        n = min(1 + int(self._rng_rare.poisson(lam)), take)
        if n == 1:
            return [take]
        # Dirichlet(1, .., 1) weights then a multinomial: every composition of take into n parts is
        # equally likely, in O(n) (choosing n-1 distinct cut points with numpy's choice is O(take))
        weights = self._rng_rare.standard_exponential(n)
        parts = 1 + self._rng_rare.multinomial(take - n, weights / weights.sum())
        return parts.tolist()  # type: ignore[no-any-return]

    def worsen(self, s: int, m: int, *, rates: bool = True) -> None:
        """The touch of side ``s`` is empty: the best price retreats to the next non-empty level."""
        qs, mem, sign, K = self.Q[s], self.mem[s], _SIGN[s], self.K
        while qs[0] == 0:
            j = next((p for p in range(1, K) if qs[p]), K)
            best = self.best[s] = self.best[s] - sign * j
            del qs[:j]
            self.extend(s, m, best - sign * (K - 1 + self.depth_beyond))
            qs.extend(mem.pop(best - sign * p, 0) for p in range(K - j, K))
        if rates:
            self.side_rates(s)

    def improve(self, s: int, m: int) -> None:
        """A limit order inside a wide spread becomes side ``s``'s new best."""
        spread = self.best[1] - self.best[0]
        u, z = self.rare()
        if spread == 2 or u < self._p_close:
            j = spread - 1
        else:  # reuse the uniform's unused part: uniform over the non-closing prices
            j = 1 + int((u - self._p_close) / (1.0 - self._p_close) * (spread - 2))
        lots = self._draw(*self._in_size, z)
        qs, mem, sign, K = self.Q[s], self.mem[s], _SIGN[s], self.K
        old = self.best[s]
        for p in range(max(K - j, 0), K):
            if qs[p]:
                mem[old - sign * p] = qs[p]
        self.Q[s] = [lots] + [0] * (min(j, K) - 1) + qs[: max(K - j, 0)]
        best = self.best[s] = old + sign * j
        self.delta(m, s, best, lots)
        # The zone follows the window in: levels now beyond it are forgotten, and said so.
        target = self.frontier[s] = best - sign * (K - 1 + self.depth_beyond)
        for price in [p for p in mem if (target - p) * sign > 0]:
            del mem[price]
            self.delta(m, s, price, 0)
        self.side_rates(s)  # also switches the in-spread rates off when the spread closed
        self.quote(m)
