"""A small correct Model (centred least squares through tanh) and broken variants, one per MODEL case."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cryptoscalp_core.ports.model import SignalKind


class TinyLinear:
    """tanh(w · (x - mean)) with NaN cells replaced by the training mean (so an all-NaN row is flat)."""

    signal_kind = SignalKind.TARGET_POSITION

    def __init__(self) -> None:
        self.w: np.ndarray | None = None
        self.mean: np.ndarray | None = None

    @property
    def requires_fit(self) -> bool:
        return self.w is None

    def fit(self, X: np.ndarray, y: np.ndarray) -> None:
        rows = np.isfinite(X).all(axis=1)
        self.mean = X[rows].mean(axis=0)
        Xc = X[rows] - self.mean
        self.w = np.linalg.solve(Xc.T @ Xc + np.eye(X.shape[1]), Xc.T @ y[rows])

    def partial_fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self.fit(X, y)  # crude but valid: retrain on the new rows

    def impute(self, X: np.ndarray) -> np.ndarray:
        assert self.mean is not None
        return np.where(np.isnan(X), self.mean, X)

    def squash(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.w is None or self.mean is None:
            raise RuntimeError("predict before fit")
        return np.asarray(self.squash((self.impute(X) - self.mean) @ self.w), dtype=np.float64)

    def save(self, path: Path) -> None:
        assert self.w is not None and self.mean is not None
        path.mkdir(parents=True, exist_ok=True)
        (path / "m.json").write_text(json.dumps({"w": self.w.tolist(), "mean": self.mean.tolist()}))

    @classmethod
    def load(cls, path: Path) -> TinyLinear:
        data = json.loads((path / "m.json").read_text())
        model = cls()
        model.w, model.mean = np.array(data["w"]), np.array(data["mean"])
        return model


class ColumnShaped(TinyLinear):
    def predict(self, X: np.ndarray) -> np.ndarray:
        return super().predict(X).reshape(-1, 1)


class Unbounded(TinyLinear):
    def squash(self, z: np.ndarray) -> np.ndarray:
        return z


class NanBlind(TinyLinear):
    def impute(self, X: np.ndarray) -> np.ndarray:
        return X


class ZeroBeforeFit(TinyLinear):
    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.zeros(len(X)) if self.w is None else super().predict(X)


class Jittery(TinyLinear):
    def fit(self, X: np.ndarray, y: np.ndarray) -> None:
        super().fit(X, y)
        assert self.w is not None
        self.w = self.w + np.random.default_rng().normal(scale=1e-6, size=self.w.shape)


class ForgetsMean(TinyLinear):
    @classmethod
    def load(cls, path: Path) -> TinyLinear:
        model = super().load(path)
        assert model.mean is not None
        model.mean = np.zeros_like(model.mean)
        return model


class NoPartialFit(TinyLinear):
    def partial_fit(self, X: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError


class InPlace(TinyLinear):
    def impute(self, X: np.ndarray) -> np.ndarray:
        assert self.mean is not None
        holes = np.isnan(X)
        X[holes] = np.broadcast_to(self.mean, X.shape)[holes]
        return X
