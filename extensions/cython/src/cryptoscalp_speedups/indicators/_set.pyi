from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from cryptoscalp_speedups.indicators._base import Indicator

# a member is an Indicator, or (Indicator, input names) to bind its inputs to other columns;
# checked at run time, typed loosely so mixed dict literals need no annotation
_Member = object

class IndicatorSet(Indicator):
    """Several indicators updated in one C call; ``update`` returns one shared, reused buffer."""

    def __init__(self, members: Mapping[str, _Member] | Iterable[tuple[str, _Member]],
                 inputs: Sequence[str] | None = None) -> None: ...
    @property
    def names(self) -> tuple[str, ...]: ...
    @property
    def members(self) -> dict[str, Indicator]: ...
    @property
    def values(self) -> npt.NDArray[np.float64]: ...
    def update(self, *values: float) -> npt.NDArray[np.float64]: ...  # type: ignore[override]
