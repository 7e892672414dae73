"""The risk stack: the profile's layers in order, with per-layer counts and protective actions.

* :meth:`RiskStack.check` runs one intent through the layers: ``ALLOW`` passes it on, ``RESIZE`` passes
  the smaller intent on, ``REJECT`` stops and is returned so the engine can audit it (layer, reason).
  Each layer's allowed / resized / rejected counts (and rejections by reason) are kept here, whatever
  the layer counts itself, for the run summary.
* :meth:`RiskStack.observe` hands a market batch to the shared
  :class:`~cryptoscalp_core.engine.market_view.MarketView` and to layers that implement ``on_market``.
* :meth:`RiskStack.prepare` completes a :class:`PortfolioState` with what only the stack knows: equity
  (initial balance + the delivered positions' PnL at the current mids), maintenance margin, margin
  ratio, and the market view.
* :meth:`RiskStack.protective_actions` collects the requests of layers that implement
  ``protective_actions``; the stack remembers which protective orders are in flight so an exit is not
  repeated before the first one is done. :meth:`RiskStack.protection_due` says when to ask: after a
  report was delivered, when an observer's ``on_market`` returned True, and otherwise every
  ``protect_interval_ns`` of local time (so equity-based triggers follow prices without paying for a
  portfolio valuation on every small batch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import (
    MarketObserver,
    PortfolioState,
    ProtectiveAction,
    ProtectiveLayer,
    RiskAction,
    RiskDecision,
    RiskLayer,
)

_ZERO = Decimal(0)
Resize = Callable[[OrderRequest, Decimal], OrderRequest]


class RiskStack:
    __slots__ = ("_actions", "_counts", "_due", "_inflight", "_last_protect", "_layers", "_mmr", "_reasons", "_resize",
                 "initial_balance", "market", "names", "observers", "protect_interval_ns", "protectors")

    def __init__(self, layers: Iterable[RiskLayer], instruments: Sequence[Instrument], *, resize: Resize,
                 initial_balance: float | Decimal = 0, maintenance_margin_rate: float | Decimal = 0,
                 bar_ns: int = 1_000_000_000, window: int = 600, protect_interval_ns: int = 100_000_000) -> None:
        self._layers = tuple(layers)
        self.names = tuple(layer.name for layer in self._layers)
        if len(set(self.names)) != len(self.names):  # counts are keyed by name: make them distinct
            self.names = tuple(f"{n}#{i}" for i, n in enumerate(self.names))
        self._counts = [[0, 0, 0] for _ in self._layers]
        self._reasons: list[dict[str, int]] = [{} for _ in self._layers]
        self._actions: dict[str, dict[str, int]] = {}  # layer name -> "kind:reason" -> protective actions
        self._resize = resize
        self.observers = tuple(x for x in self._layers if isinstance(x, MarketObserver))
        self.protectors = tuple(x for x in self._layers if isinstance(x, ProtectiveLayer))
        self.market = MarketView(instruments, bar_ns=bar_ns, window=window)
        self.initial_balance = Decimal(repr(float(initial_balance)))
        self._mmr = Decimal(repr(float(maintenance_margin_rate)))
        self._inflight: dict[str, str] = {}  # client order id -> instrument id of protective orders
        self.protect_interval_ns = protect_interval_ns
        self._due, self._last_protect = bool(self.protectors), -(1 << 62)

    # -- market and reports ---------------------------------------------------------------------------
    def observe(self, batch: EventBatch) -> None:
        self.market.observe(batch)
        for layer in self.observers:
            if layer.on_market(batch):
                self._due = True

    def on_fill(self, fill: Fill) -> None:
        self._due = True
        for layer in self._layers:
            layer.on_fill(fill)

    def on_order(self, order: Order) -> None:
        self._due = True
        if order.status.is_terminal:
            self._inflight.pop(order.request.client_order_id, None)
        for layer in self._layers:
            layer.on_order(order)

    # -- portfolio ------------------------------------------------------------------------------------
    def prepare(self, state: PortfolioState) -> PortfolioState:
        equity, maintenance = self.initial_balance, _ZERO
        for key, pos in state.positions.items():
            equity += pos.net_realised
            if pos.qty:
                price = state.mark_prices.get(key) or state.mid_prices.get(key)
                if price is not None:
                    equity += pos.unrealised_pnl(price)
                    maintenance += abs(pos.qty) * price * pos.multiplier * self._mmr
        state.equity, state.maintenance_margin = equity, maintenance
        state.margin_ratio = (maintenance / equity if equity > 0 else Decimal("Infinity")) if maintenance else _ZERO
        state.market = self.market
        return state

    # -- the check ------------------------------------------------------------------------------------
    def check(self, request: OrderRequest, state: PortfolioState) -> tuple[OrderRequest, RiskDecision | None]:
        """The intent as the stack lets it through, and the rejecting decision (``None`` when passed)."""
        counts = self._counts
        for i, layer in enumerate(self._layers):
            decision = layer.check(request, state)
            action = decision.action
            if action is RiskAction.ALLOW:
                counts[i][0] += 1
            elif action is RiskAction.RESIZE and decision.qty is not None and 0 < decision.qty < request.qty:
                counts[i][1] += 1
                request = self._resize(request, decision.qty)
            else:
                counts[i][2] += 1
                reasons = self._reasons[i]
                reason = decision.reason or "unspecified"
                reasons[reason] = reasons.get(reason, 0) + 1
                if action is not RiskAction.REJECT:  # a malformed resize is refused, never trusted
                    decision = RiskDecision(action=RiskAction.REJECT, layer=decision.layer, reason="bad_resize",
                                            detail=f"resize to {decision.qty} for an intent of {request.qty}")
                return request, decision
        return request, None

    # -- protection -----------------------------------------------------------------------------------
    def protection_due(self, ts_ns: int) -> bool:
        """Whether :meth:`protective_actions` should be asked at local time ``ts_ns`` (never without layers
        that protect)."""
        return bool(self.protectors) and (self._due or ts_ns - self._last_protect >= self.protect_interval_ns)

    def protective_actions(self, state: PortfolioState) -> list[ProtectiveAction]:
        self._due, self._last_protect = False, state.ts_ns
        out: list[ProtectiveAction] = []
        for layer in self.protectors:
            got = layer.protective_actions(state)
            if got:
                counts = self._actions.setdefault(layer.name, {})
                for action in got:
                    key = f"{action.kind.value}:{action.reason}"
                    counts[key] = counts.get(key, 0) + 1
                out.extend(got)
        return out

    def exit_in_flight(self, instrument_id: str) -> bool:
        return instrument_id in self._inflight.values()

    def is_exit(self, client_order_id: str) -> bool:
        return client_order_id in self._inflight

    def track_exit(self, client_order_id: str, instrument_id: str) -> None:
        self._inflight[client_order_id] = instrument_id

    # -- results --------------------------------------------------------------------------------------
    def summary(self) -> dict[str, dict[str, Any]]:
        """Per layer, in stack order: allowed, resized, rejected, rejections by reason, protective actions
        asked (``kind:reason``), and the layer's own metrics."""
        return {name: {"allowed": c[0], "resized": c[1], "rejected": c[2], "reasons": dict(sorted(r.items())),
                       "protective": dict(sorted(self._actions.get(layer.name, {}).items())),
                       "metrics": dict(layer.metrics)}
                for name, c, r, layer in zip(self.names, self._counts, self._reasons, self._layers, strict=True)}
