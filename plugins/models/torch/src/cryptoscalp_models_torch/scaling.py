"""NaN-safe per-column standardisation, estimated once and stored with the model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


@dataclass(slots=True)
class Standardiser:
    """``(x - mean) / std`` per column, clipped to ``[-clip, clip]``; a non-finite cell becomes 0 (the
    column mean) and a constant column standardises to 0, never to inf.

    It is estimated from the rows of the first fit and then frozen: the network's weights are trained on
    this scale, so moving it under them (as later partial_fit rows would) would silently shift every input.
    """

    mean: F64
    scale: F64
    clip: float

    @classmethod
    def estimate(cls, X: F64, clip: float) -> Standardiser:
        finite = np.isfinite(X)
        count = finite.sum(axis=0)
        safe = np.where(finite, X, 0.0)
        mean = np.divide(safe.sum(axis=0), count, out=np.zeros(X.shape[1]), where=count > 0)
        dev = np.where(finite, safe - mean, 0.0)
        var = np.divide((dev**2).sum(axis=0), count, out=np.zeros(X.shape[1]), where=count > 1)
        std = np.sqrt(var)
        # a constant column whose mean did not round exactly has a std of rounding noise: treat it as constant
        constant = std <= 1e-9 * np.maximum(1.0, np.abs(mean))
        return cls(mean, np.where(constant, 1.0, std), float(clip))

    def transform(self, X: F64) -> F32:
        with np.errstate(invalid="ignore", over="ignore"):
            Z = (X - self.mean) / self.scale
        Z = np.where(np.isfinite(Z), Z, 0.0)  # NaN and ±inf cells: the column mean
        np.clip(Z, -self.clip, self.clip, out=Z)
        return Z.astype(np.float32)

    def transform_row(self, x: F64) -> F32:
        """:meth:`transform` of one row ``(n_features,)``, bit for bit, in fewer numpy calls (the per-decision path)."""
        with np.errstate(invalid="ignore", over="ignore"):
            z = (x - self.mean) / self.scale
        z = np.where(np.isfinite(z), z, 0.0)
        np.minimum(z, self.clip, out=z)  # np.clip's Python wrapper costs more than the two ufuncs
        np.maximum(z, -self.clip, out=z)
        return z.astype(np.float32)
