"""The model registry on SQLite and PostgreSQL: versions, stages, rollback, artifacts, lineage, loading."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from cryptoscalp_core import hookimpl
from cryptoscalp_core.model_registry import ArtifactIntegrityError, ArtifactStore, ModelRegistry, RegistryError
from cryptoscalp_core.model_registry.component import RegisteredModelConfig, make_registered_model
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_core.ports.store import ModelStage, StageTransitionError
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry
from cryptoscalp_core.storage import SqlStore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class LeastSquares:
    """A small learned model (linear least squares, saved as .npy) standing for a model plugin's."""

    signal_kind = SignalKind.TARGET_POSITION

    def __init__(self, config: ComponentConfig | None = None) -> None:
        self.coef: np.ndarray | None = None

    @property
    def requires_fit(self) -> bool:
        return self.coef is None

    def fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self.coef = np.linalg.lstsq(X, y, rcond=None)[0]

    partial_fit = fit

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.coef is None:
            raise RuntimeError("not fit")
        return np.clip(np.nan_to_num(X) @ self.coef, -1, 1)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "coef.npy", self.coef)

    @classmethod
    def load(cls, path: Path) -> LeastSquares:
        model = cls()
        model.coef = np.load(path / "coef.npy")
        return model


class _TestModels:
    @hookimpl
    def cryptoscalp_register_components(self, registry: ComponentRegistry) -> None:
        registry.add(ComponentKind.MODEL, "lstsq", LeastSquares)


@pytest.fixture
def host() -> PluginHost:
    return PluginHost(load_entry_points=False, extra=(("test-models", _TestModels()),))


@pytest.fixture
def registry(store: SqlStore, tmp_path: Path, host: PluginHost) -> ModelRegistry:
    return ModelRegistry(store, ArtifactStore(tmp_path / "models"), host=host)


def _ridge(seed: int) -> tuple[LeastSquares, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 3))
    y = np.tanh(X @ np.array([0.5, -0.2, 0.1]) + rng.normal(scale=0.1, size=200))
    model = LeastSquares()
    model.fit(X, y)
    return model, X


def test_register_assigns_versions_and_records_lineage(registry: ModelRegistry, store: SqlStore) -> None:
    model, _ = _ridge(1)
    first = registry.register(model, name="ridge-btc", component="lstsq", features=["a", "b", "c"],
                              data_range=(10, 20), params={"alpha": 1.0}, metrics={"ic": 0.12})
    second = registry.register(_ridge(2)[0], name="ridge-btc", component="lstsq", parent="ridge-btc:1")
    assert (first.version, second.version) == (1, 2)
    stored = store.get_model_version("ridge-btc", version=1)
    assert stored is not None
    assert stored.stage is ModelStage.CANDIDATE
    assert (stored.data_start_ns, stored.data_end_ns, stored.features) == (10, 20, ["a", "b", "c"])
    assert stored.metrics == {"ic": 0.12} and stored.params == {"alpha": 1.0}
    assert "cryptoscalp-core" in stored.code_version
    assert store.get_model_version("ridge-btc", version=2).parent == "ridge-btc:1"  # type: ignore[union-attr]
    assert [v.version for v in store.model_versions("ridge-btc")] == [2, 1]


def test_loaded_model_predicts_like_the_registered_one(registry: ModelRegistry) -> None:
    model, X = _ridge(3)
    entry = registry.register(model, name="m", component="lstsq")
    registry.promote("m", entry.version)
    loaded_entry, loaded = registry.load("m", stage=ModelStage.PRODUCTION)
    assert loaded_entry.version == entry.version
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_one_production_version_and_rollback(registry: ModelRegistry, store: SqlStore) -> None:
    for seed in (1, 2, 3):
        registry.register(_ridge(seed)[0], name="m", component="lstsq")
    registry.promote("m", 1)
    registry.promote("m", 2, ModelStage.SHADOW)
    registry.promote("m", 2)
    stages = {v.version: v.stage for v in store.model_versions("m")}
    assert stages == {1: ModelStage.RETIRED, 2: ModelStage.PRODUCTION, 3: ModelStage.CANDIDATE}
    back = registry.rollback("m")
    assert back.version == 1 and back.stage is ModelStage.PRODUCTION
    assert store.get_model_version("m", version=2).stage is ModelStage.RETIRED  # type: ignore[union-attr]
    history = [(c.version, c.from_stage, c.to_stage) for c in store.model_stage_history("m")][3:]
    assert history == [(1, ModelStage.CANDIDATE, ModelStage.PRODUCTION), (2, ModelStage.CANDIDATE, ModelStage.SHADOW),
                       (1, ModelStage.PRODUCTION, ModelStage.RETIRED), (2, ModelStage.SHADOW, ModelStage.PRODUCTION),
                       (2, ModelStage.PRODUCTION, ModelStage.RETIRED), (1, ModelStage.RETIRED, ModelStage.PRODUCTION)]


