"""The ``volatility-stops`` risk layer: exits for open positions, scaled by volatility.

The layer follows its own positions from fills. When a position opens (or flips), its *volatility unit*
is fixed at the next protective check: the ATR of the market view (``basis: atr``) or price x realised
bar volatility x sqrt(``vol_horizon_bars``) (``basis: realised_vol``), never under ``min_unit_bps`` of
the price, and ``fallback_unit_bps`` while the market view has no history. Then every market batch is
scanned, vectorised, for the first price that reaches a level (see :mod:`.triggers`):

``stop_loss``      entry -/+ ``stop_loss`` units against the position
``take_profit``    entry +/- ``take_profit`` units in its favour
``trailing_stop``  ``trailing`` units back from the best price since entry
``time_stop``      the position is older than ``max_holding_s``

A trigger asks the engine to exit the whole position (reduce-only market order), again every
``retry_ms`` while it stays. Checks: intents adding to a position whose exit is pending are rejected
(``stop_pending``); after a stop, intents re-entering on the same side are rejected for ``cooldown_ms``
(``stop_cooldown``). Prices are batch rows: trades' price, quotes' mid, marks' mark price; a stop reacts
at the end of the batch segment in which it triggered. A check looks only at the instruments with a stop
triggered or a cooldown armed (the others cannot be rejected).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, ProtectiveAction, ProtectiveKind, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.triggers import first_trigger

NAME = "volatility-stops"
TRIGGERS = ("stop_loss", "take_profit", "trailing_stop", "time_stop")
REASONS = ("stop_pending", "stop_cooldown")
_NAN = math.nan
_SIGNS = {OrderSide.BUY: 1, OrderSide.SELL: -1}  # OrderSide.sign without the property call


class _Tracked:
    __slots__ = ("asked_ts", "best", "cooldown_side", "cooldown_until", "entry_ts", "position", "trigger", "unit")

    def __init__(self, inst: Instrument) -> None:
        self.position = Position(inst.id, inst.contract_multiplier)
        self.entry_ts, self.unit, self.best = 0, _NAN, _NAN
        self.trigger, self.asked_ts = "", -1
        self.cooldown_until, self.cooldown_side = 0, 0


class VolatilityStopsLayer(CountingRiskLayer):
    """See the module docstring."""

    def __init__(self, config: VolatilityStopsConfig, instruments: Sequence[Instrument] = ()) -> None:
        self._cfg = config
        self._by_index = tuple(instruments)
        self._tracked = {inst.id: _Tracked(inst) for inst in instruments}
        self._index = {inst.id: i for i, inst in enumerate(instruments)}
        self._open: dict[int, _Tracked] = {}  # instrument index -> tracked, positions open now
        # instrument id -> tracked, with a stop triggered or a cooldown armed: the only ones a check can
        # reject, so a check on any other instrument is done after one lookup
        self._armed: dict[str, _Tracked] = {}
        self._retry_ns, self._cooldown_ns = config.retry_ms * 1_000_000, config.cooldown_ms * 1_000_000
        self._hold_ns = int(config.max_holding_s * 1e9) if config.max_holding_s else 0
        self._mult = tuple(_NAN if m is None else m for m in (config.stop_loss, config.take_profit, config.trailing))
        self._now = 0
        super().__init__(NAME, REASONS)
        self._allowed = RiskDecision.allow(NAME)
        self._metrics.update({f"trip.{t}": 0 for t in TRIGGERS})

    # -- state from fills -----------------------------------------------------------------------------
    def on_fill(self, fill: Fill) -> None:
        t = self._tracked.get(fill.instrument_id)
        if t is None:
            return
        before = t.position.qty
        t.position.apply_fill(fill)
        after = t.position.qty
        index = self._index[fill.instrument_id]
        if after == 0:
            if t.trigger and self._cooldown_ns:
                t.cooldown_until, t.cooldown_side = fill.ts_recv + self._cooldown_ns, 1 if before > 0 else -1
            t.trigger, t.asked_ts, t.unit = "", -1, _NAN
            self._open.pop(index, None)
        elif before == 0 or (before > 0) != (after > 0):
            t.entry_ts, t.unit, t.best, t.trigger, t.asked_ts = fill.ts_recv, _NAN, float(fill.price), "", -1
            self._open[index] = t
        if t.trigger or t.cooldown_side:
            self._armed[fill.instrument_id] = t
        else:
            self._armed.pop(fill.instrument_id, None)

    # -- market ---------------------------------------------------------------------------------------
    def on_market(self, batch: EventBatch) -> bool:
        """Scan the batch for stops; True when one triggered (a protective check is due)."""
        rows = batch.rows
        if not len(rows):
            return False
        self._now = max(self._now, int(rows["ts_recv"][-1]))
        if not self._open:
            return False
        kind = batch.kind
        if kind is EventKind.TRADE:
            prices = rows["price"]
        elif kind is EventKind.QUOTE:
            prices = (rows["bid_price"] + rows["ask_price"]) * 0.5
        elif kind is EventKind.MARK:
            prices = rows["mark_price"]
        else:
            return False
        single, due = len(self._by_index) == 1, False
        for index, t in self._open.items():
            if t.trigger or math.isnan(t.unit):
                continue
            if single and rows["ts_recv"][0] >= t.entry_ts:
                ok = np.isfinite(prices) & (prices > 0)
                p = prices if ok.all() else prices[ok]
            else:
                keep = np.isfinite(prices) & (prices > 0) & (rows["ts_recv"] >= t.entry_ts)
                if not single:
                    keep &= rows["instrument"] == index
                p = prices[keep]
            if not len(p):
                continue
            sl, tp, trail = (m * t.unit for m in self._mult)
            sign = 1 if t.position.qty > 0 else -1
            lo, hi = float(p.min()), float(p.max())
            if sign < 0:
                lo, hi = -hi, -lo
            e, b = float(t.position.avg_entry_price) * sign, t.best * sign
            if not (lo <= e - sl or hi >= e + tp or lo <= max(b, hi) - trail):  # nan levels compare False
                t.best = max(b, hi) * sign
                continue
            hit, rule, t.best = first_trigger(p, sign, float(t.position.avg_entry_price), t.best, sl, tp, trail)
            if hit >= 0:
                t.trigger = rule
                self._armed[t.position.instrument_id] = t
                self._metrics[f"trip.{rule}"] += 1
                due = True
        return due

    def _unit(self, pf: PortfolioState, inst_id: str, price: float) -> float:
        cfg, market, unit = self._cfg, pf.market, _NAN
        if market is not None:
            if cfg.basis == "atr":
                unit = market.atr(inst_id, cfg.atr_bars)
            else:
                unit = price * market.realised_vol(inst_id) * math.sqrt(cfg.vol_horizon_bars)
        if not math.isfinite(unit):
            unit = price * cfg.fallback_unit_bps / 1e4
        return max(unit, price * cfg.min_unit_bps / 1e4)

    def protective_actions(self, portfolio: PortfolioState) -> Sequence[ProtectiveAction]:
        if not self._open:
            return ()
        now = max(self._now, portfolio.ts_ns)
        out: list[ProtectiveAction] = []
        for t in self._open.values():
            key = t.position.instrument_id
            if math.isnan(t.unit):
                t.unit = self._unit(portfolio, key, float(t.position.avg_entry_price))
            if not t.trigger and self._hold_ns and now - t.entry_ts >= self._hold_ns:
                t.trigger = "time_stop"
                self._armed[key] = t
                self._metrics["trip.time_stop"] += 1
            if t.trigger and (t.asked_ts < 0 or now - t.asked_ts >= self._retry_ns):
                t.asked_ts = now
                out.append(ProtectiveAction(kind=ProtectiveKind.EXIT, layer=NAME, reason=t.trigger, instrument_id=key,
                                            detail=f"{t.trigger} on {t.position.qty} from {t.position.avg_entry_price}"
                                                   f" (unit {t.unit:.6g})"))
        return out

    def position(self, instrument_id: str) -> Decimal:
        """The position the layer follows from fills (diagnostics)."""
        return self._tracked[instrument_id].position.qty

    def trigger(self, instrument_id: str) -> str:
        """The stop that triggered on the open position, or ""."""
        return self._tracked[instrument_id].trigger

    # -- RiskLayer ------------------------------------------------------------------------------------
    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self.check_fast(intent, portfolio, None)

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView | None) -> RiskDecision:
        """``check``, as the risk stack calls it (of the view, only the sign is read)."""
        metrics = self._metrics
        metrics["checks"] += 1
        t = self._armed.get(intent.instrument_id)
        if t is not None and not intent.reduce_only:
            held = t.position.qty
            sign = _SIGNS[intent.side] if view is None else view.sign
            if t.trigger and held and (held > 0) == (sign > 0):
                return self._reject("stop_pending", f"{t.trigger} exit pending on {held}")
            if t.cooldown_side == sign and portfolio.ts_ns < t.cooldown_until and held * sign >= 0:
                return self._reject("stop_cooldown", f"re-entry after a stop before {t.cooldown_until}")
        metrics["allow"] += 1
        return self._allowed
