"""``ModelRegistry``: register, promote, roll back and load model versions."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from cryptoscalp_core.model_registry.artifacts import ArtifactStore, directory_digest
from cryptoscalp_core.model_registry.lineage import code_version
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.ports.store import ModelCatalog, ModelStage, ModelVersion, StageTransitionError
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry

ROLLBACK_PREFIX = "rollback from v"


class RegistryError(LookupError):
    """No such model, version or stage; or a component that cannot load the artifact."""


class ModelRegistry:
    def __init__(self, catalog: ModelCatalog, artifacts: ArtifactStore, *, host: PluginHost | None = None,
                 components: ComponentRegistry | None = None, clock: Callable[[], int] = time.time_ns) -> None:
        if not isinstance(catalog, ModelCatalog):
            raise TypeError(f"{type(catalog).__name__} does not implement the ModelCatalog port")
        self.catalog, self.artifacts, self.host, self.clock = catalog, artifacts, host, clock
        self.components = components if components is not None else (host.registry if host else None)

    # -- writing -------------------------------------------------------------------------------------------
    def register(self, model: Model, *, name: str, component: str, config: Mapping[str, Any] | None = None,
                 features: Sequence[str] = (), data_range: tuple[int, int] | None = None,
                 params: Mapping[str, Any] | None = None, metrics: Mapping[str, float] | None = None,
                 parent: str | None = None, description: str = "") -> ModelVersion:
        """Save ``model``'s files, record the version (stage ``candidate``) and return it."""
        if model.requires_fit:
            raise RegistryError(f"refusing to register {name!r}: the model was neither fit nor loaded")
        plugin = self._component_plugin(component)
        staged = self.artifacts.staging()
        try:
            model.save(staged)
            digest = directory_digest(staged)
            draft = ModelVersion(name=name, component=component, config=dict(config or {}),
                                 created_ns=self.clock(), features=list(features),
                                 data_start_ns=data_range[0] if data_range else None,
                                 data_end_ns=data_range[1] if data_range else None,
                                 params=dict(params or {}), code_version=code_version(self.host, plugin),
                                 metrics={k: float(v) for k, v in (metrics or {}).items()},
                                 artifact_sha256=digest, parent=parent, description=description)
            # The number is known only once stored; the uri follows from it, so it is set in the same row.
            stored = self.catalog.register_model(draft)
            uri = ArtifactStore.uri(name, stored.version)
            self.artifacts.publish(staged, uri)
        except BaseException:
            self.artifacts.discard(staged)
            raise
        return msgspec.structs.replace(stored, artifact_uri=uri)

    def promote(self, name: str, version: int, stage: ModelStage | str = ModelStage.PRODUCTION,
                reason: str = "") -> ModelVersion:
        moved = self.catalog.set_model_stage(name, version, ModelStage(stage), ts_ns=self.clock(),
                                             reason=reason or "promoted")
        if self.host is not None:
            self.host.notify("cryptoscalp_model_promoted", name=name, version=version, stage=str(moved.stage))
        return moved

    def rollback(self, name: str, reason: str = "") -> ModelVersion:
        """Put back in production the version that was there before the current one.

        Versions that were themselves rolled back from are skipped, so a second rollback goes further
        back instead of restoring the version just abandoned."""
        current = self.catalog.get_model_version(name, stage=ModelStage.PRODUCTION)
        if current is None:
            raise StageTransitionError(f"model {name!r} has no production version to roll back")
        history = self.catalog.model_stage_history(name)
        abandoned = {current.version}
        for change in history:
            if change.to_stage is ModelStage.PRODUCTION and change.reason.startswith(ROLLBACK_PREFIX):
                abandoned.add(int(change.reason[len(ROLLBACK_PREFIX):].split(":")[0]))
        previous = [c.version for c in history if c.to_stage is ModelStage.PRODUCTION and c.version not in abandoned]
        if not previous:
            raise StageTransitionError(f"{name} v{current.version}: no earlier production version to roll back to")
        note = f"{ROLLBACK_PREFIX}{current.version}" + (f": {reason}" if reason else "")
        return self.promote(name, previous[-1], ModelStage.PRODUCTION, note)

    # -- reading -------------------------------------------------------------------------------------------
    def resolve(self, name: str, *, stage: ModelStage | str | None = None,
                version: int | None = None) -> ModelVersion:
        found = self.catalog.get_model_version(name, version=version,
                                               stage=ModelStage(stage) if stage is not None else None)
        if found is None:
            what = f"version {version}" if version is not None else f"a {stage} version" if stage else "a version"
            known = sorted({v.name for v in self.catalog.model_versions()})
            raise RegistryError(f"model {name!r} has no {what} (registered models: {', '.join(known) or 'none'})")
        if not found.artifact_uri:
            found = msgspec.structs.replace(found, artifact_uri=ArtifactStore.uri(found.name, found.version))
        return found

    def load(self, name: str, *, stage: ModelStage | str | None = ModelStage.PRODUCTION,
             version: int | None = None) -> tuple[ModelVersion, Model]:
        """The version and its model, loaded by its component's class after the artifact digest check."""
        entry = self.resolve(name, stage=None if version is not None else stage, version=version)
        path = self.artifacts.open(entry.artifact_uri, entry.artifact_sha256)
        return entry, self._model_class(entry).load(path)

    def _model_class(self, entry: ModelVersion) -> type[Model]:
        if self.components is None:
            raise RegistryError("loading a model needs the component registry (a PluginHost)")
        spec = self.components.get(ComponentKind.MODEL, entry.component)
        try:
            blank = spec.factory(spec.config.model_validate(entry.config))
        except TypeError as exc:
            raise RegistryError(f"model component {entry.component!r} cannot be built from its stored "
                                f"settings alone: {exc}") from exc
        return type(blank)

    def _component_plugin(self, component: str) -> str:
        if self.components is None:
            return ""
        return self.components.get(ComponentKind.MODEL, component).plugin


def artifact_root(store: object, explicit: Path | str | None = None) -> Path:
    """Where artifacts go by default: ``models/`` beside a SQLite database file, else ``./models``."""
    if explicit is not None:
        return Path(explicit)
    url = getattr(store, "url", None)
    database = getattr(url, "database", None)
    if url is not None and url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:"):
        return Path(database).parent / "models"
    return Path("models")
