import numpy as np
import numpy.typing as npt

#: (builder index, bar close times, bar values) for the bars one call closed
ClosedBars = tuple[int, npt.NDArray[np.int64], npt.NDArray[np.float64]]

FIELDS: tuple[str, ...]
KINDS: dict[str, int]

class BarBuilder:
    kind: int
    size: float
    interval: int
    n_sums: int
    width: int
    max_fill: int
    gaps: int
    skipped: int
    bars: int
    def __init__(self, kind: str, size: float, n_sums: int = 0, max_fill: int = 1000) -> None: ...
    def reset(self) -> None: ...
    @property
    def current_slot(self) -> int: ...
    @property
    def last_price(self) -> float: ...
    def feed_trades(self, ts: npt.NDArray[np.int64], price: npt.NDArray[np.float64], qty: npt.NDArray[np.float64],
                    side: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
    def feed_sums(self, ts: npt.NDArray[np.int64], values: npt.NDArray[np.float64],
                  counts: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...

class BarClocks:
    n: int
    def __init__(self, builders: list[BarBuilder]) -> None: ...
    @property
    def builders(self) -> list[BarBuilder]: ...
    def feed_trades(self, ts: npt.NDArray[np.int64], price: npt.NDArray[np.float64], qty: npt.NDArray[np.float64],
                    side: npt.NDArray[np.int8]) -> list[ClosedBars]: ...
    def feed_sums(self, ts: npt.NDArray[np.int64], values: npt.NDArray[np.float64],
                  counts: npt.NDArray[np.uint8]) -> list[ClosedBars]: ...
