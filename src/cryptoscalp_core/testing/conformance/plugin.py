"""Conformance cases PLUGIN-01..PLUGIN-05 for a plugin distribution.

Use::

    class TestPlugin(PluginConformance):
        entry_point = "order-sanity"
        distribution = "cryptoscalp-risk-order-sanity"
        components = ((ComponentKind.RISK, "order-sanity"),)

The plugin must be installed (``pip install -e .``) so its entry point exists. A component whose config
has required fields gets them from the ``component_settings`` fixture (component name → settings); a
factory that asks for dependencies beyond ``instruments`` and ``mode`` gets them from ``factory_deps``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pydantic
import pytest

from cryptoscalp_core.container import PORTS
from cryptoscalp_core.plugins import ALLOW_ENV, DISABLED_ENV, ENTRY_POINT_GROUP, PluginHost
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentSpec
from cryptoscalp_core.testing.conformance.instruments import sample_instruments

PORT_OF_KIND = PORTS  # one table of kind → port, shared with the container


def _canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


class PluginConformance:
    """Abstract suite: subclass it as ``Test…`` and set the three class attributes below."""

    #: the entry point's name in the ``cryptoscalp`` group
    entry_point: str = ""
    #: the distribution that installs it
    distribution: str = ""
    #: every ``(kind, name)`` the plugin registers, no more and no fewer
    components: tuple[tuple[ComponentKind, str], ...] = ()

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {}

    @pytest.fixture
    def factory_deps(self) -> Mapping[str, Any]:
        return {"instruments": sample_instruments(), "mode": "backtest"}

    @pytest.fixture
    def host(self, monkeypatch: pytest.MonkeyPatch) -> PluginHost:
        """A host that loads every installed plugin, with the allow/block lists of the caller's shell off."""
        monkeypatch.delenv(ALLOW_ENV, raising=False)
        monkeypatch.delenv(DISABLED_ENV, raising=False)
        return PluginHost()

    def _specs(self, host: PluginHost) -> Iterator[ComponentSpec]:
        for kind, name in self.components:
            yield host.registry.get(kind, name)

    def _config(self, spec: ComponentSpec, settings: Mapping[str, Mapping[str, Any]]) -> ComponentConfig:
        return spec.config.model_validate(dict(settings.get(spec.name, {})))

    # -- cases ------------------------------------------------------------------------------------------
    def test_plugin_01_entry_point_installed(self) -> None:
        """PLUGIN-01 exactly one entry point of that name is in the ``cryptoscalp`` group, installed by
        the declared distribution."""
        found: list[EntryPoint] = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == self.entry_point]
        assert len(found) == 1, f"{len(found)} entry points named {self.entry_point!r} (is the plugin installed?)"
        dist = getattr(found[0], "dist", None)
        assert dist is not None and _canonical(dist.metadata["Name"]) == _canonical(self.distribution)

    def test_plugin_02_loads_cleanly(self, host: PluginHost) -> None:
        """PLUGIN-02 the plugin host imports, validates and registers the plugin without a load error."""
        errors = [str(e) for e in host.errors if e.name == self.entry_point]
        assert not errors, errors
        loaded = {p.name: p for p in host.plugins}
        assert self.entry_point in loaded, f"{self.entry_point!r} not among loaded plugins {sorted(loaded)}"
        assert _canonical(loaded[self.entry_point].dist) == _canonical(self.distribution)

    def test_plugin_03_registers_listed_components(self, host: PluginHost) -> None:
        """PLUGIN-03 the plugin registers exactly the components the subclass lists."""
        registered = {(spec.kind, spec.name) for spec in host.registry if spec.plugin == self.entry_point}
        assert registered == set(self.components), f"registered {sorted(registered)}"

    def test_plugin_04_config_models(self, host: PluginHost,
                                     component_settings: Mapping[str, Mapping[str, Any]]) -> None:
        """PLUGIN-04 each component's config subclasses ComponentConfig, validates from its defaults (plus
        the required settings the subclass supplies), refuses unknown keys and is frozen."""
        for spec in self._specs(host):
            assert issubclass(spec.config, ComponentConfig), f"{spec.name}: config is not a ComponentConfig"
            config = self._config(spec, component_settings)
            bad = dict(component_settings.get(spec.name, {})) | {"no_such_setting_": 1}
            with pytest.raises(pydantic.ValidationError):
                spec.config.model_validate(bad)
            field = next(iter(type(config).model_fields), None)
            if field is not None:
                with pytest.raises(pydantic.ValidationError):
                    setattr(config, field, getattr(config, field))

    def test_plugin_05_factory_builds_port(self, host: PluginHost,
                                           component_settings: Mapping[str, Mapping[str, Any]],
                                           factory_deps: Mapping[str, Any]) -> None:
        """PLUGIN-05 each factory, called as factory(config, **deps) with the deps it names, builds an
        object that implements the port of its kind."""
        for spec in self._specs(host):
            config = self._config(spec, component_settings)
            params = list(inspect.signature(spec.factory).parameters.values())[1:]
            wanted = [p.name for p in params if p.kind is not p.VAR_KEYWORD and p.kind is not p.VAR_POSITIONAL]
            missing = [n for n in wanted if n not in factory_deps
                       and next(p for p in params if p.name == n).default is inspect.Parameter.empty]
            assert not missing, f"{spec.name}: factory needs {missing}; provide them in factory_deps"
            component = spec.factory(config, **{n: factory_deps[n] for n in wanted if n in factory_deps})
            port = PORT_OF_KIND[spec.kind]
            assert isinstance(component, port), f"{spec.name}: {type(component).__name__} is not a {port.__name__}"
