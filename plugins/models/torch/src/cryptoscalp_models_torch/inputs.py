"""Checks and shapes of what the port hands in: feature matrices, labels, windows."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


def as_matrix(X: npt.ArrayLike) -> F64:
    """``X`` as 2-D float64 with at least one column (no copy when it already is: nothing writes into it)."""
    out = np.asarray(X, dtype=np.float64)
    if out.ndim != 2 or out.shape[1] < 1:
        raise ValueError(f"X must be 2-D with at least one column, got shape {out.shape}")
    return out


def labelled_targets(y: npt.ArrayLike, n: int, outputs: int, probabilities: bool,
                     scale: float) -> tuple[F32, npt.NDArray[np.int64]]:
    """Signal-space training targets ``(n, outputs)`` and the indices of the rows that have a label.

    Positions: ``clip(y * scale, -1, 1)``. Probabilities: class indices become one-hot rows; ``(n, k)``
    rows are soft targets and must be distributions.
    """
    arr = np.asarray(y, dtype=np.float64)
    if len(arr) != n:
        raise ValueError(f"X has {n} rows but y has {len(arr)}")
    if not probabilities:
        arr = arr.reshape(n, -1)
        if arr.shape[1] != 1:
            raise ValueError(f"target_position labels must have shape (n,), got {np.shape(y)}")
        known = np.isfinite(arr[:, 0])
        return np.clip(np.nan_to_num(arr * scale), -1.0, 1.0).astype(np.float32), np.flatnonzero(known)
    if arr.ndim == 2:
        if arr.shape[1] != outputs:
            raise ValueError(f"soft labels have {arr.shape[1]} columns, the model has {outputs} classes")
        complete = np.asarray(np.isfinite(arr).all(axis=1))
        good = arr[complete]
        if np.any(good < 0) or not np.allclose(good.sum(axis=1), 1.0, atol=1e-4):
            raise ValueError("soft labels must be rows of non-negative probabilities summing to 1")
        return np.where(complete[:, None], arr, 0.0).astype(np.float32), np.flatnonzero(complete)
    known = np.isfinite(arr)
    cls = arr[known]
    if np.any(cls != np.round(cls)) or np.any(cls < 0) or np.any(cls >= outputs):
        raise ValueError(f"probabilities labels must be class indices 0..{outputs - 1} "
                         f"(training.target: class or up), got values {np.unique(cls)[:6]}")
    out = np.zeros((n, outputs), np.float32)
    out[np.flatnonzero(known), cls.astype(np.int64)] = 1.0
    return out, np.flatnonzero(known)


def window_rows(Z: F32, seq_len: int) -> F32:
    """``(len(Z) - seq_len + 1, seq_len, n_features)`` contiguous windows, oldest row first."""
    view = np.lib.stride_tricks.sliding_window_view(Z, seq_len, axis=0)  # (m, F, L)
    return view.transpose(0, 2, 1).copy()  # a writable, contiguous copy: torch refuses read-only memory
