"""The ``throughput-breaker`` risk layer: keeps the order flow within what the venue and the strategy
can sustain, and stops it when the connection or the data look wrong.

Rate limits (the intent is rejected, nothing else happens):

``order_rate``         more than ``max_orders_per_s`` new orders in the last second, or more than
                       ``max_orders_per_min`` in the last minute (this layer counts the intents it allows,
                       so put it last in the stack)

Circuit breakers (open for ``cooldown_s`` once tripped; every new intent is rejected while open):

``cancel_ratio``       cancels / new orders over ``ratio_window_s`` above ``max_cancel_ratio`` (after at least
                       ``ratio_min_orders`` orders), judged when a cancel is reported, over the window before
                       the cancel's time (orders allowed more than two to four windows before the newest
                       intent are forgotten, so a strategy that never cancels does not grow the layer's
                       memory; a cancel reported more than a window late may no longer see them)
``error_rate``         ``max_errors`` venue rejections within ``error_window_s``
``latency``            median acknowledgement latency (venue update time - intent creation time) of the last
                       ``latency_samples`` acknowledgements above ``max_latency_ms``

Halt: ``stale_market_data`` — the instrument's newest market event (any kind, local receive time, from the
engine's market view) is older than ``max_data_age_ms``; with ``cancel_on_stale`` the layer also asks the
engine to cancel that instrument's orders, once per stale spell. Without a market view it cannot judge
staleness and skips it.

Reduce-only intents always pass: breakers stop new risk, never getting out. Times: intents are judged
at ``PortfolioState.ts_ns``; venue reports are placed at their ``ts_updated``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from statistics import median

from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderStatus
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, ProtectiveAction, ProtectiveKind, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_throughput_breaker.config import ThroughputBreakerConfig

NAME = "throughput-breaker"
BREAKERS = ("cancel_ratio", "error_rate", "latency")
REASONS = ("order_rate", *BREAKERS, "stale_market_data")
_S = 1_000_000_000


def _trim(times: deque[int], since: int) -> None:
    while times and times[0] <= since:
        times.popleft()


class ThroughputBreakerLayer(CountingRiskLayer):
    """See the module docstring."""

    def __init__(self, config: ThroughputBreakerConfig) -> None:
        self._cfg = config
        self._sent: deque[int] = deque()  # allowed intents (ts), last minute at most
        self._ratio_orders: deque[int] = deque()
        self._cancels: deque[int] = deque()
        self._errors: deque[int] = deque()
        self._latency: deque[int] = deque(maxlen=config.latency_samples)
        self._acked: set[str] = set()
        self._open_until = {b: 0 for b in BREAKERS}
        self._cooldown = int(config.cooldown_s * _S)
        self._ratio_ns, self._error_ns = int(config.ratio_window_s * _S), int(config.error_window_s * _S)
        # allowed orders are remembered for the ratio at least two windows back, and forgotten down to that
        # once the oldest is four windows old: one comparison per check, one trim every two windows
        self._ratio_keep, self._ratio_trim = 2 * self._ratio_ns, 4 * self._ratio_ns
        self._age_ns = int(config.max_data_age_ms * 1e6) if config.max_data_age_ms else 0
        self._stale: set[str] = set()
        self._open_any = 0  # the latest time any breaker stays open until
        self._per_min, self._per_s = config.max_orders_per_min, config.max_orders_per_s
        self._count_ratio = config.max_cancel_ratio is not None
        super().__init__(NAME, REASONS)
        self._allowed = RiskDecision.allow(NAME)
        self._metrics.update({f"trip.{b}": 0 for b in BREAKERS})

    def _trip(self, breaker: str, ts: int) -> None:
        if self._open_until[breaker] <= ts:
            self._metrics[f"trip.{breaker}"] += 1
        self._open_until[breaker] = ts + self._cooldown
        self._open_any = max(self._open_until.values())

    # -- reports --------------------------------------------------------------------------------------
    def on_order(self, order: Order) -> None:
        cfg, ts, cid = self._cfg, order.ts_updated, order.request.client_order_id
        status = order.status
        if status is OrderStatus.REJECTED and cfg.max_errors is not None:
            errors = self._errors
            errors.append(ts)
            _trim(errors, ts - self._error_ns)
            if len(errors) >= cfg.max_errors:
                self._trip("error_rate", ts)
        elif status is OrderStatus.CANCELED and cfg.max_cancel_ratio is not None:
            self._cancels.append(ts)
            _trim(self._cancels, ts - self._ratio_ns)
            _trim(self._ratio_orders, ts - self._ratio_ns)
            n = len(self._ratio_orders)
            if n >= cfg.ratio_min_orders and len(self._cancels) > cfg.max_cancel_ratio * n:
                self._trip("cancel_ratio", ts)
        if cfg.max_latency_ms is not None and status is not OrderStatus.PENDING_NEW and cid not in self._acked:
            if len(self._acked) > 4096:  # only ids of orders not yet acknowledged matter; keep it bounded
                self._acked.clear()
            self._acked.add(cid)
            if order.request.ts_created and ts >= order.request.ts_created:
                self._latency.append(ts - order.request.ts_created)
                if len(self._latency) == self._latency.maxlen and median(self._latency) > cfg.max_latency_ms * 1e6:
                    self._trip("latency", ts)
                    self._latency.clear()

    # -- checks ---------------------------------------------------------------------------------------
    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self.check_fast(intent, portfolio, None)

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView | None) -> RiskDecision:
        """``check``, as the risk stack calls it (the view is not needed here)."""
        metrics = self._metrics
        metrics["checks"] += 1
        if intent.reduce_only:
            metrics["allow"] += 1
            return self._allowed
        now = portfolio.ts_ns
        if now < self._open_any:  # some breaker may be open: find the first, in BREAKERS order
            for breaker, until in self._open_until.items():
                if now < until:
                    return self._reject(breaker, f"{breaker} breaker open until {until}")
        market = portfolio.market
        if self._age_ns and market is not None and intent.instrument_id in portfolio.instruments:
            seen = market.last_recv_ns(intent.instrument_id)
            if now - seen > self._age_ns:
                return self._reject("stale_market_data", f"newest data {now - seen} ns old")
        sent, since = self._sent, now - 60 * _S
        while sent and sent[0] <= since:
            sent.popleft()
        per_min = self._per_min
        if per_min is not None and len(sent) >= per_min:
            return self._reject("order_rate", f"{len(sent)} orders in the last minute")
        per_s = self._per_s
        if per_s is not None and len(sent) >= per_s and sent[-per_s] > now - _S:
            return self._reject("order_rate", f"{per_s} orders in the last second")
        sent.append(now)
        if self._count_ratio:
            orders = self._ratio_orders
            orders.append(now)
            if orders[0] <= now - self._ratio_trim:
                _trim(orders, now - self._ratio_keep)
        metrics["allow"] += 1
        return self._allowed

    def protective_actions(self, portfolio: PortfolioState) -> Sequence[ProtectiveAction]:
        market = portfolio.market
        if not (self._age_ns and self._cfg.cancel_on_stale and market is not None):
            return ()
        out: list[ProtectiveAction] = []
        for key in portfolio.instruments:
            age = portfolio.ts_ns - market.last_recv_ns(key)
            if age <= self._age_ns:
                self._stale.discard(key)
            elif key not in self._stale:
                self._stale.add(key)
                out.append(ProtectiveAction(kind=ProtectiveKind.CANCEL_ALL, layer=NAME, reason="stale_market_data",
                                            instrument_id=key, detail=f"newest data {age} ns old"))
        return out
