"""``online-logistic``: logistic regression trained online with mini-batch Adagrad and an L2 penalty.

Labels: ``y`` of shape ``(n,)`` with 1 = "up" and 0 = "not up" (values in between are accepted as soft
labels; NaN labels, for rows whose outcome is not known yet, are skipped). Features are standardised
with running means and variances; a non-finite feature is imputed with its running mean (a standardised
0), and a row with no finite feature predicts exactly p = 0.5 (flat / uniform), as the port asks.

``fit`` starts from scratch: moments of all of X, then ``epochs`` passes of Adagrad, shuffled between
passes by a generator seeded with ``seed``. ``partial_fit`` continues: it merges the new rows into the
moments and makes one pass over them in time order. Everything is deterministic for a seed.

Output: ``target_position`` gives ``2p - 1``; ``probabilities`` gives ``[1 - p, p]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_model_baseline._common import F64, RunningMoments, as_matrix, not_ready, read_json, write_json
from cryptoscalp_model_baseline.config import LogisticConfig

_JSON, _NPZ = "online_logistic.json", "online_logistic.npz"
_EPS = 1e-8  # Adagrad's guard against a zero accumulator


def _sigmoid(z: F64) -> F64:
    # tanh form: no overflow warning for large |z|, exactly 0.5 at 0.
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


class OnlineLogisticModel:
    def __init__(self, config: LogisticConfig) -> None:
        self.config = config
        self.moments: RunningMoments | None = None
        self.w: F64 = np.zeros(0)
        self.b = 0.0
        self._g2_w: F64 = np.zeros(0)  # Adagrad: running sums of squared gradients
        self._g2_b = 0.0

    @property
    def requires_fit(self) -> bool:
        return self.moments is None

    @property
    def signal_kind(self) -> SignalKind:
        return self.config.output

    # -- training -----------------------------------------------------------------------------------------
    def _start(self, n_features: int) -> None:
        self.moments = RunningMoments.empty(n_features)
        self.w, self._g2_w = np.zeros(n_features), np.zeros(n_features)
        self.b, self._g2_b = 0.0, 0.0

    def _labelled(self, X: F64, y: F64, *, same_width: bool) -> tuple[F64, F64]:
        X = as_matrix(X)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
        known = ~np.isnan(y)
        if np.any((y[known] < 0) | (y[known] > 1)):
            raise ValueError("labels must be 1 (up) or 0 (not up), or in [0, 1] as soft labels")
        if same_width and X.shape[1] != len(self.w):
            raise ValueError(f"model has {len(self.w)} features, X has {X.shape[1]}")
        return X[known], y[known]

    def fit(self, X: F64, y: F64) -> None:
        X, y = self._labelled(X, y, same_width=False)  # from scratch: any width
        self._start(X.shape[1])
        assert self.moments is not None
        self.moments.update(X)
        Z = self._standardise(X)
        rng = np.random.default_rng(self.config.seed)
        for _ in range(self.config.epochs):
            order = rng.permutation(len(Z)) if self.config.shuffle else np.arange(len(Z))
            self._descend(Z[order], y[order])

    def partial_fit(self, X: F64, y: F64) -> None:
        X = as_matrix(X)
        if self.moments is None:
            self._start(X.shape[1])
        X, y = self._labelled(X, y, same_width=True)
        assert self.moments is not None
        self.moments.update(X)
        self._descend(self._standardise(X), y)

    def _descend(self, Z: F64, y: F64) -> None:
        """One pass of mini-batch Adagrad over ``Z`` in the given order."""
        step, l2, size = self.config.learning_rate, self.config.l2, self.config.batch_size
        for lo in range(0, len(Z), size):
            Zb, yb = Z[lo:lo + size], y[lo:lo + size]
            residual = _sigmoid(Zb @ self.w + self.b) - yb  # gradient of the log loss w.r.t. the logit
            grad_w = Zb.T @ residual / len(Zb) + l2 * self.w
            grad_b = float(residual.mean())
            self._g2_w += grad_w**2
            self._g2_b += grad_b**2
            self.w = self.w - step * grad_w / (np.sqrt(self._g2_w) + _EPS)
            self.b -= step * grad_b / (np.sqrt(self._g2_b) + _EPS)

    # -- prediction ---------------------------------------------------------------------------------------
    def _standardise(self, X: F64) -> F64:
        assert self.moments is not None
        std = self.moments.std
        scale = np.where(std > 0, std, 1.0)  # a constant column standardises to 0, not to inf
        finite = np.isfinite(X)
        with np.errstate(invalid="ignore"):
            return np.where(finite, (X - self.moments.mean) / scale, 0.0)

    def probability(self, X: F64) -> F64:
        """P(up) per row; exactly 0.5 for a row with no finite feature."""
        if self.moments is None:
            raise not_ready(self)
        X = as_matrix(X)
        if X.shape[1] != len(self.w):
            raise ValueError(f"model has {len(self.w)} features, X has {X.shape[1]}")
        p = _sigmoid(self._standardise(X) @ self.w + self.b)
        return np.where(np.isfinite(X).any(axis=1), p, 0.5)

    def predict(self, X: F64) -> F64:
        p = self.probability(X)
        if self.config.output is SignalKind.PROBABILITIES:
            return np.column_stack((1.0 - p, p))
        return np.clip(2.0 * p - 1.0, -1.0, 1.0)

    # -- persistence --------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        if self.moments is None:
            raise not_ready(self)
        path = Path(path)
        write_json(path, _JSON, {"kind": "online-logistic", "config": self.config.model_dump(mode="json"),
                                 "n_features": len(self.w), "b": self.b, "g2_b": self._g2_b})
        m = self.moments
        np.savez(path / _NPZ, w=self.w, g2_w=self._g2_w, moments_count=m.count, moments_mean=m.mean,
                 moments_m2=m.m2)

    @classmethod
    def load(cls, path: Path) -> OnlineLogisticModel:
        path = Path(path)
        data = read_json(path, _JSON, "online-logistic")
        model = cls(LogisticConfig.model_validate(data["config"]))
        with np.load(path / _NPZ) as arrays:
            model.w, model._g2_w = arrays["w"], arrays["g2_w"]
            model.moments = RunningMoments.from_arrays(arrays, "moments_")
        model.b, model._g2_b = float(data["b"]), float(data["g2_b"])
        return model
