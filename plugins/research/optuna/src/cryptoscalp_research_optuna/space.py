"""The search space: dotted profile paths mapped to Optuna distributions, read from ``--space space.yaml``.

Profiles forbid unknown top-level keys, so the space lives in its own file::

    model.learning_rate: {float: [1.0e-4, 1.0e-1], log: true}
    model.hidden: {categorical: [[16], [32, 16], [64, 32]]}
    features.ema_spans: {categorical: [[10, 50], [20, 100]]}
    trading.min_trade_fraction: {float: [0.1, 0.9]}
    training.label.horizon_ms: {int: [1000, 20000], step: 1000}
    risk.1.max_position: {float: [0.01, 0.05]}

A numeric path segment indexes a list (the profile's ``risk:`` stack). Categorical choices may be any
YAML value (lists included); Optuna stores them by their JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import optuna
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Dimension(BaseModel):
    """One entry: exactly one of ``float: [low, high]``, ``int: [low, high]``, ``categorical: [...]``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    float_: tuple[float, float] | None = Field(None, alias="float")
    int_: tuple[int, int] | None = Field(None, alias="int")
    categorical: list[Any] | None = Field(None, min_length=1)
    log: bool = False
    step: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> Dimension:
        given = [k for k in ("float_", "int_", "categorical") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of float: [low, high], int: [low, high] or categorical: [...]")
        bounds = self.float_ or self.int_
        if bounds is not None and not bounds[0] < bounds[1]:
            raise ValueError(f"low must be below high, got {list(bounds)}")
        if self.log and (bounds is None or bounds[0] <= 0):
            raise ValueError("log: true needs a numeric range with low > 0")
        if self.log and self.step is not None:
            raise ValueError("log and step cannot be combined")
        return self

    def suggest(self, trial: optuna.Trial, name: str) -> Any:
        if self.float_ is not None:
            return trial.suggest_float(name, *self.float_, log=self.log, step=self.step)
        if self.int_ is not None:
            return trial.suggest_int(name, *self.int_, log=self.log, step=int(self.step or 1))
        assert self.categorical is not None
        key = trial.suggest_categorical(name, [json.dumps(c, sort_keys=True) for c in self.categorical])
        return json.loads(str(key))

    def decode(self, stored: Any) -> Any:
        """The profile value of a stored parameter (categoricals are stored as JSON text)."""
        return json.loads(stored) if self.categorical is not None else stored


class SearchSpace(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimensions: dict[str, Dimension] = Field(min_length=1)

    @model_validator(mode="after")
    def _paths(self) -> SearchSpace:
        for path in self.dimensions:
            parts = path.split(".")
            if len(parts) < 2 or any(not p for p in parts):
                raise ValueError(f"{path!r}: a dotted path below a profile section, e.g. model.learning_rate")
            if parts[0] in ("extends", "mode", "instruments", "name", "store"):
                raise ValueError(f"{path!r}: {parts[0]} is not searchable")
        return self

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        return {path: dim.suggest(trial, path) for path, dim in self.dimensions.items()}

    def decode(self, params: dict[str, Any]) -> dict[str, Any]:
        return {path: self.dimensions[path].decode(v) for path, v in params.items() if path in self.dimensions}


def load_space(path: Path) -> SearchSpace:
    """Read and validate a space file; ``ValueError`` naming the entry on any problem."""
    raw = yaml.safe_load(Path(path).read_text())
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path}: expected a mapping of dotted profile paths to distributions")
    try:
        return SearchSpace(dimensions=raw)
    except Exception as exc:  # pydantic's message names the entry
        raise ValueError(f"{path}: {exc}") from None
