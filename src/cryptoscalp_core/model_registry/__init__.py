"""The model registry: versions of trained models with lineage, artifacts and stages.

:class:`ModelRegistry` registers a fitted :class:`~cryptoscalp_core.ports.model.Model` (its files go to
an :class:`ArtifactStore`, its record to the store's ``ModelCatalog``), moves versions between stages
(``candidate`` → ``shadow`` → ``production`` → ``retired``), rolls production back, and loads a version
by name and stage. A profile loads one with ``model: {use: registered, name: ..., stage: production}``.
"""

from cryptoscalp_core.model_registry.artifacts import ArtifactIntegrityError, ArtifactStore
from cryptoscalp_core.model_registry.registry import ModelRegistry, RegistryError

__all__ = ["ArtifactIntegrityError", "ArtifactStore", "ModelRegistry", "RegistryError"]
