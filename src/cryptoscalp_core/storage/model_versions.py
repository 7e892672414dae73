"""Repository of the model registry: versions and their stage history (the ``ModelCatalog`` port)."""

from __future__ import annotations

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cryptoscalp_core.ports.store import ModelStage, ModelVersion, StageChange, StageTransitionError
from cryptoscalp_core.storage.models import ModelStageChangeRow, ModelVersionRow
from cryptoscalp_core.storage.scrub import scrub_document

_FIELDS = tuple(f for f in ModelVersion.__struct_fields__)


def _to_row(v: ModelVersion) -> ModelVersionRow:
    data = msgspec.structs.asdict(v)
    data["stage"] = str(v.stage)
    data["config"] = scrub_document(v.config)
    data["params"] = scrub_document(v.params)
    data["metrics"] = {k: float(x) for k, x in v.metrics.items()}
    return ModelVersionRow(**data)


def _from_row(row: ModelVersionRow) -> ModelVersion:
    data = {f: getattr(row, f) for f in _FIELDS}
    data["stage"] = ModelStage(row.stage)
    return ModelVersion(**data)


def _change(row: ModelStageChangeRow) -> StageChange:
    return StageChange(name=row.name, version=row.version,
                       from_stage=ModelStage(row.from_stage) if row.from_stage else None,
                       to_stage=ModelStage(row.to_stage), ts_ns=row.ts_ns, reason=row.reason)


class ModelVersionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def register(self, version: ModelVersion) -> ModelVersion:
        if not version.name or ":" in version.name:
            raise ValueError(f"model name must be non-empty and without ':', got {version.name!r}")
        if not version.component:
            raise ValueError("a model version needs the component that loads it")
        # Two concurrent registrations may read the same maximum; the primary key refuses the second
        # insert and the store retries the whole transaction.
        latest = self.session.scalar(select(func.max(ModelVersionRow.version))
                                     .where(ModelVersionRow.name == version.name))
        stored = msgspec.structs.replace(version, version=(latest or 0) + 1, stage=ModelStage.CANDIDATE)
        self.session.add(_to_row(stored))
        self.session.add(ModelStageChangeRow(name=stored.name, version=stored.version, from_stage=None,
                                             to_stage=str(ModelStage.CANDIDATE), ts_ns=stored.created_ns,
                                             reason="registered"))
        self.session.flush()
        return stored

    def versions(self, name: str | None) -> list[ModelVersion]:
        query = select(ModelVersionRow).order_by(ModelVersionRow.name, ModelVersionRow.version.desc())
        if name is not None:
            query = query.where(ModelVersionRow.name == name)
        return [_from_row(r) for r in self.session.scalars(query)]

    def get(self, name: str, version: int | None, stage: ModelStage | None) -> ModelVersion | None:
        query = select(ModelVersionRow).where(ModelVersionRow.name == name)
        if version is not None:
            query = query.where(ModelVersionRow.version == version)
        if stage is not None:
            query = query.where(ModelVersionRow.stage == str(stage))
        row = self.session.scalars(query.order_by(ModelVersionRow.version.desc()).limit(1)).first()
        return _from_row(row) if row is not None else None

    def set_stage(self, name: str, version: int, stage: ModelStage, ts_ns: int, reason: str) -> ModelVersion:
        stage = ModelStage(stage)
        rows = {r.version: r for r in self.session.scalars(
            select(ModelVersionRow).where(ModelVersionRow.name == name).with_for_update())}
        row = rows.get(version)
        if row is None:
            raise StageTransitionError(f"model {name!r} has no version {version}")
        if stage is ModelStage.CANDIDATE:
            raise StageTransitionError("a version becomes a candidate only when registered")
        if row.stage == stage:
            raise StageTransitionError(f"{name} v{version} is already in {stage}")
        if stage is ModelStage.PRODUCTION:
            for other in rows.values():
                if other.stage == ModelStage.PRODUCTION:
                    self._move(other, ModelStage.RETIRED, ts_ns, f"replaced by v{version}")
            self.session.flush()  # the retirement must land before the partial unique index sees v
        self._move(row, stage, ts_ns, reason)
        self.session.flush()
        return _from_row(row)

    def _move(self, row: ModelVersionRow, stage: ModelStage, ts_ns: int, reason: str) -> None:
        self.session.add(ModelStageChangeRow(name=row.name, version=row.version, from_stage=row.stage,
                                             to_stage=str(stage), ts_ns=ts_ns, reason=reason))
        row.stage = str(stage)

    def history(self, name: str) -> list[StageChange]:
        query = select(ModelStageChangeRow).where(ModelStageChangeRow.name == name).order_by(ModelStageChangeRow.id)
        return [_change(r) for r in self.session.scalars(query)]
