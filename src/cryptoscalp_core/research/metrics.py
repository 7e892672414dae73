"""Out-of-sample metrics of a model's predictions against realised forward returns."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import SignalKind

F64 = npt.NDArray[np.float64]


def score(pred: F64, kind: SignalKind) -> F64:
    """One number per row, positive for "up": the target position, or P(up) - P(down)."""
    pred = np.asarray(pred, dtype=np.float64)
    if kind is SignalKind.TARGET_POSITION:
        return pred.reshape(-1)
    if pred.ndim != 2 or pred.shape[1] < 2:
        raise ValueError(f"probabilities must have shape (n, k>=2), got {pred.shape}")
    return np.asarray(pred[:, -1] - pred[:, 0], dtype=np.float64)


def _ranks(x: F64) -> F64:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=np.float64)
    # ties share their mean rank, as Spearman's coefficient defines
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return np.asarray(sums[inverse] / counts[inverse], dtype=np.float64)


def information_coefficient(s: F64, forward: F64) -> float:
    """Spearman rank correlation of score and forward return (NaN rows ignored; NaN if constant)."""
    ok = np.isfinite(s) & np.isfinite(forward)
    if ok.sum() < 3:
        return math.nan
    a, b = _ranks(s[ok]), _ranks(forward[ok])
    if a.std() == 0 or b.std() == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def hit_rate(s: F64, forward: F64) -> float:
    """Share of rows with a non-zero score and a non-zero move whose signs agree."""
    ok = np.isfinite(s) & np.isfinite(forward) & (s != 0) & (forward != 0)
    return float(np.mean(np.sign(s[ok]) == np.sign(forward[ok]))) if ok.any() else math.nan


def calibration_error(s: F64, forward: F64, bins: int = 10) -> float:
    """Expected calibration error of P(up) = (score + 1) / 2 against the realised frequency of up moves."""
    ok = np.isfinite(s) & np.isfinite(forward)
    if not ok.any():
        return math.nan
    p = np.clip((s[ok] + 1.0) / 2.0, 0.0, 1.0)
    up = (forward[ok] > 0).astype(np.float64)
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - up[mask].mean())
    return float(total / len(p))
