"""The core's own components, registered like any plugin's (pytest's "built-in plugins" idea)."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    from cryptoscalp_core import clocks, secret_stores
    from cryptoscalp_core.bus import component as bus_component
    from cryptoscalp_core.cache import component as cache_component
    from cryptoscalp_core.marketdata import component as marketdata_component
    from cryptoscalp_core.model_registry import component as model_registry_component
    from cryptoscalp_core.sim import component as sim_component
    from cryptoscalp_core.storage import component as storage_component

    registry.add(ComponentKind.CLOCK, "live", clocks.make_live_clock)
    registry.add(ComponentKind.CLOCK, "simulated", clocks.make_simulated_clock, clocks.SimulatedClockConfig)
    registry.add(ComponentKind.SECRETS, "env", secret_stores.make_env_secrets, secret_stores.EnvSecretsConfig)
    registry.add(ComponentKind.SECRETS, "file", secret_stores.make_file_secrets,
                 secret_stores.FileSecretsConfig)
    storage_component.register(registry)
    cache_component.register(registry)
    bus_component.register(registry)
    sim_component.register(registry)
    marketdata_component.register(registry)
    model_registry_component.register(registry)
