"""NaN-safe standardisation: running per-column moments and the clipped z-scores fed to the networks.

Moments are kept in float64 numpy (prices of 1e5 and returns of 1e-5 in one row would lose the returns
in float32); only the standardised, clipped, imputed matrix goes to JAX as float32.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


@dataclass(slots=True)
class RunningMoments:
    """Per-column count, mean and sum of squared deviations of the finite values seen so far.

    :meth:`update` merges a block with the pairwise formula of Chan, Golub & LeVeque: feeding data in
    pieces gives (to rounding) the moments of all of it, without the cancellation of a naive sum of squares.
    """

    count: F64
    mean: F64
    m2: F64 = field(repr=False)

    @classmethod
    def empty(cls, n: int) -> RunningMoments:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))

    def update(self, X: F64) -> None:
        finite = np.isfinite(X)
        n_b = finite.sum(axis=0).astype(np.float64)
        seen = n_b > 0
        if not seen.any():
            return
        safe = np.where(finite, X, 0.0)
        mean_b = np.divide(safe.sum(axis=0), n_b, out=np.zeros_like(n_b), where=seen)
        m2_b = (np.where(finite, safe - mean_b, 0.0) ** 2).sum(axis=0)
        n = self.count + n_b
        delta = mean_b - self.mean
        ratio = np.divide(n_b, n, out=np.zeros_like(n), where=n > 0)
        self.mean = self.mean + delta * ratio
        self.m2 = self.m2 + m2_b + delta**2 * self.count * ratio
        self.count = n

    @property
    def std(self) -> F64:
        """Population standard deviation; 0 where fewer than two values were seen."""
        var = np.divide(self.m2, self.count, out=np.zeros_like(self.m2), where=self.count > 1)
        return np.sqrt(np.maximum(var, 0.0))

    def standardise(self, X: F64, clip: float) -> F32:
        """``(X - mean) / std`` clipped to ``+-clip``; a non-finite cell (or a constant column) gives 0,
        i.e. the column's mean: the network never sees NaN or inf."""
        std = self.std
        scale = np.where(std > 0, std, np.inf)  # a constant column carries nothing: 0 after division
        finite = np.isfinite(X)
        with np.errstate(invalid="ignore", over="ignore"):
            z = np.where(finite, (X - self.mean) / scale, 0.0)
        return np.clip(z, -clip, clip).astype(np.float32)

    def arrays(self, prefix: str) -> dict[str, F64]:
        return {f"{prefix}count": self.count, f"{prefix}mean": self.mean, f"{prefix}m2": self.m2}

    @classmethod
    def from_arrays(cls, data: Any, prefix: str) -> RunningMoments:
        return cls(*(np.asarray(data[f"{prefix}{k}"], dtype=np.float64) for k in ("count", "mean", "m2")))
