"""The risk stack: the profile's layers in order, with per-layer counts and protective actions.

* :meth:`RiskStack.check` runs one intent through the layers: ``ALLOW`` passes it on, ``RESIZE`` passes
  the smaller intent on, ``REJECT`` stops and is returned so the engine can audit it (layer, reason).
  Layers with ``check_fast`` are called through it, with one
  :class:`~cryptoscalp_core.ports.risk.IntentView` computed per intent for all of them.
  Each layer's allowed / resized / rejected counts (and rejections by reason) are kept here, whatever
  the layer counts itself, for the run summary.
* :meth:`RiskStack.observe` hands a market batch to the shared
  :class:`~cryptoscalp_core.engine.market_view.MarketView` and to layers that implement ``on_market``.
* :meth:`RiskStack.prepare` completes a :class:`PortfolioState` with what only the stack knows: equity
  (initial balance + the delivered positions' PnL at the current mids), maintenance margin, margin
  ratio, and the market view. A position is revalued only when it or its price changed since the last
  call (:class:`_Valuation`); the figures are the same as a full revaluation's.
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
from typing import Any, cast

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import (
    FastCheck,
    IntentView,
    MarketObserver,
    PortfolioState,
    ProtectiveAction,
    ProtectiveLayer,
    RiskAction,
    RiskDecision,
    RiskLayer,
)

_ZERO, _INFINITY = Decimal(0), Decimal("Infinity")
_ALLOW, _RESIZE = RiskAction.ALLOW, RiskAction.RESIZE
Resize = Callable[[OrderRequest, Decimal], OrderRequest]
Check = Callable[[OrderRequest, PortfolioState, IntentView], RiskDecision]


def _without_view(check: Callable[[OrderRequest, PortfolioState], RiskDecision]) -> Check:
    """A layer without ``check_fast``, called like one."""
    return lambda intent, portfolio, view: check(intent, portfolio)


class _Valuation:
    """One position's share of equity and maintenance margin, recomputed only when an input changed.

    A position's figures are Decimals, which are replaced, never mutated, when they change: inputs that
    are the same objects as last time (for the price, a Decimal with the same value *and* representation)
    give the same numbers, so a decision that finds nothing new pays a few identity tests instead of a
    revaluation. The sums over positions stay in :meth:`RiskStack.prepare`, in the same order.
    """

    __slots__ = ("avg", "fees", "funding", "margin", "mmr", "mult", "net", "pos", "price", "qty", "realised",
                 "unrealised")

    realised: Decimal | None
    fees: Decimal | None
    funding: Decimal | None
    qty: Decimal | None
    avg: Decimal | None
    mult: Decimal | None
    mmr: Decimal | None

    def __init__(self, pos: Position) -> None:
        self.pos = pos
        self.realised = self.fees = self.funding = self.qty = self.avg = self.mult = self.mmr = None
        self.price: object = None
        self.net = self.unrealised = self.margin = _ZERO

    def net_realised(self) -> Decimal:
        pos = self.pos
        if pos.realised_pnl is not self.realised or pos.fees is not self.fees or pos.funding is not self.funding:
            self.realised, self.fees, self.funding = pos.realised_pnl, pos.fees, pos.funding
            self.net = pos.net_realised
        return self.net

    def at(self, price: Decimal, mmr: Decimal) -> tuple[Decimal, Decimal]:
        """(unrealised PnL, maintenance margin) of the position at ``price``."""
        pos, cached = self.pos, self.price
        if (pos.qty is not self.qty or pos.avg_entry_price is not self.avg or pos.multiplier is not self.mult
                or mmr is not self.mmr or (price is not cached and (
                    type(price) is not Decimal or type(cached) is not Decimal or price.compare_total(cached)))):
            self.qty, self.avg, self.mult, self.mmr = pos.qty, pos.avg_entry_price, pos.multiplier, mmr
            self.price = price
            self.unrealised = pos.unrealised_pnl(price)
            # the thread's decimal context rounds this product, as it always did (the default one never does
            # for prices and quantities of a few dozen digits)
            self.margin = abs(pos.qty) * price * pos.multiplier * mmr
        return self.unrealised, self.margin


class RiskStack:
    __slots__ = ("_actions", "_checked", "_checks", "_due", "_inflight", "_last_protect", "_layers", "_mmr",
                 "_reasons", "_rejected", "_resize", "_resized", "_unreached", "_valued", "_views", "initial_balance",
                 "market", "names", "observers", "protect_interval_ns", "protectors")

    def __init__(self, layers: Iterable[RiskLayer], instruments: Sequence[Instrument], *, resize: Resize,
                 initial_balance: float | Decimal = 0, maintenance_margin_rate: float | Decimal = 0,
                 bar_ns: int = 1_000_000_000, window: int = 600, protect_interval_ns: int = 100_000_000) -> None:
        self._layers = tuple(layers)
        self.names = tuple(layer.name for layer in self._layers)
        if len(set(self.names)) != len(self.names):  # counts are keyed by name: make them distinct
            self.names = tuple(f"{n}#{i}" for i, n in enumerate(self.names))
        fast = [isinstance(layer, FastCheck) for layer in self._layers]
        self._checks = tuple((cast(FastCheck, layer).check_fast if f else _without_view(layer.check), i)
                             for i, (layer, f) in enumerate(zip(self._layers, fast, strict=True)))
        self._views = any(fast)
        self._checked = 0
        self._resized, self._rejected, self._unreached = ([0] * len(self._layers) for _ in range(3))
        self._reasons: list[dict[str, int]] = [{} for _ in self._layers]
        self._actions: dict[str, dict[str, int]] = {}  # layer name -> "kind:reason" -> protective actions
        self._resize = resize
        self.observers = tuple(x for x in self._layers if isinstance(x, MarketObserver))
        self.protectors = tuple(x for x in self._layers if isinstance(x, ProtectiveLayer))
        self.market = MarketView(instruments, bar_ns=bar_ns, window=window)
        self.initial_balance = Decimal(repr(float(initial_balance)))
        self._mmr = Decimal(repr(float(maintenance_margin_rate)))
        self._valued: dict[str, _Valuation] = {}  # instrument id -> cached valuation of its position
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
        marks, mids, valued = state.mark_prices, state.mid_prices, self._valued
        for key, pos in state.positions.items():
            v = valued.get(key)
            if v is None or v.pos is not pos:
                v = valued[key] = _Valuation(pos)
            equity += v.net_realised()
            if pos.qty:
                price = marks.get(key) or mids.get(key)
                if price is not None:
                    unrealised, margin = v.at(price, self._mmr)
                    equity += unrealised
                    maintenance += margin
        state.equity, state.maintenance_margin = equity, maintenance
        state.margin_ratio = (maintenance / equity if equity > _ZERO else _INFINITY) if maintenance else _ZERO
        state.market = self.market
        return state

    # -- the check ------------------------------------------------------------------------------------
    def check(self, request: OrderRequest, state: PortfolioState) -> tuple[OrderRequest, RiskDecision | None]:
        """The intent as the stack lets it through, and the rejecting decision (``None`` when passed)."""
        view: Any = IntentView.of(request, state) if self._views else None  # None: no layer reads one
        self._checked += 1  # an allow is counted as "reached and neither resized nor rejected" (summary)
        i = resizing = -1
        try:
            for call, i in self._checks:  # bound methods, found once: the loop runs on every decision
                decision = call(request, state, view)
                if decision.action is not _ALLOW:
                    qty = decision.qty
                    if decision.action is _RESIZE and qty is not None and _ZERO < qty < request.qty:
                        self._resized[i] += 1
                        resizing = i
                        resized = self._resize(request, qty)
                        if view is not None and (resized.instrument_id != request.instrument_id
                                                 or resized.side is not request.side
                                                 or resized.client_order_id != request.client_order_id):
                            view = IntentView.of(resized, state)  # the view does not depend on the quantity
                        request = resized
                    else:
                        return request, self._refused(i, request, decision)
        except BaseException:  # a layer (or the resize) raised: the layers from there on did not decide
            for k in range(i + 1 if resizing == i else max(i, 0), len(self._layers)):
                self._unreached[k] += 1
            raise
        return request, None

    def _refused(self, i: int, request: OrderRequest, decision: RiskDecision) -> RiskDecision:
        self._rejected[i] += 1
        reasons = self._reasons[i]
        reason = decision.reason or "unspecified"
        reasons[reason] = reasons.get(reason, 0) + 1
        if decision.action is not RiskAction.REJECT:  # a malformed resize is refused, never trusted
            decision = RiskDecision(action=RiskAction.REJECT, layer=decision.layer, reason="bad_resize",
                                    detail=f"resize to {decision.qty} for an intent of {request.qty}")
        return decision

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
        counts, reached = [], self._checked
        for resized, rejected, unreached in zip(self._resized, self._rejected, self._unreached, strict=True):
            counts.append((reached - unreached - resized - rejected, resized, rejected))
            reached -= rejected  # an intent a layer rejects reaches none after it
        return {name: {"allowed": c[0], "resized": c[1], "rejected": c[2], "reasons": dict(sorted(r.items())),
                       "protective": dict(sorted(self._actions.get(layer.name, {}).items())),
                       "metrics": dict(layer.metrics)}
                for name, c, r, layer in zip(self.names, counts, self._reasons, self._layers, strict=True)}
