"""``baseline-imbalance``: follow the order-flow imbalance.

    z = (ofi - mean) / std,   target = 0 if |z| <= threshold else clip(k * z, -1, 1)

Positive imbalance (more bid-side demand arriving than ask-side supply) predicts a rising price, so the
target is long. ``mean`` and ``std`` are the running moments of the OFI column: :meth:`fit` estimates
them from scratch, :meth:`partial_fit` merges new rows into them (exactly: fit on A then partial_fit on
B gives the moments of A and B together), :meth:`predict` only reads them. ``y`` is ignored: the rule
has no parameter to learn from labels. The target is monotone non-decreasing in the OFI; the hard dead
band makes it jump from 0 to ``k * threshold`` at the band's edge, so small imbalances (noise) do not
make the position flicker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_model_baseline._common import F64, RunningMoments, as_matrix, not_ready, read_json, write_json
from cryptoscalp_model_baseline.config import ImbalanceConfig

_FILE = "imbalance.json"


class ImbalanceModel:
    def __init__(self, config: ImbalanceConfig, column: int) -> None:
        self.config = config
        self.column = column
        self.moments: RunningMoments | None = None

    @property
    def requires_fit(self) -> bool:
        return self.moments is None

    @property
    def signal_kind(self) -> SignalKind:
        return SignalKind.TARGET_POSITION

    def _values(self, X: F64) -> F64:
        return as_matrix(X, self.column + 1)[:, self.column : self.column + 1]

    def fit(self, X: F64, y: F64) -> None:
        """Estimate the z-score's mean and scale from the finite values of the column (at least two)."""
        moments = RunningMoments.empty(1)
        moments.update(self._values(X))
        if moments.count[0] < 2:
            raise ValueError(f"fit needs at least 2 finite values in column {self.column}, got {moments.count[0]:.0f}")
        self.moments = moments

    def partial_fit(self, X: F64, y: F64) -> None:
        """Merge new rows into the running moments (starting them if there were none)."""
        if self.moments is None:
            self.moments = RunningMoments.empty(1)
        self.moments.update(self._values(X))

    def zscore(self, X: F64) -> F64:
        """The column's z-scores; NaN where the value is not finite or no scale is known yet."""
        if self.moments is None:
            raise not_ready(self)
        x = self._values(X)[:, 0]
        std = float(self.moments.std[0])
        if std == 0.0:  # fewer than two values, or all equal: no scale, no signal
            return np.full(len(x), np.nan)
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(x), (x - self.moments.mean[0]) / std, np.nan)

    def predict(self, X: F64) -> F64:
        z = self.zscore(X)
        usable = np.isfinite(z)
        zz = np.where(usable, z, 0.0)
        target = np.clip(self.config.k * zz, -1.0, 1.0)
        return np.where(usable & (np.abs(zz) > self.config.threshold), target, 0.0)

    def save(self, path: Path) -> None:
        if self.moments is None:
            raise not_ready(self)
        write_json(Path(path), _FILE, {
            "kind": "baseline-imbalance", "config": self.config.model_dump(mode="json"), "column": self.column,
            "moments": {k: v.tolist() for k, v in self.moments.arrays("").items()},
        })

    @classmethod
    def load(cls, path: Path) -> ImbalanceModel:
        data = read_json(Path(path), _FILE, "baseline-imbalance")
        model = cls(ImbalanceConfig.model_validate(data["config"]), data["column"])
        model.moments = RunningMoments.from_arrays(data["moments"], "")
        return model
