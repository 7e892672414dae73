"""The ``registered`` model component: a model loaded from the registry by name and stage (or version).

The factory does no I/O: the registry is read, the artifact's digest checked and the model loaded on first
use (the engine's ``requires_fit`` check before a run), so a missing or tampered model stops the run
before its first event, with the registry's error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field

from cryptoscalp_core.model_registry.artifacts import ArtifactStore
from cryptoscalp_core.model_registry.registry import ModelRegistry, RegistryError, artifact_root
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports.model import Model, SignalKind
from cryptoscalp_core.ports.store import ModelCatalog, ModelStage, ModelVersion
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry


class RegisteredModelConfig(ComponentConfig):
    name: str = Field(description="Model name in the registry.")
    stage: ModelStage = Field(ModelStage.PRODUCTION, description="Stage to load (newest version in it).")
    version: int | None = Field(None, ge=1, description="Exact version to load instead of a stage.")
    artifacts: str | None = Field(None, description="Artifact root; default `models/` beside a SQLite store "
                                                    "file, else `./models`.")


class RegisteredModel:
    """A :class:`Model` that is the registry's version, loaded lazily. Training is refused: a registered
    version is immutable; train a new one and register it."""

    def __init__(self, registry: ModelRegistry, config: RegisteredModelConfig) -> None:
        self._registry, self._config = registry, config
        self._model: Model | None = None
        self.entry: ModelVersion | None = None

    def __repr__(self) -> str:
        which = f"v{self._config.version}" if self._config.version else str(self._config.stage)
        return f"RegisteredModel({self._config.name!r}, {which})"

    @property
    def model(self) -> Model:
        if self._model is None:
            self.entry, self._model = self._registry.load(self._config.name, stage=self._config.stage,
                                                          version=self._config.version)
        return self._model

    @property
    def signal_kind(self) -> SignalKind:
        return self.model.signal_kind

    @property
    def requires_fit(self) -> bool:
        return self.model.requires_fit

    def fit(self, X: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> None:
        raise RegistryError("a registered model version is immutable: train a new one and register it")

    partial_fit = fit

    def predict(self, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return self.model.predict(X)

    def save(self, path: Path) -> None:
        self.model.save(path)

    @classmethod
    def load(cls, path: Path) -> Model:
        raise RegistryError("load a registered model through the registry (model: {use: registered, ...})")


def make_registered_model(config: RegisteredModelConfig, *, store: Any, plugins: PluginHost) -> RegisteredModel:
    """A model from the registry, by name and stage or version."""
    if not isinstance(store, ModelCatalog):
        raise RegistryError(f"the store {type(store).__name__} has no model registry")
    root = artifact_root(store, config.artifacts)
    return RegisteredModel(ModelRegistry(store, ArtifactStore(root), host=plugins), config)


def register(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.MODEL, "registered", make_registered_model, RegisteredModelConfig)
