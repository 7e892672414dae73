"""RiskLayer port: one stage of the pre-trade risk stack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

import msgspec

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.domain.positions import Position


class RiskAction(StrEnum):
    ALLOW = "allow"
    RESIZE = "resize"  #: allowed with a smaller quantity (``RiskDecision.qty``)
    REJECT = "reject"


class RiskDecision(msgspec.Struct, frozen=True, kw_only=True):
    """A layer's verdict. ``reason`` is a stable machine-readable code (``max_notional``,
    ``position_limit``…); ``detail`` is for people."""

    action: RiskAction
    layer: str
    reason: str = ""
    qty: Decimal | None = None
    detail: str = ""

    @classmethod
    def allow(cls, layer: str) -> RiskDecision:
        return cls(action=RiskAction.ALLOW, layer=layer)


@dataclass(slots=True)
class PortfolioState:
    """What a risk layer may look at. Maintained by the engine; layers treat it as read-only."""

    ts_ns: int
    instruments: Mapping[str, Instrument]
    positions: Mapping[str, Position] = field(default_factory=dict)
    open_orders: Mapping[str, Order] = field(default_factory=dict)
    mid_prices: Mapping[str, Decimal] = field(default_factory=dict)
    mark_prices: Mapping[str, Decimal] = field(default_factory=dict)
    equity: Decimal = Decimal(0)
    margin_ratio: Decimal = Decimal(0)

    def position_qty(self, instrument_id: str) -> Decimal:
        pos = self.positions.get(instrument_id)
        return pos.qty if pos is not None else Decimal(0)


@runtime_checkable
class RiskLayer(Protocol):
    """One layer of the risk stack; a profile stacks several in order.

    Contract:

    * :meth:`check` returns a :class:`RiskDecision` for one order intent and never raises for a
      well-formed intent: an intent it cannot judge (no price for the instrument yet, say) is rejected
      with a reason code, not an exception.
    * ``RESIZE`` carries a strictly smaller positive quantity on the instrument's lot grid; the engine
      passes the resized intent to the next layer. ``REJECT`` stops the stack; the engine records the
      decision in the store's audit events with :attr:`name` and ``reason``.
    * :meth:`check` is called on the hot path: no I/O, no logging per call; O(1) or O(open orders).
    * :meth:`on_fill` and :meth:`on_order` let a layer keep its own state; :attr:`metrics` exposes its
      counters (checks, rejections by reason) for diagnostics.
    """

    @property
    def name(self) -> str: ...

    @property
    def metrics(self) -> Mapping[str, int]: ...

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision: ...

    def on_fill(self, fill: Fill) -> None: ...

    def on_order(self, order: Order) -> None: ...
