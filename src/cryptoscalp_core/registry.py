"""The component registry: what plugins provide, by kind and name.

Plugins fill it from the ``cryptoscalp_register_components`` hook; profiles pick from it with ``use:``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class ComponentKind(StrEnum):
    """The slots of a profile. Each kind's components implement the port of the same name."""

    FEED = "feed"  #: MarketFeed
    FEATURES = "features"  #: FeatureEngine
    MODEL = "model"  #: Model
    RISK = "risk"  #: RiskLayer (a profile stacks several)
    EXECUTOR = "executor"  #: Executor
    DIAGNOSTICS = "diagnostics"  #: Diagnostics (a profile may list several)
    STORE = "store"  #: Store
    CACHE = "cache"  #: Cache
    BUS = "bus"  #: EventBus
    CLOCK = "clock"  #: Clock
    SECRETS = "secrets"  #: SecretStore


class ComponentConfig(BaseModel):
    """Base class of every component's settings: unknown keys and mutation are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """How to build one component.

    ``factory`` is called as ``factory(config, **deps)`` where ``config`` is an instance of ``config``
    (validated from the profile) and ``deps`` are the keyword parameters the factory declares by name
    from the container's injectable objects (``clock``, ``store``, ``cache``, ``bus``, ``secrets``,
    ``instruments``, ``mode``, ``hooks``…, see :mod:`cryptoscalp_core.container`). A factory does no
    I/O: connections open in the component's ``start()``.
    """

    kind: ComponentKind
    name: str
    factory: Callable[..., Any]
    config: type[ComponentConfig] = ComponentConfig
    description: str = ""
    plugin: str = ""


class DuplicateComponentError(ValueError):
    pass


class UnknownComponentError(LookupError):
    """A profile asked for a component no installed plugin provides."""

    def __init__(self, kind: ComponentKind, name: str, installed: list[str]) -> None:
        self.kind, self.name, self.installed = kind, name, installed
        close = difflib.get_close_matches(name, installed, n=1, cutoff=0.5)
        self.suggestion = close[0] if close else None
        hint = f"; did you mean {self.suggestion!r}?" if self.suggestion else ""
        listed = ", ".join(installed) if installed else "none"
        super().__init__(f"unknown {kind.value} component {name!r} (installed: {listed}){hint}")

    def __str__(self) -> str:
        return str(self.args[0])


class ComponentRegistry:
    """Components by ``(kind, name)``. :meth:`add` is what a plugin's registration hook calls."""

    def __init__(self) -> None:
        self._specs: dict[tuple[ComponentKind, str], ComponentSpec] = {}
        self.current_plugin = ""

    def add(self, kind: ComponentKind | str, name: str, factory: Callable[..., Any],
            config: type[ComponentConfig] = ComponentConfig, description: str = "") -> ComponentSpec:
        kind = ComponentKind(kind)
        if not isinstance(config, type) or not issubclass(config, BaseModel):
            raise TypeError(f"{kind.value} {name!r}: config must be a pydantic model class, got {config!r}")
        key = (kind, name)
        if key in self._specs:
            other = self._specs[key].plugin
            raise DuplicateComponentError(
                f"{kind.value} component {name!r} is registered by both {other!r} and {self.current_plugin!r}"
            )
        doc = description or (factory.__doc__ or "").strip().split("\n")[0]
        spec = ComponentSpec(kind, name, factory, config, doc, self.current_plugin)
        self._specs[key] = spec
        return spec

    def get(self, kind: ComponentKind | str, name: str) -> ComponentSpec:
        kind = ComponentKind(kind)
        try:
            return self._specs[(kind, name)]
        except KeyError:
            raise UnknownComponentError(kind, name, self.names(kind)) from None

    def names(self, kind: ComponentKind | str) -> list[str]:
        kind = ComponentKind(kind)
        return sorted(name for (k, name) in self._specs if k is kind)

    def remove_plugin(self, plugin: str) -> None:
        for key in [k for k, spec in self._specs.items() if spec.plugin == plugin]:
            del self._specs[key]

    def __iter__(self) -> Iterator[ComponentSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.kind.value, s.name)))

    def __len__(self) -> int:
        return len(self._specs)
