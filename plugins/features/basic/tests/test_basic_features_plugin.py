"""The plugin as installed: entry point, registration, settings model and factory (conformance kit)."""

from __future__ import annotations

from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance


class TestBasicFeaturesPlugin(PluginConformance):
    entry_point = "features-basic"
    distribution = "cryptoscalp-features-basic"
    components = ((ComponentKind.FEATURES, "basic"),)
