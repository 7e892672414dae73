"""The compiled indicator classes of ``cryptoscalp_speedups.indicators`` from the catalogue's recipes.

The catalogue speaks TA-Lib's parameter names (``timeperiod``, ``fastperiod``, ``nbdevup``...), the
compiled classes their own (``period``, ``fast``, ``nbdev_up``...): :func:`make` translates, so every
indicator always runs compiled (the bar bank steps them from C and accepts nothing else).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from cryptoscalp_speedups import indicators

F64 = npt.NDArray[np.float64]

_RENAME = {"timeperiod": "period", "fastperiod": "fast", "slowperiod": "slow", "signalperiod": "signal",
           "nbdevup": "nbdev_up", "nbdevdn": "nbdev_dn"}


def make(name: str, **params: Any) -> indicators.Indicator:
    """A compiled indicator for a TA-Lib-style class name and TA-Lib parameter names."""
    cls = getattr(indicators, name, None)
    if cls is None:
        raise ValueError(f"the installed cryptoscalp-speedups has no indicator {name!r}")
    kwargs = {_RENAME.get(k, k): v for k, v in params.items()}
    if name == "KELTNER":  # the catalogue's Keltner channel: EMA and ATR over the same period
        kwargs["atr_period"] = kwargs["period"]
    ind: indicators.Indicator = cls(**kwargs)
    return ind
