from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from cryptoscalp_core import hookimpl
from cryptoscalp_core.clocks import SimulatedClock
from cryptoscalp_core.container import ContainerError, build_components, build_container
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports import RiskDecision, RiskLayer
from cryptoscalp_core.profile import resolve_data
from cryptoscalp_core.registry import ComponentConfig, ComponentKind

INSTRUMENTS = [{"id": "test:BTCUSDT", "tick_size": "0.1", "lot_size": "0.001"}]


class LayerConfig(ComponentConfig):
    limit: int = 1


class RecordingLayer:
    """A complete RiskLayer that remembers what the container injected."""

    def __init__(self, config: LayerConfig, clock: Any = None, instruments: Any = None,
                 audit_sink: Any = None) -> None:
        self.config, self.clock, self.instruments, self.audit_sink = config, clock, instruments, audit_sink
        self.name = "recording"
        self.metrics: Mapping[str, int] = {}

    def check(self, intent: Any, portfolio: Any) -> RiskDecision:
        return RiskDecision.allow(self.name)

    def on_fill(self, fill: Any) -> None: ...

    def on_order(self, order: Any) -> None: ...


def make_recording(config: LayerConfig, *, clock: Any, instruments: Any) -> RecordingLayer:
    return RecordingLayer(config, clock, instruments)


def make_with_sink(config: LayerConfig, *, audit_sink: Any) -> RecordingLayer:
    return RecordingLayer(config, audit_sink=audit_sink)


def make_needs_unknown(config: LayerConfig, *, order_router: Any) -> RecordingLayer:
    return RecordingLayer(config)


def make_not_a_layer(config: LayerConfig) -> object:
    return object()


class _Components:
    @hookimpl
    def cryptoscalp_register_components(self, registry) -> None:
        registry.add(ComponentKind.RISK, "recording", make_recording, LayerConfig)
        registry.add(ComponentKind.RISK, "with-sink", make_with_sink, LayerConfig)
        registry.add(ComponentKind.RISK, "needs-unknown", make_needs_unknown, LayerConfig)
        registry.add(ComponentKind.RISK, "not-a-layer", make_not_a_layer, LayerConfig)


class _Provides:
    @hookimpl
    def cryptoscalp_container_providers(self, profile: Any) -> dict[str, Any]:
        return {"audit_sink": providers.Singleton(list)}


def profile(tmp_path: Path, *risk: str) -> dict[str, Any]:
    return {"mode": "backtest", "instruments": INSTRUMENTS,
            "store": {"url": f"sqlite:///{tmp_path}/runs.db"},
            "risk": [{"use": name, "limit": i + 1} for i, name in enumerate(risk)]}


def test_factories_get_shared_singletons_by_parameter_name(tmp_path: Path) -> None:
    host = PluginHost(load_entry_points=False, extra=(("t", _Components()),))
    resolved = resolve_data(profile(tmp_path, "recording", "recording"), host.registry)
    container, components = build_components(resolved, host)
    first, second = components.risk
    assert isinstance(first, RiskLayer) and (first.config.limit, second.config.limit) == (1, 2)
    assert first.clock is second.clock is components.clock is container.clock()
    assert isinstance(components.clock, SimulatedClock)
    assert first.instruments[0].id == "test:BTCUSDT"
    assert not (tmp_path / "runs.db").exists()  # assembling the graph opened no connection


def test_unavailable_dependency_is_named_at_assembly(tmp_path: Path) -> None:
    host = PluginHost(load_entry_points=False, extra=(("t", _Components()),))
    resolved = resolve_data(profile(tmp_path, "needs-unknown"), host.registry)
    with pytest.raises(ContainerError, match=r"risk\[0\].*'order_router' is not available"):
        build_container(resolved, host)


def test_component_that_breaks_its_port_is_refused(tmp_path: Path) -> None:
    host = PluginHost(load_entry_points=False, extra=(("t", _Components()),))
    resolved = resolve_data(profile(tmp_path, "not-a-layer"), host.registry)
    with pytest.raises(ContainerError, match=r"does not implement RiskLayer \(missing: .*check"):
        build_components(resolved, host)


def test_plugins_contribute_providers(tmp_path: Path) -> None:
    host = PluginHost(load_entry_points=False, extra=(("t", _Components()), ("p", _Provides())))
    resolved = resolve_data(profile(tmp_path, "with-sink"), host.registry)
    container, components = build_components(resolved, host)
    assert components.risk[0].audit_sink is container.audit_sink()  # type: ignore[attr-defined]


def test_contributed_provider_cannot_shadow_core_names(tmp_path: Path) -> None:
    class Shadow:
        @hookimpl
        def cryptoscalp_container_providers(self, profile: Any) -> dict[str, Any]:
            return {"store": providers.Object(None)}

    host = PluginHost(load_entry_points=False, extra=(("s", Shadow()),))
    resolved = resolve_data(profile(tmp_path), host.registry)
    with pytest.raises(ContainerError, match="'store', which is already taken"):
        build_container(resolved, host)
