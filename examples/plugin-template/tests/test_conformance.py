"""The core's Model and Plugin conformance suites, pointed at this plugin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptoscalp_model_example.config import RidgeConfig
from cryptoscalp_model_example.plugin import make_model

from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import ModelConformance, PluginConformance


class TestExampleRidgeModel(ModelConformance):
    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        return lambda: make_model(RidgeConfig(alpha=2.0, gain=1.5))


class TestExampleRidgePlugin(PluginConformance):
    entry_point = "example-ridge"
    distribution = "cryptoscalp-model-example"
    components = ((ComponentKind.MODEL, "example-ridge"),)
