"""The composition root: a dependency-injector container assembled from a validated profile.

Every component is a ``Singleton`` provider of its spec's factory, called as ``factory(config, **deps)``.
A factory asks for dependencies by naming keyword parameters; the container may inject:

===============  =============================================================
``profile``      the validated :class:`~cryptoscalp_core.profile.model.Profile`
``instruments``  ``tuple[Instrument, ...]`` in profile order (event ``instrument`` indexes it)
``mode``         ``"backtest"``, ``"paper"`` or ``"live"``
``plugins``      the :class:`~cryptoscalp_core.plugins.PluginHost` (lifecycle ``notify``)
``clock`` ``secrets`` ``store`` ``cache`` ``bus``   the infrastructure components
``feed`` ``features`` ``model`` ``executor``      pipeline components built earlier in this order
any name a plugin contributes through ``cryptoscalp_container_providers``
===============  =============================================================

Infrastructure is built before plugin providers, which are built before the pipeline, so a factory can
only ask for what comes earlier; asking for anything else is an error at assembly, not at run time.
:func:`build_components` then creates the whole object graph (no I/O: factories never connect) and
checks each object against its port.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from dependency_injector import containers, providers

from cryptoscalp_core import ports
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.profile.resolve import ResolvedComponent, ResolvedProfile
from cryptoscalp_core.registry import ComponentKind

INFRASTRUCTURE = ("clock", "secrets", "store", "cache", "bus")
PIPELINE = ("feed", "features", "model", "executor")
CORE_NAMES = frozenset({"profile", "instruments", "mode", "plugins", *INFRASTRUCTURE, *PIPELINE, "risk",
                        "diagnostics"})

PORTS: dict[ComponentKind, type] = {
    ComponentKind.FEED: ports.MarketFeed,
    ComponentKind.FEATURES: ports.FeatureEngine,
    ComponentKind.MODEL: ports.Model,
    ComponentKind.RISK: ports.RiskLayer,
    ComponentKind.EXECUTOR: ports.Executor,
    ComponentKind.DIAGNOSTICS: ports.Diagnostics,
    ComponentKind.STORE: ports.Store,
    ComponentKind.CACHE: ports.Cache,
    ComponentKind.BUS: ports.EventBus,
    ComponentKind.CLOCK: ports.Clock,
    ComponentKind.SECRETS: ports.SecretStore,
}


class ContainerError(RuntimeError):
    """The object graph cannot be assembled; the message names the component and the reason."""


def _label(component: ResolvedComponent) -> str:
    return f"{component.path} ({component.kind.value} {component.spec.name!r} from plugin {component.spec.plugin!r})"


def _provider(component: ResolvedComponent, container: containers.DynamicContainer,
              available: set[str]) -> providers.Provider[Any]:
    params = list(inspect.signature(component.spec.factory).parameters.values())
    if not params or params[0].kind not in (inspect.Parameter.POSITIONAL_ONLY,
                                            inspect.Parameter.POSITIONAL_OR_KEYWORD):
        raise ContainerError(f"{_label(component)}: factory must take the config as first parameter")
    deps: dict[str, Any] = {}
    for param in params[1:]:
        if param.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
            continue
        if param.name in available:
            deps[param.name] = getattr(container, param.name)
        elif param.default is inspect.Parameter.empty:
            raise ContainerError(
                f"{_label(component)}: factory parameter {param.name!r} is not available at this stage "
                f"(available: {', '.join(sorted(available))})"
            )
    return providers.Singleton(component.spec.factory, component.config, **deps)


def build_container(resolved: ResolvedProfile, host: PluginHost) -> containers.DynamicContainer:
    """Assemble providers for every component of ``resolved``; nothing is instantiated yet."""
    container = containers.DynamicContainer()
    container.profile = providers.Object(resolved.profile)
    container.instruments = providers.Object(resolved.instruments)
    container.mode = providers.Object(resolved.profile.mode)
    container.plugins = providers.Object(host)
    available = {"profile", "instruments", "mode", "plugins"}
    for name in INFRASTRUCTURE:
        setattr(container, name, _provider(resolved.components[name], container, available))
        available.add(name)
    for contributed in host.hook.cryptoscalp_container_providers(profile=resolved.profile):
        for name, provider in (contributed or {}).items():
            if name in CORE_NAMES or name in available:
                raise ContainerError(f"a plugin contributed provider {name!r}, which is already taken")
            if not isinstance(provider, providers.Provider):
                raise ContainerError(f"contributed {name!r} is not a dependency-injector provider")
            setattr(container, name, provider)
            available.add(name)
    for name in PIPELINE:
        if name in resolved.components:
            setattr(container, name, _provider(resolved.components[name], container, available))
            available.add(name)
    for name, stack in resolved.stacks.items():
        setattr(container, name, providers.List(*(_provider(c, container, available) for c in stack)))
    return container


@dataclass(slots=True)
class Components:
    """The instantiated object graph of one run."""

    clock: ports.Clock
    secrets: ports.SecretStore
    store: ports.Store
    cache: ports.Cache
    bus: ports.EventBus
    feed: ports.MarketFeed | None = None
    features: ports.FeatureEngine | None = None
    model: ports.Model | None = None
    executor: ports.Executor | None = None
    risk: list[ports.RiskLayer] = field(default_factory=list)
    diagnostics: list[ports.Diagnostics] = field(default_factory=list)


def _checked(component: ResolvedComponent, obj: object) -> Any:
    port = PORTS[component.kind]
    if not isinstance(obj, port):
        missing = [m for m in dir(port) if not m.startswith("_") and not hasattr(obj, m)]
        raise ContainerError(f"{_label(component)} built a {type(obj).__name__} that does not implement "
                             f"{port.__name__} (missing: {', '.join(missing) or 'attributes'})")
    return obj


def build_components(resolved: ResolvedProfile, host: PluginHost) -> tuple[containers.DynamicContainer,
                                                                            Components]:
    """Assemble the container and instantiate every component, checking each against its port."""
    container = build_container(resolved, host)
    built: dict[str, Any] = {}
    for name, component in resolved.components.items():
        try:
            obj = getattr(container, name)()
        except ContainerError:
            raise
        except Exception as exc:
            raise ContainerError(f"{_label(component)}: factory failed: {type(exc).__name__}: {exc}") from exc
        built[name] = _checked(component, obj)
    for name, stack in resolved.stacks.items():
        objs = getattr(container, name)()
        built[name] = [_checked(c, o) for c, o in zip(stack, objs, strict=True)]
    return container, Components(**built)
