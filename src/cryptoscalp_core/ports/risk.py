"""RiskLayer port: one stage of the pre-trade risk stack.

Besides the required :class:`RiskLayer` protocol, optional capabilities let a layer watch the market
and protect the account rather than only judge intents, or judge them faster (a layer implements them by
having the methods; the engine's :class:`~cryptoscalp_core.engine.risk_stack.RiskStack` finds them once,
at start-up):

* :class:`MarketObserver` — ``on_market(batch)`` sees every market :class:`EventBatch` the strategy sees;
* :class:`ProtectiveLayer` — ``protective_actions(portfolio)`` asks the engine to cancel, flatten or exit;
* :class:`FastCheck` — ``check_fast(intent, portfolio, view)``: the same decision as ``check``, given an
  :class:`IntentView` that the stack computes once per intent for all the layers.

Shared market statistics (prices, staleness, realised volatility, ATR, correlation, VaR and expected
shortfall) are computed once per batch by the engine and handed to every layer as
``PortfolioState.market`` (a :class:`MarketView`), so layers do not each recompute them; a view that
also implements :class:`MarketMemo` keeps a layer's own figures derived from them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

import msgspec
import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderStatus
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.market_feed import EventBatch

VarMethod = Literal["historical", "parametric"]
_T = TypeVar("_T")


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
        """The ``ALLOW`` decision of ``layer``: one shared instance per layer name (decisions are frozen),
        so the allow path, by far the most common, builds nothing."""
        if cls is not RiskDecision:
            return cls(action=RiskAction.ALLOW, layer=layer)
        got = _ALLOWED.get(layer)
        if got is None:
            got = _ALLOWED[layer] = cls(action=RiskAction.ALLOW, layer=layer)
        return got


_ALLOWED: dict[str, RiskDecision] = {}


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

    Everything derived from bars (returns, volatility, ATR, correlation, VaR, expected shortfall) is a
    function of :attr:`version`: a layer may keep such a number until the version changes.
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
        """(VaR, expected shortfall) in quote currency of signed ``notionals`` (instrument order).

        Positively homogeneous, to float rounding: notionals scaled by ``k > 0`` give both numbers scaled
        by ``k`` (``nan`` stays ``nan``), so a layer may scale the figure of one unit of a position."""
        ...


@runtime_checkable
class MarketMemo(Protocol):
    """Optional capability of a :class:`MarketView`: keep a layer's own figure derived from the bars.

    Contract: :meth:`memo` returns ``compute(view)``, computed at most once per :attr:`MarketView.version`
    for each ``key`` (hashable; include the caller, e.g. the layer object, to keep keys apart). A view that
    closes bars on the market-data path recomputes there, when a bar closes, the figures asked for in the
    previous version, so a risk check finds them ready. ``compute`` depends only on the view's bar
    statistics and does not raise.
    """

    def memo(self, key: Hashable, compute: Callable[[Any], _T]) -> _T: ...


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
    * Optional: :class:`MarketObserver`, :class:`ProtectiveLayer` and :class:`FastCheck` (see the module
      docstring).
    """

    @property
    def name(self) -> str: ...

    @property
    def metrics(self) -> Mapping[str, int]: ...

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision: ...

    def on_fill(self, fill: Fill) -> None: ...

    def on_order(self, order: Order) -> None: ...


