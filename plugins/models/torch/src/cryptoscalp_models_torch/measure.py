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
    """Wall-clock percentiles, and the same of the CPU time the calling thread spent: on a shared machine
    the wall p99 is the scheduler's (a call that loses the CPU waits a whole time slice), the CPU p99 the
    model's."""

    p50_us: float
    p99_us: float
    cpu_p50_us: float = math.nan
    cpu_p99_us: float = math.nan


def decision_latency(model: Model, X: F64, *, warmup: int = 50) -> Latency:
    """Latency of ``predict`` on one row at a time, as a live engine calls it, over the rows of ``X``
    (streaming models see them in order; the first ``warmup`` calls are not timed)."""
    wall = np.empty(max(len(X) - warmup, 1))
    cpu = np.empty_like(wall)
    for i in range(len(X)):
        row = X[i:i + 1]
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        model.predict(row)
        t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
        if i >= warmup:
            wall[i - warmup], cpu[i - warmup] = t1 - t0, c1 - c0
    reset = getattr(model, "reset", None)
    if callable(reset):
        reset()
    return Latency(*(float(np.percentile(a, q)) / 1e3 for a in (wall, cpu) for q in (50, 99)))


def batch_throughput(model: Model, X: F64, *, repeats: int = 2, clock: str = "wall") -> float:
    """Rows per second of ``predict`` on all of ``X`` at once (best of ``repeats``), by the wall clock or
    by the CPU time of this process (``clock="cpu"``: what the model costs on a shared machine)."""
    now = time.perf_counter if clock == "wall" else time.process_time
    best = math.inf
    reset = getattr(model, "reset", None)
    for _ in range(repeats):
        if callable(reset):
            reset()
        t0 = now()
        model.predict(X)
        best = min(best, now() - t0)
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
