"""Helpers shared by the baseline models: inputs, feature columns, running moments, files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


class HasNames(Protocol):
    """What a model factory needs from the feature engine: its column names."""

    @property
    def names(self) -> tuple[str, ...]: ...


def resolve_column(features: HasNames, name: str, setting: str) -> int:
    """Index of feature ``name`` in the engine's columns; a ``ValueError`` naming the setting otherwise."""
    names: Sequence[str] = features.names
    if name not in names:
        raise ValueError(f"{setting}: feature {name!r} is not produced by the feature engine "
                         f"(it has: {', '.join(names) or 'none'})")
    return list(names).index(name)


def as_matrix(X: npt.ArrayLike, min_columns: int = 1) -> F64:
    """``X`` as a 2-D float64 array (no copy when it already is one: callers never write into it)."""
    out = np.asarray(X, dtype=np.float64)
    if out.ndim != 2 or out.shape[1] < min_columns:
        raise ValueError(f"X must be 2-D with at least {min_columns} columns, got shape {out.shape}")
    return out


def not_ready(model: object) -> RuntimeError:
    return RuntimeError(f"{type(model).__name__}.predict called before fit, partial_fit or load")


@dataclass(slots=True)
class RunningMoments:
    """Per-column count, mean and sum of squared deviations of the finite values seen so far.

    :meth:`update` merges a new block with the pairwise formula of Chan, Golub & LeVeque, so feeding
    data in pieces gives (to rounding) the moments of all of it at once, and it stays accurate for
    large means where the naive sum of squares cancels.
    """

    count: F64
    mean: F64
    m2: F64 = field(repr=False)

    @classmethod
    def empty(cls, n: int) -> RunningMoments:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))

    def update(self, X: F64) -> None:
        finite = np.isfinite(X)
        n_b = finite.sum(axis=0).astype(np.float64)
        seen = n_b > 0
        if not seen.any():
            return
        safe = np.where(finite, X, 0.0)
        mean_b = np.divide(safe.sum(axis=0), n_b, out=np.zeros_like(n_b), where=seen)
        m2_b = (np.where(finite, safe - mean_b, 0.0) ** 2).sum(axis=0)
        n = self.count + n_b
        delta = mean_b - self.mean
        ratio = np.divide(n_b, n, out=np.zeros_like(n), where=n > 0)
        self.mean = self.mean + delta * ratio
        self.m2 = self.m2 + m2_b + delta**2 * self.count * ratio
        self.count = n

    @property
    def std(self) -> F64:
        """Population standard deviation; 0 where fewer than two values were seen."""
        var = np.divide(self.m2, self.count, out=np.zeros_like(self.m2), where=self.count > 1)
        return np.sqrt(np.maximum(var, 0.0))

    def arrays(self, prefix: str) -> dict[str, F64]:
        return {f"{prefix}count": self.count, f"{prefix}mean": self.mean, f"{prefix}m2": self.m2}

    @classmethod
    def from_arrays(cls, data: Any, prefix: str) -> RunningMoments:
        return cls(*(np.asarray(data[f"{prefix}{k}"], dtype=np.float64) for k in ("count", "mean", "m2")))


def write_json(path: Path, name: str, payload: dict[str, Any]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / name).write_text(json.dumps(payload, indent=2, sort_keys=True))


def read_json(path: Path, name: str, kind: str) -> dict[str, Any]:
    """The payload of ``path/name``; ``ValueError`` if it was saved by another model."""
    payload: dict[str, Any] = json.loads((path / name).read_text())
    if payload.get("kind") != kind:
        raise ValueError(f"{path} holds a {payload.get('kind')!r} model, not {kind!r}")
    return payload
