"""RiskLayer port: one stage of the pre-trade risk stack.

Besides the required :class:`RiskLayer` protocol, two optional capabilities let a layer watch the market
and protect the account rather than only judge intents (a layer implements them by having the methods;
the engine's :class:`~cryptoscalp_core.engine.risk_stack.RiskStack` finds them once, at start-up):

* :class:`MarketObserver` — ``on_market(batch)`` sees every market :class:`EventBatch` the strategy sees;
* :class:`ProtectiveLayer` — ``protective_actions(portfolio)`` asks the engine to cancel, flatten or exit.

Shared market statistics (prices, staleness, realised volatility, ATR, correlation, VaR and expected
shortfall) are computed once per batch by the engine and handed to every layer as
``PortfolioState.market`` (a :class:`MarketView`), so layers do not each recompute them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

import msgspec
import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.market_feed import EventBatch

VarMethod = Literal["historical", "parametric"]


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


class ProtectiveKind(StrEnum):
    CANCEL_ALL = "cancel_all"  #: cancel every open order (of ``instrument_id``, or of all when empty)
    FLATTEN = "flatten"  #: cancel, then close the whole position (of ``instrument_id``, or of all)
    EXIT = "exit"  #: close ``qty`` of the position in ``instrument_id`` (all of it when ``qty`` is None)


class ProtectiveAction(msgspec.Struct, frozen=True, kw_only=True):
    """A request from a layer to the engine: cancel, flatten or exit. ``reason`` is a stable code
    (``kill_switch``, ``stop_loss``…). The engine sends exits as reduce-only market orders that bypass
    the checks (a risk layer must never block getting out) and records each action as an audit event."""

    kind: ProtectiveKind
    layer: str
    reason: str
    instrument_id: str = ""
    qty: Decimal | None = None
    detail: str = ""


@runtime_checkable
class MarketView(Protocol):
    """Read-only market statistics shared by the layers, updated once per market batch.

    Prices are floats (quote currency); times are int64 nanoseconds. Volatility and returns are per
    *bar* of :attr:`bar_ns` (log returns of bar closes, gaps forward-filled). VaR and expected shortfall
    are positive numbers for losses: as a fraction of price for one instrument, in quote currency for a
    portfolio (given signed notionals in instrument order). An instrument with too little history
    answers ``nan``; nothing raises for a known instrument id.
    """

    @property
    def bar_ns(self) -> int: ...

    @property
    def version(self) -> int:
        """Changes whenever a bar closes (derived statistics are cached per version)."""
        ...

    def index(self, instrument_id: str) -> int: ...

    def last_price(self, instrument_id: str) -> float: ...

    def last_recv_ns(self, instrument_id: str) -> int:
        """Local receive time of the newest event of any kind for the instrument; 0 before any."""
        ...

    def returns(self, instrument_id: str) -> npt.NDArray[np.float64]: ...

    def realised_vol(self, instrument_id: str) -> float:
        """Standard deviation of the bar log returns in the window."""
        ...

    def atr(self, instrument_id: str, bars: int = 14) -> float:
        """Average true range over the last ``bars`` bars, in price units."""
        ...

    def correlation(self) -> npt.NDArray[np.float64]:
        """Correlation matrix of bar returns, instrument order (``nan`` where undefined)."""
        ...

    def var(self, instrument_id: str, confidence: float = 0.99, method: VarMethod = "historical",
            horizon_bars: int = 1) -> float: ...

    def expected_shortfall(self, instrument_id: str, confidence: float = 0.99,
                           method: VarMethod = "historical", horizon_bars: int = 1) -> float: ...

    def portfolio_var(self, notionals: npt.NDArray[np.float64] | Sequence[float], confidence: float = 0.99,
                      method: VarMethod = "historical", horizon_bars: int = 1) -> tuple[float, float]:
        """(VaR, expected shortfall) in quote currency of signed ``notionals`` (instrument order)."""
        ...


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
    #: quote currency the positions need at the maintenance rate (0 when the engine does not know it)
    maintenance_margin: Decimal = Decimal(0)
    #: shared market statistics; ``None`` where the engine provides none (a layer must then cope)
    market: MarketView | None = None

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
    * ``portfolio.equity``, ``margin_ratio``, ``maintenance_margin`` and ``market`` may be zero / ``None``
      (a unit test, an engine that does not provide them): a layer that needs them allows what it cannot
      judge for that reason, or rejects with a reason code, and says which in its documentation.
    * Optional: :class:`MarketObserver` and :class:`ProtectiveLayer` (see the module docstring).
    """

    @property
    def name(self) -> str: ...

    @property
    def metrics(self) -> Mapping[str, int]: ...

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision: ...

    def on_fill(self, fill: Fill) -> None: ...

    def on_order(self, order: Order) -> None: ...


@runtime_checkable
class MarketObserver(Protocol):
    """Optional capability of a risk layer: watch market batches.

    Contract: :meth:`on_market` is called with each batch in local-time order, before any decision that
    could have seen its rows. It is batch-level: vectorise over ``batch.rows`` (never loop over rows in
    Python), no I/O, no logging per call, never raise for well-formed rows (non-finite or non-positive
    prices are to be ignored). Returning ``True`` asks for a protective check right after this batch (a
    stop just triggered); ``None`` / ``False`` leaves it to the engine's schedule.
    """

    def on_market(self, batch: EventBatch) -> bool | None: ...


@runtime_checkable
class ProtectiveLayer(Protocol):
    """Optional capability of a risk layer: ask the engine to cancel, flatten or exit.

    Contract: :meth:`protective_actions` is called after report deliveries, after a market batch whose
    ``on_market`` asked for it, and otherwise on a schedule of local time (the engine's; 100 ms in the
    backtest engine) — never per event — with the current portfolio; it returns the actions due now
    (usually none: return an empty tuple cheaply). The same condition must not produce the same action
    again while the first is still in flight: the engine also skips an exit for an instrument with a
    protective order still open. No I/O on the common path.
    """

    def protective_actions(self, portfolio: PortfolioState) -> Sequence[ProtectiveAction]: ...
