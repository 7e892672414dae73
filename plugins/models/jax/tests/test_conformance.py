"""The core's conformance suites: MODEL-01..08 for each model and task, PLUGIN-01..05 for the distribution."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from cryptoscalp_models_jax.config import JaxMlpConfig, JaxOnlineLinearConfig
from cryptoscalp_models_jax.mlp import JaxMlpModel
from cryptoscalp_models_jax.online_linear import JaxOnlineLinearModel

from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import ModelConformance, PluginConformance, regression_dataset

Array = np.ndarray
SMALL = {"hidden": [16], "epochs": 5, "batch_size": 32}


def binary_dataset() -> tuple[Array, Array]:
    X, y = regression_dataset()
    return X, (y > 0).astype(np.float64)


def class_dataset() -> tuple[Array, Array]:
    X, y = regression_dataset()
    return X, np.where(y > 0.2, 2.0, np.where(y < -0.2, 0.0, 1.0))


class TestMlpRegression(ModelConformance):
    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        return lambda: JaxMlpModel(JaxMlpConfig(task="regression", seed=7, **SMALL))


class TestMlpBinaryProbabilities(ModelConformance):
    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        return lambda: JaxMlpModel(JaxMlpConfig(task="binary", output="probabilities", seed=7, **SMALL))

    @pytest.fixture
    def dataset(self) -> tuple[Array, Array]:
        return binary_dataset()


class TestMlpMulticlass(ModelConformance):
    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        return lambda: JaxMlpModel(JaxMlpConfig(task="multiclass", output="probabilities", seed=7, **SMALL))

    @pytest.fixture
    def dataset(self) -> tuple[Array, Array]:
        return class_dataset()


class TestOnlineLinearRegression(ModelConformance):
    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        return lambda: JaxOnlineLinearModel(JaxOnlineLinearConfig(task="regression", optimizer="adam", seed=7))


class TestOnlineLinearBinary(ModelConformance):
    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        return lambda: JaxOnlineLinearModel(JaxOnlineLinearConfig(task="binary", seed=7))

    @pytest.fixture
    def dataset(self) -> tuple[Array, Array]:
        return binary_dataset()


class TestOnlineLinearMulticlassProbabilities(ModelConformance):
    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        return lambda: JaxOnlineLinearModel(JaxOnlineLinearConfig(task="multiclass", output="probabilities", seed=7))

    @pytest.fixture
    def dataset(self) -> tuple[Array, Array]:
        return class_dataset()


class TestJaxPlugin(PluginConformance):
    entry_point = "models-jax"
    distribution = "cryptoscalp-models-jax"
    components = ((ComponentKind.MODEL, "jax-mlp"), (ComponentKind.MODEL, "jax-online-linear"))
