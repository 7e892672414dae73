"""How fast and how close: single-decision latency, batch throughput and agreement of two signals."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import Model, SignalKind

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Latency:
    p50_us: float
    p99_us: float


def decision_latency(model: Model, X: F64, *, warmup: int = 50) -> Latency:
    """Latency of ``predict`` on one row at a time, as a live engine calls it, over the rows of ``X``
    (streaming models see them in order; the first ``warmup`` calls are not timed)."""
    times = np.empty(max(len(X) - warmup, 1))
    for i in range(len(X)):
        row = X[i:i + 1]
        t0 = time.perf_counter_ns()
        model.predict(row)
        if i >= warmup:
            times[i - warmup] = time.perf_counter_ns() - t0
    reset = getattr(model, "reset", None)
    if callable(reset):
        reset()
    return Latency(float(np.percentile(times, 50)) / 1e3, float(np.percentile(times, 99)) / 1e3)


def batch_throughput(model: Model, X: F64, *, repeats: int = 2) -> float:
    """Rows per second of ``predict`` on all of ``X`` at once (best of ``repeats``)."""
    best = math.inf
    reset = getattr(model, "reset", None)
    for _ in range(repeats):
        if callable(reset):
            reset()
        t0 = time.perf_counter()
        model.predict(X)
        best = min(best, time.perf_counter() - t0)
    if callable(reset):
        reset()
    return len(X) / best


def signal_score(pred: F64, kind: SignalKind) -> F64:
    pred = np.asarray(pred, dtype=np.float64)
    return pred.reshape(-1) if kind is SignalKind.TARGET_POSITION else pred[:, -1] - pred[:, 0]


def agreement(a: F64, b: F64, kind: SignalKind) -> float:
    """Share of rows where two signals point the same way: the same sign of the position (rows where the
    first is flat are left out), or the same most likely class."""
    if kind is SignalKind.PROBABILITIES:
        return float(np.mean(np.argmax(a, axis=1) == np.argmax(b, axis=1)))
    live = a != 0
    return float(np.mean(np.sign(a[live]) == np.sign(b[live]))) if live.any() else math.nan


def correlation(a: F64, b: F64) -> float:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])
