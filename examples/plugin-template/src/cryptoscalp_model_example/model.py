"""Ridge regression from feature rows to a target position: ``tanh(gain * w · (x - mean))``.

Training keeps centred sufficient statistics — the row count, feature and target means, the centred
``X'X`` and ``X'y`` — so :meth:`RidgeModel.partial_fit` on new rows gives exactly the model a single
:meth:`RidgeModel.fit` on all rows would (batches are merged with Chan et al.'s parallel update, which
stays accurate when features have large means). The weights solve ``(Sxx + alpha I) w = Sxy``.

Missing values: training skips rows with a non-finite feature or target; prediction replaces a
non-finite feature by its training mean, so it contributes nothing, and an all-NaN row (a feature
engine not warmed up yet) predicts exactly 0, flat. There is no intercept on purpose: with no
information the model should not hold a position.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import SignalKind

Array = npt.NDArray[np.float64]
FORMAT = 1  # bump when the saved layout changes; load() refuses other versions
WEIGHTS, META = "weights.npz", "meta.json"


class RidgeModel:
    """Implements the :class:`~cryptoscalp_core.ports.Model` port with ``TARGET_POSITION`` signals.

    ``y`` is the target position per row, a float in [-1, 1] (for example a clipped forward return).
    """

    def __init__(self, alpha: float = 1.0, gain: float = 1.0) -> None:
        if not alpha > 0 or not gain > 0:
            raise ValueError(f"alpha and gain must be positive, got alpha={alpha}, gain={gain}")
        self.alpha, self.gain = float(alpha), float(gain)
        self._n = 0
        self._mean: Array = np.zeros(0)
        self._y_mean = 0.0
        self._sxx: Array = np.zeros((0, 0))
        self._sxy: Array = np.zeros(0)
        self._w: Array | None = None

    @property
    def signal_kind(self) -> SignalKind:
        return SignalKind.TARGET_POSITION

    @property
    def requires_fit(self) -> bool:
        """True until :meth:`fit`, :meth:`partial_fit` or :meth:`load` has given the model weights."""
        return self._w is None

    @property
    def coef_(self) -> Array:
        """The fitted weights on centred features (a copy)."""
        return self._fitted().copy()

    @property
    def feature_means_(self) -> Array:
        """Training means of the features, used to centre inputs and to fill missing values (a copy)."""
        self._fitted()
        return self._mean.copy()

    # -- training ---------------------------------------------------------------------------------------
    def fit(self, X: Array, y: Array) -> None:
        X, y = _check_xy(X, y)
        self._n, self._w = 0, None
        self._mean, self._y_mean = np.zeros(X.shape[1]), 0.0
        self._sxx, self._sxy = np.zeros((X.shape[1], X.shape[1])), np.zeros(X.shape[1])
        if not self._absorb(X, y):
            raise ValueError("fit needs at least one row whose features and target are all finite")
        self._solve()

    def partial_fit(self, X: Array, y: Array) -> None:
        if self._w is None:
            self.fit(X, y)
            return
        X, y = _check_xy(X, y)
        self._check_width(X)
        if self._absorb(X, y):
            self._solve()

    def _absorb(self, X: Array, y: Array) -> int:
        """Merge the complete rows of a batch into the statistics; return how many there were."""
        keep = np.isfinite(X).all(axis=1) & np.isfinite(y)
        Xb, yb = X[keep], y[keep]
        nb = len(yb)
        if nb == 0:
            return 0
        mean_b, y_mean_b = Xb.mean(axis=0), float(yb.mean())
        Xc = Xb - mean_b
        n = self._n + nb
        dx, dy = mean_b - self._mean, y_mean_b - self._y_mean
        weight = self._n * nb / n  # zero for the first batch: the merge then just takes the batch's values
        self._sxx = self._sxx + Xc.T @ Xc + np.outer(dx, dx) * weight
        self._sxy = self._sxy + Xc.T @ (yb - y_mean_b) + dx * dy * weight
        self._mean = self._mean + dx * (nb / n)
        self._y_mean += dy * (nb / n)
        self._n = n
        return nb

    def _solve(self) -> None:
        k = len(self._mean)
        self._w = np.asarray(np.linalg.solve(self._sxx + self.alpha * np.eye(k), self._sxy), dtype=np.float64)

    # -- inference --------------------------------------------------------------------------------------
    def predict(self, X: Array) -> Array:
        w = self._fitted()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (rows, features), got shape {X.shape}")
        self._check_width(X)
        centred = np.where(np.isfinite(X), X - self._mean, 0.0)  # a new array: the caller's X is untouched
        return np.clip(np.tanh(self.gain * (centred @ w)), -1.0, 1.0)

    # -- persistence ------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        w = self._fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        np.savez(path / WEIGHTS, w=w, mean=self._mean, sxx=self._sxx, sxy=self._sxy)
        meta = {"format": FORMAT, "model": "example-ridge", "alpha": self.alpha, "gain": self.gain,
                "n_samples": self._n, "y_mean": self._y_mean, "n_features": len(w)}
        (path / META).write_text(json.dumps(meta, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> RidgeModel:
        path = Path(path)
        meta = json.loads((path / META).read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: saved format {meta.get('format')!r}, this version reads {FORMAT}")
        model = cls(alpha=meta["alpha"], gain=meta["gain"])
        with np.load(path / WEIGHTS) as arrays:
            model._w, model._mean = arrays["w"], arrays["mean"]
            model._sxx, model._sxy = arrays["sxx"], arrays["sxy"]
        model._n, model._y_mean = int(meta["n_samples"]), float(meta["y_mean"])
        return model

    # -- helpers ----------------------------------------------------------------------------------------
    def _fitted(self) -> Array:
        if self._w is None:
            raise RuntimeError("the model is not fitted: call fit() or load() first")
        return self._w

    def _check_width(self, X: Array) -> None:
        if X.shape[1] != len(self._mean):
            raise ValueError(f"X has {X.shape[1]} features, the model was fitted on {len(self._mean)}")


def _check_xy(X: Array, y: Array) -> tuple[Array, Array]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be (n, k) and y (n,); got {X.shape} and {y.shape}")
    return X, y
