"""Indicator classes: the compiled ``cryptoscalp_speedups.indicators`` when it provides one, else the
pure-Python :mod:`~cryptoscalp_features_streaming.ta_fallback` with the same interface and values."""

from __future__ import annotations

import importlib
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from cryptoscalp_features_streaming import ta_fallback

F64 = npt.NDArray[np.float64]


class Indicator(Protocol):
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    warmup: int

    def run(self, *cols: F64) -> F64: ...

    def reset(self) -> None: ...


def _compiled() -> Any:
    try:
        return importlib.import_module("cryptoscalp_speedups.indicators")
    except ImportError:
        return None


_COMPILED = _compiled()


def make(name: str, **params: Any) -> tuple[Indicator, str]:
    """``(indicator, backend)`` for a TA-Lib-style class name and its TA-Lib parameter names."""
    cls = getattr(_COMPILED, name, None) if _COMPILED is not None else None
    if cls is not None:
        try:
            return cls(**params), "compiled"
        except TypeError:  # a parameter spelt differently: the fallback keeps the feature available
            pass
    ind: Indicator = getattr(ta_fallback, name)(**params)
    return ind, "python"


def as_matrix(out: F64, n_out: int) -> F64:
    """An indicator's ``run`` result as ``(n, n_out)``."""
    arr = np.asarray(out, dtype=np.float64)
    return arr.reshape(len(arr), n_out)
