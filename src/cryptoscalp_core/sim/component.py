"""Registration of the simulated venue as the ``sim`` executor component.

Profile example::

    executor: {use: sim, latency: {kind: constant, ms: 5}, queue_model: prob-queue, fees_bps: {maker: 2, taker: 5}}
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.clock import Clock
from cryptoscalp_core.ports.store import Store
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_core.sim.config import SimVenueConfig
from cryptoscalp_core.sim.executor import SimExecutor
from cryptoscalp_core.sim.venue import SimVenue

NAME = "sim"


def factory(config: SimVenueConfig, *, instruments: Sequence[Instrument], clock: Clock,
            store: Store | None = None) -> SimExecutor:
    """Simulated venue: latency, queue position, fees, funding, margin and liquidation (backtest, paper)."""
    return SimExecutor(SimVenue(instruments, config), clock=clock, store=store)


def register(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.EXECUTOR, NAME, factory, SimVenueConfig)
