"""Inputs checked and cut into fixed-shape, masked mini-batches for the jit-compiled passes.

XLA compiles one program per input shape, so row and batch counts are rounded up to a few sizes
(powers of two and one and a half times them): a stream of differently sized calls compiles a
handful of programs, not one per call. Padding rows carry mask 0 and change nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


def as_matrix(X: npt.ArrayLike) -> F64:
    """``X`` as a 2-D float64 array with at least one column (no copy when it already is one)."""
    out = np.asarray(X, dtype=np.float64)
    if out.ndim != 2 or out.shape[1] < 1:
        raise ValueError(f"X must be 2-D with at least one column, got shape {out.shape}")
    return out


def labelled(X: npt.ArrayLike, y: npt.ArrayLike) -> tuple[F64, F64]:
    """Rows of ``X`` whose label is known (NaN labels: outcome not known yet, skipped)."""
    X = as_matrix(X)
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    if len(yv) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(yv)}")
    known = ~np.isnan(yv)
    return X[known], yv[known]


def bucket(n: int, minimum: int = 1) -> int:
    """Smallest of 2^k or 3 * 2^(k-1) that is >= max(n, minimum)."""
    n = max(n, minimum, 1)
    p = 1 << (n - 1).bit_length()
    half = (p // 4) * 3
    return half if half >= n else p


def batches(Z: F32, y: F64, batch_size: int, order: npt.NDArray[np.int64]
            ) -> tuple[F32, F32, F32]:
    """``(Zb, yb, mask)`` of shapes ``(nb, bs, d)``, ``(nb, bs)``, ``(nb, bs)``, rows taken in ``order``,
    ``nb`` rounded up by :func:`bucket`; padding batches are all-mask-0 and skipped by the passes."""
    n, d = len(order), Z.shape[1]
    bs = max(1, min(batch_size, n))
    nb = bucket(-(-n // bs))
    Zb = np.zeros((nb * bs, d), np.float32)
    yb = np.zeros(nb * bs, np.float32)
    mask = np.zeros(nb * bs, np.float32)
    Zb[:n], yb[:n], mask[:n] = Z[order], y[order], 1.0
    return Zb.reshape(nb, bs, d), yb.reshape(nb, bs), mask.reshape(nb, bs)


def not_ready(model: object) -> RuntimeError:
    return RuntimeError(f"{type(model).__name__}.predict called before fit, partial_fit or load")


def write_json(path: Path, name: str, payload: dict[str, Any]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / name).write_text(json.dumps(payload, indent=2, sort_keys=True))


def read_json(path: Path, name: str, kind: str) -> dict[str, Any]:
    """The payload of ``path/name``; ``ValueError`` if it was saved by another model."""
    payload: dict[str, Any] = json.loads((path / name).read_text())
    if payload.get("kind") != kind:
        raise ValueError(f"{path} holds a {payload.get('kind')!r} model, not {kind!r}")
    return payload
