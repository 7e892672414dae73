from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

ORDER_COLUMNS: tuple[str, ...]

class TakerLane:
    orders: npt.NDArray[np.int64]
    samples: npt.NDArray[np.float64]
    sample_ts: npt.NDArray[np.int64]
    def __init__(self, tick_num: Sequence[int], tick_dec: Sequence[int], lot_num: Sequence[int],
                 lot_dec: Sequence[int], mult: Sequence[float], pq_num: Sequence[int], pq_dec: Sequence[int],
                 rate_num: Sequence[int], rate_dec: Sequence[int], min_lots: Sequence[int],
                 min_notional: Sequence[float], *, money_dec: int, leverage: float, mmr: float, liquidation: bool,
                 entry_ns: int, resp_ns: int, step_ns: int) -> None: ...
    def load(self, s: dict[str, Any]) -> None: ...
    def dump(self) -> dict[str, Any]: ...
    def run(self, ts_event: npt.NDArray[np.int64], ts_recv: npt.NDArray[np.int64], inst: npt.NDArray[np.uint16],
            price: npt.NDArray[np.float64], row0: int, dec_end: npt.NDArray[np.int64], dec_ts: npt.NDArray[np.int64],
            dec_inst: npt.NDArray[np.int64], dec_lots: npt.NDArray[np.int64], k0: int,
            sample: bool) -> tuple[int, int, str]: ...
