"""From model output to target positions, and where the target changes (the decision points)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import SignalKind


def to_target_fraction(output: npt.NDArray[np.float64], kind: SignalKind) -> npt.NDArray[np.float64]:
    """Model output → target position as a fraction of ``max_position`` in [-1, 1].

    Probabilities map to ``p(last class) - p(first class)`` (for down/flat/up: up minus down). Non-finite
    outputs become 0: a model that cannot judge a row means "flat", never a random position.
    """
    if kind is SignalKind.PROBABILITIES:
        signal = output[:, -1] - output[:, 0] if output.ndim == 2 else output
    else:
        signal = output.reshape(-1) if output.ndim > 1 else output
    signal = np.where(np.isfinite(signal), signal, 0.0)
    return np.clip(signal, -1.0, 1.0)


def target_lots(fraction: npt.NDArray[np.float64], max_lots: int) -> npt.NDArray[np.int64]:
    """Fractions → whole lots, rounded toward zero so a target never exceeds ``max_position``."""
    return np.trunc(fraction * max_lots).astype(np.int64)


def decision_points(instrument: npt.NDArray[np.uint16], lots: npt.NDArray[np.int64],
                    previous: npt.NDArray[np.int64], min_change: int) -> npt.NDArray[np.intp]:
    """Row indices where an instrument's target differs from its previous target by ``min_change`` lots
    or more. ``previous`` (per instrument) carries the last *acted-on* targets across batches and is
    updated in place."""
    if len(lots) == 0:
        return np.empty(0, dtype=np.intp)
    if previous.shape[0] == 1:
        prior = np.concatenate(([previous[0]], lots[:-1]))
        changed = np.flatnonzero(lots != prior)
        if min_change > 1:
            changed = _filter_small(lots, int(previous[0]), changed, min_change)
        if len(changed):
            previous[0] = lots[changed[-1]]
        return changed
    out: list[int] = []
    for i in range(len(lots)):  # several instruments: rare in scalping profiles, keep it simple
        k = int(instrument[i])
        if abs(int(lots[i]) - int(previous[k])) >= max(min_change, 1):
            previous[k] = lots[i]
            out.append(i)
    return np.asarray(out, dtype=np.intp)


def _filter_small(lots: npt.NDArray[np.int64], last: int, candidates: npt.NDArray[np.intp],
                  min_change: int) -> npt.NDArray[np.intp]:
    kept: list[int] = []
    for i in candidates:
        if abs(int(lots[i]) - last) >= min_change:
            kept.append(int(i))
            last = int(lots[i])
    return np.asarray(kept, dtype=np.intp)
