"""One-row arrays of the core's TRADE / QUOTE / MARK event dtypes, written field by field in C (what
``np.array([row], dtype)`` gives, without converting a Python tuple). ``ValueError`` for an instrument
outside 0..65535; ``OverflowError`` for an integer outside int64."""

from typing import Final

import numpy as np
import numpy.typing as npt

#: Copies of ``cryptoscalp_core.domain.events``'s dtypes (this package does not import the core).
TRADE_DTYPE: Final[np.dtype[np.void]]
QUOTE_DTYPE: Final[np.dtype[np.void]]
MARK_DTYPE: Final[np.dtype[np.void]]

def trade_row(ts_event: int, ts_recv: int, instrument: int, side: int, trade_id: int, price: float,
              qty: float) -> npt.NDArray[np.void]: ...
def quote_row(ts_event: int, ts_recv: int, instrument: int, seq: int, bid_price: float, bid_qty: float,
              ask_price: float, ask_qty: float) -> npt.NDArray[np.void]: ...
def mark_row(ts_event: int, ts_recv: int, instrument: int, mark_price: float, index_price: float,
             funding_rate: float, next_funding_ts: int) -> npt.NDArray[np.void]: ...
