"""Top-of-book (QUOTE) features of one instrument.

``mid``, ``spread_bps`` = (ask - bid) / mid * 1e4, ``microprice_dev_bps`` = (microprice - mid) / mid * 1e4
with microprice = (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty), ``l1_imbalance`` =
(bid_qty - ask_qty) / (bid_qty + ask_qty): all from the quote itself, defined from the first quote.

``ofi_<w>`` is the order-flow imbalance of Cont, Kukanov & Stoikov (2014, "The price impact of order book
events"), in quantity units: each quote update n after the first contributes

    e_n = 1{b_n >= b_{n-1}} bq_n - 1{b_n <= b_{n-1}} bq_{n-1} - 1{a_n <= a_{n-1}} aq_n + 1{a_n >= a_{n-1}} aq_{n-1}

(bid-side demand arriving minus ask-side supply arriving) and ``ofi_<w>`` sums the last ``w`` of them, so it
is NaN until ``w + 1`` good quotes were seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cryptoscalp_features_basic.config import BasicFeaturesConfig
from cryptoscalp_features_basic.rolling import F64, Tail, prefix_sums, window_sums

B = npt.NDArray[np.bool_]


@dataclass(slots=True)
class QuoteState:
    prev: F64 | None  # last good (bid, bid_qty, ask, ask_qty): the reference of the next OFI term
    ofi: Tail  # OFI terms, for the windows
    last: F64  # the instrument's quote features as of its last good quote (for rows of other kinds)


class QuoteFeatures:
    """The quote half of the engine, same interface as :class:`~.trades.TradeFeatures`."""

    def __init__(self, config: BasicFeaturesConfig) -> None:
        self.windows = tuple(config.ofi_windows) if config.quotes else ()
        self.width = len(config.quote_features)
        self._keep = max((w - 1 for w in self.windows), default=0)

    def new_state(self) -> QuoteState:
        return QuoteState(prev=None, ofi=Tail(self._keep), last=np.full(self.width, np.nan))

    @staticmethod
    def inputs(rows: npt.NDArray[np.void]) -> tuple[tuple[F64, ...], B]:
        """``(bid, bid_qty, ask, ask_qty)`` and the mask of good rows.

        Bad: a non-finite or non-positive price, a non-finite or negative quantity, or both quantities 0
        (the microprice and the imbalance divide by their sum). A crossed quote is not rejected: it is
        what the venue sent, and its negative spread is information.
        """
        cols = tuple(np.ascontiguousarray(rows[c], dtype=np.float64)
                     for c in ("bid_price", "bid_qty", "ask_price", "ask_qty"))
        bid, bq, ask, aq = cols
        with np.errstate(invalid="ignore"):
            good = (np.isfinite(bid) & (bid > 0) & np.isfinite(ask) & (ask > 0)
                    & np.isfinite(bq) & (bq >= 0) & np.isfinite(aq) & (aq >= 0) & (bq + aq > 0))
        return cols, good

    def compute(self, state: QuoteState, x: tuple[F64, ...]) -> list[F64]:
        """The feature columns for consecutive good quotes (``x`` as :meth:`inputs` gives it); advances
        ``state``."""
        bid, bq, ask, aq = x
        n = len(bid)
        mid = (bid + ask) * 0.5
        depth = bq + aq
        micro = (bid * aq + ask * bq) / depth
        cols = [mid, (ask - bid) / mid * 1e4, (micro - mid) / mid * 1e4, (bq - aq) / depth]
        if self.windows:
            # Previous quote of every row: the carried one for the first row, then the row before.
            first = 0 if state.prev is not None else 1  # the very first quote has no OFI term
            pb, pbq, pa, paq = (np.concatenate(([state.prev[k]], x[:-1])) if state.prev is not None else x[:-1]
                                for k, x in enumerate((bid, bq, ask, aq)))
            b, bq_, a, aq_ = bid[first:], bq[first:], ask[first:], aq[first:]
            e = (np.where(b >= pb, bq_, 0.0) - np.where(b <= pb, pbq, 0.0)
                 - np.where(a <= pa, aq_, 0.0) + np.where(a >= pa, paq, 0.0))
            ext, T, seen = state.ofi.extend(e)
            cs = prefix_sums(ext)
            for w in self.windows:
                col = np.full(n, np.nan)
                col[first:] = window_sums(cs, T, seen, w)
                cols.append(col)
        state.prev = np.array([bid[-1], bq[-1], ask[-1], aq[-1]], dtype=np.float64)
        state.last = np.array([c[-1] for c in cols], dtype=np.float64)
        return cols
