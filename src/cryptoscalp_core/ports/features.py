"""FeatureEngine port: event batches in, feature rows out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.market_feed import EventBatch


@dataclass(slots=True)
class FeatureRows:
    """Feature values: ``values[i, j]`` is feature ``names[j]`` as of ``ts[i]`` for ``instrument[i]``."""

    ts: npt.NDArray[np.int64]
    instrument: npt.NDArray[np.uint16]
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.ts)


@runtime_checkable
class FeatureEngine(Protocol):
    """Streaming features over event batches.

    Contract:

    * :attr:`names` is fixed once the engine is built; ``values`` columns follow it.
    * :meth:`update` consumes one batch and returns the rows it emits (possibly zero rows). A row at
      ``ts`` depends only on events with ``ts_recv <= ts``: feeding further events never changes a row
      already returned (no look-ahead).
    * Values are float64. NaN means "not warmed up yet"; a bad input (NaN price, zero volume where a
      feature divides by it) yields NaN for the affected features and is counted in :attr:`bad_inputs`,
      never raised.
    * The engine is single-threaded and keeps its state between calls; :meth:`reset` clears it.
    """

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def bad_inputs(self) -> int: ...

    def update(self, batch: EventBatch) -> FeatureRows: ...

    def reset(self) -> None: ...
