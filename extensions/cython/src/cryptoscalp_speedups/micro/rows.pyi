import numpy as np
import numpy.typing as npt

RULES: tuple[str, ...]

def check_rows(prices: tuple[npt.NDArray[np.float64], ...], price_ticks: npt.NDArray[np.int64] | None,
               qtys: tuple[npt.NDArray[np.float64], ...], zero_qty_bad: bool, side: npt.NDArray[np.int8] | None,
               ts_recv: npt.NDArray[np.int64], prev_ts_recv: int | None
               ) -> tuple[npt.NDArray[np.bool_] | None, npt.NDArray[np.int64]]: ...
def time_features(ts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]: ...
def assemble(last: npt.NDArray[np.float64],
             blocks: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.float64]]],
             trigger: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]: ...