class IntentView(msgspec.Struct, gc=False):
    """What several layers need to know of one intent against one portfolio, computed once per intent by
    the risk stack (:meth:`of`) and handed to every :class:`FastCheck` layer. Read-only for layers.

    * ``instrument`` — ``portfolio.instruments.get(intent.instrument_id)`` (``None`` when unknown);
    * ``sign`` — ``intent.side.sign`` (+1 buy, -1 sell), and ``unit_sign`` the same as a ``Decimal``
      (``x * unit_sign`` is ``x * sign``, to the last digit);
    * ``held`` — ``portfolio.position_qty(intent.instrument_id)``;
    * ``resting`` — ``request.qty - filled_qty`` of each open order on the intent's instrument and side
      other than the intent itself (another client order id), in the order of ``portfolio.open_orders``
      (the list may be shared by the views of several intents: never mutate it).

    None of it depends on the intent's quantity: the stack keeps the view when a layer resizes the intent.
    """

    instrument: Instrument | None
    sign: int
    unit_sign: Decimal
    held: Decimal
    resting: list[Decimal]

    @classmethod
    def of(cls, intent: OrderRequest, portfolio: PortfolioState) -> IntentView:
        key, side, cid = intent.instrument_id, intent.side, intent.client_order_id
        orders = portfolio.open_orders
        snap = _SNAPSHOTS.get(id(orders))  # (a snapshot keeps its mapping alive: the id stays its own)
        if snap is None or [*orders.values()] != snap.orders:  # compares the same orders by identity, in C
            snap = _Snapshot.take(orders)
        found = snap.by_side.get((key, side))
        if found is None:
            found = snap.collect(key, side)
        resting, cids = found
        if cids and cid in cids:  # a re-check of a resting order: it is not extra exposure to itself
            resting = [r for r, c in zip(resting, cids, strict=True) if c != cid]
        pos = portfolio.positions.get(key)
        buy = side is _BUY
        return cls(portfolio.instruments.get(key), 1 if buy else -1, _ONE if buy else _MINUS_ONE,
                   pos.qty if pos is not None else _ZERO, resting)


_ZERO, _ONE, _MINUS_ONE = Decimal(0), Decimal(1), Decimal(-1)
_BUY = OrderSide.BUY
_REMAINING: dict[int, tuple[Order, Decimal]] = {}  # id(order) -> (order, its remaining quantity)
_TERMINAL = frozenset(s for s in OrderStatus if s.is_terminal)


class _Snapshot:
    """The open orders of a portfolio as :meth:`IntentView.of` last saw them, sorted by (instrument, side)
    on demand: most decisions find the same orders as the one before (orders are immutable, so the same
    orders in the same order mean the same figures), and then pay a list comparison, which finds the
    same objects by identity in C, instead of a Python pass over them.

    ``by_side`` maps (instrument id, side) to the remaining quantities of the open orders there, in the
    mapping's order, and their client order ids (the intent's own order is left out per intent). The
    lists are shared by the views built from the snapshot: layers treat a view as read-only.
    """

    __slots__ = ("by_side", "orders", "source")

    def __init__(self, source: Mapping[str, Order], orders: list[Order]) -> None:
        self.source, self.orders = source, orders
        self.by_side: dict[tuple[str, OrderSide], tuple[list[Decimal], tuple[str, ...]]] = {}

    @classmethod
    def take(cls, source: Mapping[str, Order]) -> _Snapshot:
        if len(_SNAPSHOTS) > 64:  # portfolios built afresh for each decision: stay bounded
            _SNAPSHOTS.clear()
        snap = _SNAPSHOTS[id(source)] = cls(source, [*source.values()])
        return snap

    def collect(self, key: str, side: OrderSide) -> tuple[list[Decimal], tuple[str, ...]]:
        resting, cids, remaining = [], [], _REMAINING
        for order in self.orders:
            request = order.request
            if request.instrument_id == key and request.side is side and order.status not in _TERMINAL:
                # the same order gives the same Decimal object across snapshots, which a layer may then
                # convert once (to a float, say) and look up by identity
                known = remaining.get(id(order))
                if known is None or known[0] is not order:
                    if len(remaining) > 4096:
                        remaining.clear()
                    known = remaining[id(order)] = (order, request.qty - order.filled_qty)
                resting.append(known[1])
                cids.append(request.client_order_id)
        found = self.by_side[key, side] = (resting, tuple(cids))
        return found


_SNAPSHOTS: dict[int, _Snapshot] = {}  # id(open orders mapping) -> its latest snapshot


@runtime_checkable
class FastCheck(Protocol):
    """Optional capability of a risk layer: a faster ``check`` for the engine's risk stack.

    Contract: :meth:`check_fast` returns the decision :meth:`RiskLayer.check` would return for the same
    intent and portfolio, with the same effects on the layer (counters, remembered intents…), except that
    the ``detail`` of an ``ALLOW`` or ``RESIZE`` decision may be empty: the stack passes those on and
    reports only rejections. ``view`` is :meth:`IntentView.of` this intent and portfolio. The stack calls
    it instead of ``check``; a layer without it is called through ``check`` as before. The rest of
    :class:`RiskLayer`'s contract applies (never raise, no I/O, no logging).
    """

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView) -> RiskDecision: ...


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
