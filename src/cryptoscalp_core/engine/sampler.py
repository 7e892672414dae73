"""Equity, price and position sampled on a time grid, vectorised between decisions.

Between two decisions the position is constant, so equity over a run of trades is
``net_realised + qty * (price - avg_entry) * multiplier``: one numpy expression per segment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.engine.portfolio import Portfolio
from cryptoscalp_core.ports.market_feed import EventBatch


class EquitySampler:
    """Collects ``(ts, price, position, pnl)`` of instrument 0 plus the account's PnL across instruments."""

    def __init__(self, step_ns: int) -> None:
        self.step_ns = step_ns
        self._next = -1
        self._last_price = float("nan")
        self.ts: list[npt.NDArray[np.int64]] = []
        self.price: list[npt.NDArray[np.float64]] = []
        self.position: list[npt.NDArray[np.float64]] = []
        self.pnl: list[npt.NDArray[np.float64]] = []

    def sample(self, batch: EventBatch, start: int, end: int, portfolio: Portfolio) -> None:
        if batch.kind is not EventKind.TRADE or end <= start:
            return
        rows = batch.rows[start:end]
        rows = rows[rows["instrument"] == 0]
        if not len(rows):
            return
        ts = rows["ts_recv"]
        if self._next < 0:
            self._next = int(ts[0])
        if ts[-1] < self._next:
            self._last_price = float(rows["price"][-1])
            return
        grid = np.arange(self._next, int(ts[-1]) + 1, self.step_ns, dtype=np.int64)
        self._next = int(grid[-1]) + self.step_ns
        # price of the last trade at or before each grid point; points before this segment's first
        # trade take the last price of the previous segment
        idx = np.searchsorted(ts, grid, side="right") - 1
        price = np.where(idx >= 0, rows["price"][np.maximum(idx, 0)], self._last_price)
        self._last_price = float(rows["price"][-1])
        keep = np.isfinite(price)
        grid, price = grid[keep], price[keep]
        inst = portfolio.by_index[0]
        pos = portfolio.positions[inst.id]
        qty = float(pos.qty)
        realised = float(pos.net_realised)
        others = sum(float(p.net_realised) for key, p in portfolio.positions.items() if key != inst.id)
        pnl = realised + others + qty * (price - float(pos.avg_entry_price)) * float(pos.multiplier)
        self.ts.append(grid)
        self.price.append(price)
        self.position.append(np.full(len(grid), qty))
        self.pnl.append(pnl)

    def append_lane(self, ts: npt.NDArray[np.int64], cols: npt.NDArray[np.float64], next_ts: int,
                    last_price: float) -> None:
        """Grid points the taker fast lane sampled: columns price, qty, base PnL, entry price, multiplier
        (the PnL is computed here, with the same float operations as :meth:`sample`)."""
        self._next, self._last_price = next_ts, last_price
        if not len(ts):
            return
        price, qty, base, avg, mult = (np.array(cols[:, c]) for c in range(5))
        self.ts.append(np.array(ts))
        self.price.append(price)
        self.position.append(qty)
        self.pnl.append(base + qty * (price - avg) * mult)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        def cat(parts: list[npt.NDArray[np.float64]] | list[npt.NDArray[np.int64]], dtype: type) -> npt.NDArray[Any]:
            return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

        return {"ts": cat(self.ts, np.int64), "price": cat(self.price, np.float64),
                "position": cat(self.position, np.float64), "pnl": cat(self.pnl, np.float64)}
