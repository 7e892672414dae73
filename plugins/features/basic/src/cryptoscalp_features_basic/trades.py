"""Trade-tick features of one instrument: EMAs, SMAs, log returns and trade-flow imbalance.

All windows count trades. A feature is NaN until its window is full: ``trade_ema_<s>`` until ``s`` trades
were seen (pandas ``ewm(span=s, adjust=False, min_periods=s)``), ``trade_sma_<w>`` and ``tfi_<w>`` until
``w`` trades, ``logret_<h>`` until ``h + 1`` trades.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cryptoscalp_features_basic.config import BasicFeaturesConfig
from cryptoscalp_features_basic.rolling import F64, Tail, ema, lagged, prefix_sums, window_sums

B = npt.NDArray[np.bool_]


@dataclass(slots=True)
class TradeState:
    """What one instrument carries from batch to batch."""

    ema: F64  # last EMA per span, NaN before the first trade
    prices: Tail  # long enough for the longest SMA window and return horizon
    signed: Tail  # side * qty, for the flow windows
    volume: Tail  # qty, for the flow windows
    last: F64  # the instrument's trade features as of its last good trade (for rows of other kinds)


class TradeFeatures:
    """The trade half of the engine: which inputs are good, and the columns for a run of good trades."""

    def __init__(self, config: BasicFeaturesConfig) -> None:
        # Tuples: the windows must not change under the engine (its names are fixed at construction).
        self.spans = tuple(config.ema_spans)
        self.smas = tuple(config.sma_windows)
        self.horizons = tuple(config.return_horizons)
        self.flows = tuple(config.flow_windows)
        self.width = len(config.trade_features)
        self._price_keep = max((*(w - 1 for w in self.smas), *self.horizons), default=0)
        self._flow_keep = max((w - 1 for w in self.flows), default=0)

    def new_state(self) -> TradeState:
        return TradeState(
            ema=np.full(len(self.spans), np.nan),
            prices=Tail(self._price_keep),
            signed=Tail(self._flow_keep),
            volume=Tail(self._flow_keep),
            last=np.full(self.width, np.nan),
        )

    @staticmethod
    def inputs(rows: npt.NDArray[np.void]) -> tuple[tuple[F64, ...], B]:
        """``(price, qty, side)`` as contiguous float64 and the mask of good rows.

        A bad trade (non-finite or non-positive price or quantity, a side that is neither BUY nor SELL)
        would poison every EMA and window it enters, so it is left out of the state entirely.
        """
        price = np.ascontiguousarray(rows["price"], dtype=np.float64)
        qty = np.ascontiguousarray(rows["qty"], dtype=np.float64)
        side = rows["side"]
        with np.errstate(invalid="ignore"):
            good = np.isfinite(price) & (price > 0) & np.isfinite(qty) & (qty > 0) & ((side == 1) | (side == -1))
        return (price, qty, side.astype(np.float64)), good

    def compute(self, state: TradeState, x: tuple[F64, ...]) -> list[F64]:
        """The feature columns for consecutive good trades, in :attr:`BasicFeaturesConfig.trade_features`
        order; advances ``state``. ``x`` is ``(price, qty, side)`` of :meth:`inputs`."""
        price, qty, side = x
        n = len(price)
        seen = state.prices.seen
        cols: list[F64] = []
        # Row i is the (seen + i + 1)-th trade: the index of the first row whose count reaches k.
        for j, span in enumerate(self.spans):
            y = ema(price, span, float(state.ema[j]))
            state.ema[j] = y[-1]
            y[: max(0, min(n, span - 1 - seen))] = np.nan
            cols.append(y)
        ext, T, _ = state.prices.extend(price)
        if self.smas:
            ref = float(price[0])
            cs = prefix_sums(ext, ref)
            cols.extend(window_sums(cs, T, seen, w, ref) / w for w in self.smas)
        for h in self.horizons:
            cols.append(np.log(price / lagged(ext, T, seen, h)))
        if self.flows:
            ext_s, T_s, _ = state.signed.extend(side * qty)
            ext_v, T_v, _ = state.volume.extend(qty)
            cs_s, cs_v = prefix_sums(ext_s), prefix_sums(ext_v)
            for w in self.flows:
                # Quantities are > 0 for good trades, so the denominator is never 0 once warm.
                cols.append(window_sums(cs_s, T_s, seen, w) / window_sums(cs_v, T_v, seen, w))
        state.last = np.array([c[-1] for c in cols], dtype=np.float64)
        return cols
