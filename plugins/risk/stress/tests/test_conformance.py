"""The core's Plugin conformance suite, pointed at the stress command plugin (it registers no component)."""

from __future__ import annotations

from cryptoscalp_core.testing.conformance import PluginConformance


class TestStressPlugin(PluginConformance):
    entry_point = "risk-stress"
    distribution = "cryptoscalp-risk-stress"
    components = ()