def test_refused_transitions(registry: ModelRegistry) -> None:
    registry.register(_ridge(1)[0], name="m", component="lstsq")
    with pytest.raises(StageTransitionError, match="no version 9"):
        registry.promote("m", 9)
    with pytest.raises(StageTransitionError, match="only when registered"):
        registry.promote("m", 1, ModelStage.CANDIDATE)
    registry.promote("m", 1, ModelStage.SHADOW)
    with pytest.raises(StageTransitionError, match="already in shadow"):
        registry.promote("m", 1, ModelStage.SHADOW)
    registry.promote("m", 1)
    with pytest.raises(StageTransitionError, match="no earlier production version"):
        registry.rollback("m")


def test_tampered_artifact_is_refused(registry: ModelRegistry, tmp_path: Path) -> None:
    entry = registry.register(_ridge(1)[0], name="m", component="lstsq")
    registry.promote("m", entry.version)
    files = [p for p in (tmp_path / "models" / "m" / "v1").rglob("*") if p.is_file()]
    assert files
    files[0].write_bytes(files[0].read_bytes() + b" ")
    with pytest.raises(ArtifactIntegrityError, match="modified"):
        registry.load("m")


def test_unfit_model_and_unknown_names_are_refused(registry: ModelRegistry) -> None:
    with pytest.raises(RegistryError, match="neither fit nor loaded"):
        registry.register(LeastSquares(), name="m", component="lstsq")
    with pytest.raises(RegistryError, match="no a production version"):
        registry.load("nope")


def test_concurrent_registrations_get_distinct_versions(registry: ModelRegistry) -> None:
    model, _ = _ridge(1)
    versions: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            versions.append(registry.register(model, name="race", component="lstsq").version)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(versions) == [1, 2, 3, 4]


def test_profile_component_loads_the_production_version(registry: ModelRegistry, store: SqlStore,
                                                        host: PluginHost, tmp_path: Path) -> None:
    model, X = _ridge(4)
    registry.promote("m", registry.register(model, name="m", component="lstsq").version)
    component = make_registered_model(RegisteredModelConfig(name="m", artifacts=str(tmp_path / "models")),
                                      store=store, plugins=host)
    assert component.requires_fit is False
    np.testing.assert_array_equal(component.predict(X), model.predict(X))
    with pytest.raises(RegistryError, match="immutable"):
        component.fit(X, X[:, 0])


def test_cli_lists_promotes_and_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           host: PluginHost) -> None:
    """The `cryptoscalp models` commands against a SQLite registry a user would have."""
    from typer.testing import CliRunner

    from cryptoscalp_core.cli import build_app, models_cmd

    url = f"sqlite:///{tmp_path / 'runs' / 'cs.db'}"
    store = SqlStore(url)
    store.migrate()
    reg = ModelRegistry(store, ArtifactStore(tmp_path / "runs" / "models"), host=host)
    for seed in (1, 2):
        reg.register(_ridge(seed)[0], name="alpha", component="lstsq", metrics={"ic": 0.1 * seed})
    store.close()
    monkeypatch.setattr("cryptoscalp_core.plugins.default_host", lambda: host)
    runner = CliRunner()
    app = build_app()
    assert models_cmd.app is not None

    def run(*args: str) -> str:
        result = runner.invoke(app, ["models", *args, "--store", url])
        assert result.exit_code == 0, result.output
        return result.output

    listed = run("list")
    assert "alpha" in listed and "candidate" in listed and "ic=0.2" in listed
    assert "now production" in run("promote", "alpha", "1")
    assert "now production" in run("promote", "alpha", "2")
    assert "v1 is back in production" in run("rollback", "alpha")
    shown = run("show", "alpha")
    assert '"version": 1' in shown and "rollback from v2" in shown
    refused = runner.invoke(app, ["models", "rollback", "alpha", "--store", url])
    assert refused.exit_code == 1 and "no earlier production version" in refused.output
