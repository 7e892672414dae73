"""Plugin objects for fake distributions: one correct, the others each breaking PLUGIN cases.

Each object is the target of an entry point written by the test (``kit-good = sample_plugins:good``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.ports.risk import PortfolioState, RiskDecision
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry


class PassConfig(ComponentConfig):
    note: str = "pass-through"


class NeedsLimitConfig(ComponentConfig):
    limit: int  # required, and the conformance subclass does not supply it


class PassLayer:
    name = "kit"

    def __init__(self, config: ComponentConfig, instruments: tuple[Any, ...]) -> None:
        self.instruments = instruments

    @property
    def metrics(self) -> Mapping[str, int]:
        return {"checks": 0}

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return RiskDecision.allow(self.name)

    def on_fill(self, fill: Fill) -> None:
        pass

    def on_order(self, order: Order) -> None:
        pass


def make_pass(config: PassConfig, instruments: tuple[Any, ...]) -> PassLayer:
    return PassLayer(config, instruments)


def make_nothing(config: PassConfig) -> object:
    return object()


class Plugin:
    def __init__(self, name: str, factory: Any = make_pass, config: type[ComponentConfig] = PassConfig,
                 extra: str = "") -> None:
        self.name, self.factory, self.config, self.extra = name, factory, config, extra

    @hookimpl
    def cryptoscalp_register_components(self, registry: ComponentRegistry) -> None:
        registry.add(ComponentKind.RISK, self.name, self.factory, self.config)
        if self.extra:
            registry.add(ComponentKind.RISK, self.extra, self.factory, self.config)


class TypoPlugin:
    @hookimpl
    def cryptoscalp_register_component(self, registry: ComponentRegistry) -> None:  # no such hook
        raise AssertionError("never called")


good = Plugin("kit-good")
required = Plugin("kit-required", config=NeedsLimitConfig)
not_a_port = Plugin("kit-not-a-port", factory=make_nothing)
unlisted = Plugin("kit-unlisted", extra="kit-unlisted-extra")
typo = TypoPlugin()
