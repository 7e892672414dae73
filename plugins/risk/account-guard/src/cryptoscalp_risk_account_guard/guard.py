"""The ``account-guard`` risk layer: account-level loss and margin limits, and the kill switch.

Kill switch triggers (each latches it, with its reason code):

``daily_loss``   equity fell ``max_daily_loss`` (or ``max_daily_loss_pct`` %) below its value at the first
                 observation of the UTC day
``drawdown``     equity fell ``max_drawdown_pct`` % below its peak
``margin_kill``  maintenance margin / equity above ``kill_margin_ratio``

Once latched, the layer asks the engine to cancel every order and flatten every position (and again every
``reflatten_interval_ms`` while a position is left), and rejects every intent that is not reduce-only with
``kill_switch`` — until an operator resets it. A new UTC day does *not* reset it. The latch is persisted
through :class:`~cryptoscalp_risk_account_guard.latch.KillSwitchLatch`; a latch that cannot be read fails
closed (``latch_unreadable``).

Soft limits (intents adding exposure are rejected, nothing latches): ``margin_ratio`` above
``max_margin_ratio``; ``liquidation_distance`` when the adverse move, all positions at once, that takes
equity to maintenance margin — ``(equity - maintenance) / gross notional`` — is under
``min_liquidation_distance_bps``.

Equity, margin and prices come from the ``PortfolioState`` the engine prepares; with ``equity`` 0 (an
engine that does not report it) the equity rules cannot be judged and are skipped.

Hot path: with the day's starting equity and the peak unchanged, the daily-loss and drawdown rules can
only trip at a lower equity than one they already let pass (their loss figures grow as equity falls, and
correctly rounded ``Decimal`` arithmetic keeps that order), so the layer remembers the lowest equity
cleared since the day or the peak last moved and runs those rules again only below it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from cryptoscalp_core.domain.orders import OrderRequest
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, ProtectiveAction, ProtectiveKind, RiskDecision
from cryptoscalp_core.ports.store import Store
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.latch import KillSwitchLatch

NAME = "account-guard"
TRIGGERS = ("daily_loss", "drawdown", "margin_kill", "latch_unreadable")
REASONS = ("kill_switch", "margin_ratio", "liquidation_distance")
_DAY_NS = 86_400 * 1_000_000_000
_ZERO, _HUNDRED, _BPS = Decimal(0), Decimal(100), Decimal(10_000)
log = logging.getLogger(__name__)


def _dec(value: float | None) -> Decimal | None:
    return Decimal(repr(value)) if value is not None else None


class AccountGuardLayer(CountingRiskLayer):
    """See the module docstring. ``latch`` is ``None`` when the latch is not persisted."""

    def __init__(self, config: AccountGuardConfig, latch: KillSwitchLatch | None = None) -> None:
        self._cfg = config
        self._latch_store = latch
        self._loaded = latch is None
        self._daily_pct, self._dd_pct = _dec(config.max_daily_loss_pct), _dec(config.max_drawdown_pct)
        self._max_mr, self._kill_mr = _dec(config.max_margin_ratio), _dec(config.kill_margin_ratio)
        self._reflatten_ns = config.reflatten_interval_ms * 1_000_000
        self._floor, self._max_loss = config.min_liquidation_distance_bps, config.max_daily_loss
        self._allowed = RiskDecision.allow(NAME)
        self._day = -1
        self._day_start = self._peak = _ZERO
        self._cleared: Decimal | None = None  # the lowest equity the loss rules let pass (None: none yet)
        self.latched, self.latch_reason = False, ""
        self._pending: list[ProtectiveAction] = []
        self._last_flatten = 0
        super().__init__(NAME, REASONS)
        self._metrics.update({f"trip.{t}": 0 for t in TRIGGERS})

    # -- the latch ------------------------------------------------------------------------------------
    def _load(self) -> None:
        self._loaded = True
        assert self._latch_store is not None
        try:
            state = self._latch_store.load()
        except Exception as exc:  # fail closed: trading on an unknown latch is the worse error
            log.error("account-guard: cannot read the kill-switch latch %r: %s", self._latch_store.key, exc)
            self._trip("latch_unreadable", 0, f"latch unreadable: {exc}", persist=False)
            return
        if state.latched:
            log.warning("account-guard: kill switch %r is latched since %d (%s): an operator must reset it",
                        self._latch_store.key, state.ts_ns, state.reason)
            self.latched, self.latch_reason = True, state.reason
            self._pending = self._flatten_all("kill switch latched before start: " + state.detail)

    def _trip(self, reason: str, ts: int, detail: str, *, persist: bool = True) -> None:
        self.latched, self.latch_reason = True, reason
        self._metrics[f"trip.{reason}"] += 1
        self._pending = self._flatten_all(detail)
        self._last_flatten = ts
        log.warning("account-guard: kill switch latched: %s", detail)
        if persist and self._latch_store is not None:
            try:
                self._latch_store.latch(reason, ts, detail)
            except Exception as exc:  # still latched in memory; the operator must know it is not durable
                log.error("account-guard: kill switch latched but not persisted: %s", exc)

    def _flatten_all(self, detail: str) -> list[ProtectiveAction]:
        return [ProtectiveAction(kind=ProtectiveKind.CANCEL_ALL, layer=NAME, reason="kill_switch", detail=detail),
                ProtectiveAction(kind=ProtectiveKind.FLATTEN, layer=NAME, reason="kill_switch", detail=detail)]

    # -- equity rules ---------------------------------------------------------------------------------
    def _update(self, pf: PortfolioState) -> None:
        if not self._loaded:
            self._load()
        equity = pf.equity
        if equity <= _ZERO and not pf.maintenance_margin:
            return  # no account figures from the engine: nothing to judge
        day = pf.ts_ns // _DAY_NS
        if day != self._day:
            self._day, self._day_start, self._cleared = day, equity, None
        if equity > self._peak:
            self._peak, self._cleared = equity, None
        if self.latched:
            return
        cleared = self._cleared
        if cleared is None or equity < cleared:
            loss = self._day_start - equity
            if (self._max_loss is not None and loss >= self._max_loss) or (
                    self._daily_pct is not None and loss * _HUNDRED >= self._daily_pct * self._day_start > _ZERO):
                self._trip("daily_loss", pf.ts_ns, f"daily loss {loss} from {self._day_start}")
                return
            if self._dd_pct is not None and (self._peak - equity) * _HUNDRED >= self._dd_pct * self._peak > _ZERO:
                self._trip("drawdown", pf.ts_ns, f"drawdown {self._peak - equity} from peak {self._peak}")
                return
            self._cleared = equity
        if self._kill_mr is not None and pf.margin_ratio >= self._kill_mr:
            self._trip("margin_kill", pf.ts_ns, f"margin ratio {pf.margin_ratio} over {self._kill_mr}")

    # -- RiskLayer ------------------------------------------------------------------------------------
    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self.check_fast(intent, portfolio, None)

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView | None) -> RiskDecision:
        """``check``, as the risk stack calls it (the view is not needed here)."""
        metrics = self._metrics
        metrics["checks"] += 1
        self._update(portfolio)
        if intent.reduce_only:
            metrics["allow"] += 1
            return self._allowed
        if self.latched:
            return self._reject("kill_switch", f"kill switch latched ({self.latch_reason})")
        if self._max_mr is not None and portfolio.margin_ratio > self._max_mr:
            return self._reject("margin_ratio", f"margin ratio {portfolio.margin_ratio} over {self._max_mr}")
        floor = self._floor
        if floor is not None and portfolio.maintenance_margin:
            gross = _ZERO
            marks, mids = portfolio.mark_prices, portfolio.mid_prices
            for key, pos in portfolio.positions.items():
                price = marks.get(key) or mids.get(key) or pos.avg_entry_price
                gross += abs(pos.qty) * price * pos.multiplier
            if gross and (portfolio.equity - portfolio.maintenance_margin) * _BPS < floor * gross:
                return self._reject("liquidation_distance", f"liquidation within {floor} bps")
        metrics["allow"] += 1
        return self._allowed

    def protective_actions(self, portfolio: PortfolioState) -> Sequence[ProtectiveAction]:
        self._update(portfolio)
        if self._pending:
            out, self._pending = self._pending, []
            return out
        if self.latched and portfolio.ts_ns - self._last_flatten >= self._reflatten_ns and any(
                p.qty for p in portfolio.positions.values()):
            self._last_flatten = portfolio.ts_ns
            return self._flatten_all("kill switch latched: position left")
        return ()

    def reset(self) -> None:
        """Clear the in-memory latch (the operator command clears the persisted one)."""
        self.latched, self.latch_reason, self._pending = False, "", []
        self._peak = self._day_start = _ZERO
        self._day, self._cleared = -1, None


def make_latch(config: AccountGuardConfig, store: Store | None, profile_name: str, mode: str) -> KillSwitchLatch | None:
    """The latch of this layer, or ``None`` when it is not persisted (no store, ``persist: false``, or a
    backtest without ``persist_in_backtest``)."""
    if store is None or not config.persist or (mode == "backtest" and not config.persist_in_backtest):
        return None
    return KillSwitchLatch(store, config.latch_key or profile_name or "default")
