from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from cryptoscalp_speedups.indicators import Indicator

DERIVED: tuple[str, ...]
OPS: dict[str, int]

class BarFeatureBank:
    width: int
    n_sums: int
    n_cols: int
    inf_outputs: int
    bars: int
    def __init__(self, indicators: Sequence[tuple[Indicator, Sequence[int]]], ops: npt.ArrayLike,
                 windows: npt.ArrayLike, n_sums: int = 0) -> None: ...
    def reset(self) -> None: ...
    def compute(self, bars: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
