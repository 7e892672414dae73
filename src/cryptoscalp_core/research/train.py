"""``cryptoscalp train``: dataset → labels → purged walk-forward evaluation → final fit → registry → backtest.

Each fold trains a fresh model (built from the profile's model section) on the fold's purged training rows
and scores it on the test rows; the reported metrics are out-of-sample only. The registered model is then
fit on every labelled row, and (unless ``training.backtest`` is off) backtested net of fees through the
same engine as any backtest, with the profile's executor, fees and risk layers.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.model_registry import ArtifactStore, ModelRegistry
from cryptoscalp_core.model_registry.registry import artifact_root
from cryptoscalp_core.plugins import PluginHost, default_host
from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.ports.store import ModelCatalog, ModelVersion
from cryptoscalp_core.profile import load_profile
from cryptoscalp_core.profile.model import TrainingSettings
from cryptoscalp_core.research.dataset import Dataset, build_dataset
from cryptoscalp_core.research.labels import Labels, direction_classes, forward_returns, triple_barrier
from cryptoscalp_core.research.metrics import calibration_error, hit_rate, information_coefficient, score
from cryptoscalp_core.research.splits import walk_forward

F64 = npt.NDArray[np.float64]
_MS = 1_000_000


@dataclass(slots=True)
class FoldReport:
    fold: int
    train_rows: int
    test_rows: int
    purged: int
    ic: float
    hit_rate: float
    calibration_error: float


@dataclass(slots=True)
class TrainReport:
    version: ModelVersion
    folds: list[FoldReport]
    metrics: dict[str, float]
    backtest: dict[str, Any] | None = None
    rows: int = 0
    labelled: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def make_labels(data: Dataset, settings: TrainingSettings) -> tuple[Labels, F64]:
    """Labels for every feature row (aligned with ``data.X``) and the raw forward return beside them."""
    spec = settings.label
    n = len(data)
    values, t0, t1, fwd = np.full(n, np.nan), data.ts.copy(), data.ts.copy(), np.full(n, np.nan)
    horizon = spec.horizon_ms * _MS
    for inst in np.unique(data.instrument):
        rows = data.rows_of(int(inst))
        ts, price = data.price_path(int(inst))
        if len(ts) == 0:
            continue
        # the price as of each feature row's own time: nothing after it enters the features
        at = np.searchsorted(ts, data.ts[rows], side="right") - 1
        known = at >= 0
        rows, at = rows[known], at[known]
        raw = forward_returns(ts, price, horizon, rows=at)
        fwd[rows] = raw.values
        if spec.kind == "forward_return":
            lab = raw
        elif spec.kind == "direction":
            lab = direction_classes(raw, fee_rate=spec.fee_rate, extra_band=spec.extra_band)
        else:
            lab = triple_barrier(ts, price, take_profit=spec.take_profit, stop_loss=spec.stop_loss,
                                 max_holding_ns=horizon, rows=at)
        values[rows], t1[rows] = lab.values, np.maximum(lab.t1, data.ts[rows])
    return Labels(values, t0, t1), fwd


def target_for(labels: F64, target: str) -> F64:
    """The ``y`` a model family expects: the label itself, ``up`` (1/0) or 3-class indices (0/1/2)."""
    if target == "label":
        return labels
    if target == "up":
        return np.where(np.isfinite(labels), (labels > 0).astype(np.float64), np.nan)
    if target == "class":
        return np.where(np.isfinite(labels), np.sign(labels) + 1.0, np.nan)
    raise ValueError(f"unknown training target {target!r}")


async def train_profile(profile_path: str | Path, *, host: PluginHost | None = None,
                        output_dir: Path = Path("runs"),
                        log: Callable[[str], None] = lambda _msg: None) -> TrainReport:
    host = host or default_host()
    resolved = load_profile(profile_path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    settings = resolved.profile.training
    section = resolved.components.get("model")
    if section is None:
        raise ValueError("cryptoscalp train needs a model section in the profile")

    data = await build_dataset(profile_path, host=host)
    # factories that map feature columns by name (book or cross-asset models) ask for the feature engine
    wants_features = "features" in inspect.signature(section.spec.factory).parameters

    def fresh() -> Model:
        extra = {"features": SimpleNamespace(names=data.names)} if wants_features else {}
        model: Model = section.spec.factory(section.config, **extra)
        return model

    labels, fwd = make_labels(data, settings)
    target = settings.target
    y = target_for(labels.values, target)
    log(f"dataset: {len(data):,} feature rows from {data.events:,} events, {int(labels.valid.sum()):,} labelled")
    folds = walk_forward(labels, settings.folds, embargo_ns=settings.embargo_ms * _MS, mode=settings.mode)
    reports: list[FoldReport] = []
    for k, fold in enumerate(folds):
        model = fresh()
        model.fit(data.X[fold.train], y[fold.train])
        s = score(model.predict(data.X[fold.test]), model.signal_kind)
        reports.append(FoldReport(k, len(fold.train), len(fold.test), fold.purged,
                                  information_coefficient(s, fwd[fold.test]), hit_rate(s, fwd[fold.test]),
                                  calibration_error(s, fwd[fold.test])))
        log(f"fold {k}: train {len(fold.train):,} test {len(fold.test):,} IC {reports[-1].ic:+.4f} "
            f"hit {reports[-1].hit_rate:.3f}")
    metrics = {name: _mean([getattr(r, name) for r in reports]) for name in ("ic", "hit_rate", "calibration_error")}
    final = fresh()
    labelled = labels.valid
    final.fit(data.X[labelled], y[labelled])
    store = _catalog(resolved)
    name = settings.register_as or resolved.profile.name or Path(profile_path).stem
    registry = ModelRegistry(store, ArtifactStore(artifact_root(store, settings.artifacts)), host=host)
    version = registry.register(
        final, name=name, component=section.spec.name, config=section.config.model_dump(mode="json"),
        features=data.names, data_range=data.time_range, metrics={f"oos_{k}": v for k, v in metrics.items()},
        params={"label": settings.label.model_dump(), "target": target, "folds": settings.folds,
                "embargo_ms": settings.embargo_ms, "mode": settings.mode},
        description=f"trained by cryptoscalp train on {Path(profile_path).name}")
    report = TrainReport(version, reports, metrics, rows=len(data), labelled=int(labelled.sum()))
    if settings.backtest:
        from cryptoscalp_core.engine.run import run_backtest

        result = await run_backtest(profile_path, host=host, output_dir=output_dir, model=final)
        report.backtest = result.summary
    return report


def _catalog(resolved: Any) -> ModelCatalog:
    """The profile's store, as the registry's catalog (a factory does no I/O; migrate connects)."""
    section = resolved.components["store"]
    store = section.spec.factory(section.config)
    if not isinstance(store, ModelCatalog):
        raise TypeError(f"store {section.spec.name!r} has no model registry")
    store.migrate()  # type: ignore[attr-defined]
    return store


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


__all__ = ["FoldReport", "TrainReport", "make_labels", "target_for", "train_profile"]
