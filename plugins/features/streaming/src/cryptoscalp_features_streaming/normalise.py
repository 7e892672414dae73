"""The normalisation stage: per instrument, an exponentially weighted z-score (or scaling by the EW
std, or clipping alone) of the selected columns of emitted rows, each row scored against the moments of
the rows before it (see ``cryptoscalp_speedups.micro.activity.EWNormaliser``)."""

from __future__ import annotations

import fnmatch

import numpy as np
import numpy.typing as npt
from cryptoscalp_speedups.micro.activity import EWNormaliser

from cryptoscalp_features_streaming.config import NormaliseConfig

_MODES = {"zscore": 0, "ewstd": 1, "clip": 2}


class Normaliser:
    def __init__(self, config: NormaliseConfig, names: tuple[str, ...]) -> None:
        self.config = config
        self.columns = np.array([j for j, n in enumerate(names)
                                 if any(fnmatch.fnmatchcase(n, p) for p in config.include)
                                 and not any(fnmatch.fnmatchcase(n, p) for p in config.exclude)], dtype=np.intp)
        self._per: dict[int, EWNormaliser] = {}

    def reset(self) -> None:
        self._per.clear()

    def apply(self, instrument: int, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if len(self.columns) == 0:
            return values
        norm = self._per.get(instrument)
        if norm is None:
            c = self.config
            norm = self._per[instrument] = EWNormaliser(len(self.columns), c.half_life, _MODES[c.method], c.clip,
                                                        c.warmup)
        values[:, self.columns] = norm.run(np.ascontiguousarray(values[:, self.columns]))
        return values
