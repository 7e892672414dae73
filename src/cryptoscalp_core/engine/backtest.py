"""The backtest loop: feed → features → model → decisions → risk stack → simulated venue → reports.

Batches flow through every stage whole; Python only loops at *decision points* (rows where the target
position changes) and at times the venue has something due (an order arriving, a report to deliver).

No look-ahead, by construction:

* a decision at local time ``t`` is taken after the venue has seen exactly the rows with
  ``ts_recv <= t`` and after every report due by ``t`` was delivered, and nothing later;
* the order it sends reaches the venue at ``t + entry latency`` (the venue's latency model) and can only
  match events from then on;
* the strategy learns of fills through :class:`~cryptoscalp_core.engine.portfolio.Portfolio`, fed by
  reports as the venue delivers them (after the response latency), never from the venue's own state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.clocks import SimulatedClock
from cryptoscalp_core.domain.client_ids import client_order_id, run_prefix
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderType, TimeInForce
from cryptoscalp_core.engine.fast_lane import TakerFastLane
from cryptoscalp_core.engine.intents import IntentBuilder
from cryptoscalp_core.engine.portfolio import Portfolio
from cryptoscalp_core.engine.recorder import RunRecorder
from cryptoscalp_core.engine.risk_stack import RiskStack
from cryptoscalp_core.engine.sampler import EquitySampler
from cryptoscalp_core.engine.signals import decision_points, target_lots, to_target_fraction
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports import FeatureEngine, MarketFeed, Model, RiskLayer
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import ProtectiveKind
from cryptoscalp_core.ports.store import AuditEvent
from cryptoscalp_core.profile.model import TradingSettings
from cryptoscalp_core.sim.venue import SimVenue


@dataclass(slots=True)
class LoopStats:
    events: int = 0
    batches: int = 0
    feature_rows: int = 0
    decisions: int = 0
    orders_sent: int = 0
    risk_rejections: dict[str, int] = field(default_factory=dict)
    decision_ns: list[int] = field(default_factory=list)  #: wall time of each decision path
    #: from the feed's start to the last event processed, less the time the recorder spent handing results
    #: to the store meanwhile
    wall_s: float = 0.0
    #: writing the orders, fills and audit events: the recorder's time during the loop and after it
    persist_s: float = 0.0
    first_ts: int = 0
    last_ts: int = 0


class BacktestEngine:
    """Drives one backtest. Built by :func:`cryptoscalp_core.engine.run.run_backtest` from a profile."""

    def __init__(self, *, run_id: str, instruments: Sequence[Instrument], feed: MarketFeed,
                 features: FeatureEngine, model: Model, risk: Sequence[RiskLayer], venue: SimVenue,
                 recorder: RunRecorder, clock: SimulatedClock, trading: TradingSettings,
                 plugins: PluginHost | None = None, fast_lane: bool = True) -> None:
        self.run_id = run_id
        self.instruments = tuple(instruments)
        self.feed, self.features, self.model, self.risk = feed, features, model, tuple(risk)
        self.venue, self.recorder, self.clock, self.plugins = venue, recorder, clock, plugins
        self.trading = trading
        self.portfolio = Portfolio(self.instruments)
        self.stats = LoopStats()
        self.sampler = EquitySampler(trading.equity_sample_ms * 1_000_000)
        lot = self.instruments[0].lot_size
        self._max_lots = int(trading.max_position / lot)
        self._min_change = max(1, int(Decimal(repr(trading.min_trade_fraction)) * self._max_lots))
        self._acted = np.zeros(len(self.instruments), dtype=np.int64)
        self._prefix = run_prefix(run_id)
        self._sequence = 0
        self._intents = IntentBuilder(trading, self.portfolio)
        account = getattr(venue, "account", None)
        self.risk_stack = RiskStack(self.risk, self.instruments, resize=self._intents.resized,
                                    initial_balance=getattr(venue.config, "initial_balance", 0.0),
                                    maintenance_margin_rate=getattr(account, "mmr", 0))
        self.lane = TakerFastLane.build(self) if fast_lane else None

    # -- main loop --------------------------------------------------------------------------------------
    async def run(self, progress: Callable[[int], None] | None = None, *, wait_for_store: bool = True) -> LoopStats:
        """Replay the feed through the pipeline. ``wait_for_store=False``: return once the last rows are
        handed to the recorder's table writer, which goes on writing them; the caller then calls
        ``recorder.wait()`` (and ``stats.persist_s`` leaves that wait out)."""
        self.recorder.open()
        started = time.perf_counter()
        await self.feed.start()
        try:
            async for batch in self.feed.batches():
                self._on_batch(batch)
                self.recorder.flush()
                if progress is not None:
                    progress(len(batch))
        except BaseException:
            self.recorder.close()  # the run failed: stop its table writer
            raise
        finally:
            await self.feed.stop()
        # The loop's figure (events/s) ends with the last event and leaves out the recorder's own time;
        # that, and writing what is still buffered (with the table writer, its last tables; without it,
        # every fast-lane order, in one bulk insert), is persist_s. The end-to-end time has both.
        self.stats.wall_s = time.perf_counter() - started - self.recorder.busy_s
        self.recorder.flush(final=True, wait=wait_for_store)
        self.stats.persist_s = self.recorder.busy_s
        return self.stats

    def _on_batch(self, batch: EventBatch) -> None:
        rows = batch.rows
        n = len(rows)
        if n == 0:
            return
        st = self.stats
        st.events += n
        st.batches += 1
        if st.first_ts == 0:
            st.first_ts = int(rows["ts_recv"][0])
        st.last_ts = int(rows["ts_recv"][-1])
        # one contiguous copy per batch: searchsorted on a strided column would copy it on every call
        ts_recv = np.ascontiguousarray(rows["ts_recv"])
        frows = self.features.update(batch)
        start = 0
        lane = self.lane if self.lane is not None and self.lane.batch_ready(batch) else None
        if len(frows):
            st.feature_rows += len(frows)
            fraction = to_target_fraction(self.model.predict(frows.values), self.model.signal_kind)
            lots = target_lots(fraction, self._max_lots)
            points = decision_points(frows.instrument, lots, self._acted, self._min_change)
            ts_pts = np.ascontiguousarray(frows.ts[points], dtype=np.int64)
            inst_pts = np.ascontiguousarray(frows.instrument[points], dtype=np.int64)
            lots_pts = np.ascontiguousarray(lots[points], dtype=np.int64)
            ends = np.searchsorted(ts_recv, ts_pts, side="right").astype(np.int64)
            k, count, refused = 0, len(points), (-1, -1)
            while k < count:
                t = int(ts_pts[k])
                start = self._advance(batch, ts_recv, start, int(ends[k]))
                self._deliver(t)
                if lane is not None and (start, k) != refused and lane.quiet():
                    row, at = lane.run(batch, start, k, ends, ts_pts, inst_pts, lots_pts)
                    # the lane gave back before the end: it cannot take decision `at`; the general path does
                    refused = (row, at)
                    if (row, at) != (start, k):
                        start, k = row, at
                        continue
                self._decide(int(inst_pts[k]), int(lots_pts[k]), t)
                k += 1
        if lane is not None and start < n and lane.quiet():
            empty = np.empty(0, dtype=np.int64)
            start, _ = lane.run(batch, start, 0, empty, empty, empty, empty)
        self._advance(batch, ts_recv, start, n)
        last = int(rows["ts_recv"][-1])
        self._deliver(last)

    def _advance(self, batch: EventBatch, ts_recv: npt.NDArray[np.int64], start: int, end: int) -> int:
        """Feed rows ``[start, end)`` to the venue, stopping where a report falls due so the strategy's
        view (and the equity samples) change at the right local time.

        Orders arriving at the venue need no cut: the venue activates each one just before the first row
        with ``ts_event >= arrival``, on exchange time, whatever the local receive times are.
        """
        while start < end:
            due = self.venue.next_report_ts()
            last = int(ts_recv[end - 1])
            cut = end if due is None or due > last else min(end, max(start, int(np.searchsorted(
                ts_recv, due, side="right"))))
            if cut > start:
                segment = EventBatch(batch.kind, batch.rows[start:cut])
                self.venue.process(segment)
                self.portfolio.observe(segment)
                self.risk_stack.observe(segment)
                self._sample_delivering(batch, ts_recv, start, cut)
                if self.risk_stack.protection_due(int(ts_recv[cut - 1])):
                    self._protect(int(ts_recv[cut - 1]))
                start = cut
            if due is not None and due <= last:
                self._deliver(due)
        if end > 0:
            self.clock.advance_to(max(self.clock.now_ns(), int(ts_recv[end - 1])))
        return start

    def _sample_delivering(self, batch: EventBatch, ts_recv: npt.NDArray[np.int64], start: int, cut: int) -> None:
        """Sample rows ``[start, cut)``, delivering the reports that fell due between them (a fill inside the
        segment reports while the venue processes it): a report due at ``D`` counts from the first row
        received after ``D`` on, as if the segment had been cut there."""
        last = int(ts_recv[cut - 1])
        while (due := self.venue.next_report_ts()) is not None and due < last:
            mid = max(start, int(np.searchsorted(ts_recv, due, side="right")))
            self.sampler.sample(batch, start, mid, self.portfolio)
            self._deliver(due)
            start = mid
        self.sampler.sample(batch, start, cut, self.portfolio)

    # -- reports ----------------------------------------------------------------------------------------
    def _deliver(self, ts: int) -> None:
        for report in self.venue.drain(ts):
            self.portfolio.apply(report)
            if isinstance(report, Fill):
                self.recorder.fill(report)
                self.risk_stack.on_fill(report)
                if self.plugins is not None:
                    self.plugins.notify("cryptoscalp_order_filled", run_id=self.run_id, fill=report)
            else:
                self.recorder.order(report)
                self.risk_stack.on_order(report)
                if self.plugins is not None:
                    self.plugins.notify("cryptoscalp_order_updated", run_id=self.run_id, order=report)

    # -- decisions --------------------------------------------------------------------------------------
    def _decide(self, index: int, lots: int, ts: int) -> None:
        began = time.perf_counter_ns()
        self.stats.decisions += 1
        inst = self.instruments[index]
        for cid, live in list(self.portfolio.open_orders.items()):
            if live.request.instrument_id == inst.id:
                self.venue.cancel(cid, ts)
        self._sequence += 1
        request = self._intents.build(index, inst.lot_size * lots, client_order_id(self._prefix, self._sequence),
                                      ts)
        if request is None:
            return
        request, decision = self.risk_stack.check(request, self.risk_stack.prepare(self.portfolio.state(ts)))
        if decision is not None:
            key = f"{decision.layer}:{decision.reason}"
            self.stats.risk_rejections[key] = self.stats.risk_rejections.get(key, 0) + 1
            self.recorder.audit(AuditEvent(run_id=self.run_id, ts_ns=ts, kind="risk_reject", source=decision.layer,
                                           message=decision.detail or decision.reason,
                                           data={"reason": decision.reason, "client_order_id": request.client_order_id,
                                                 "qty": str(request.qty), "side": request.side.value}))
            return
        self.recorder.intent(request)
        order: Order = self.venue.submit(request, ts)
        self.portfolio.open_orders[request.client_order_id] = order
        self.stats.orders_sent += 1
        self.stats.decision_ns.append(time.perf_counter_ns() - began)

    # -- protective actions of the risk layers (per batch segment, never per event) ----------------------
    def _protect(self, ts: int) -> None:
        stack = self.risk_stack
        actions = stack.protective_actions(stack.prepare(self.portfolio.state(ts)))
        for action in actions:
            known = self.portfolio.positions
            targets = [i for i in ([action.instrument_id] if action.instrument_id else known) if i in known]
            self.recorder.audit(AuditEvent(run_id=self.run_id, ts_ns=ts, kind="risk_protect", source=action.layer,
                                           message=action.detail or action.reason,
                                           data={"reason": action.reason, "action": action.kind.value,
                                                 "instrument_id": action.instrument_id}))
            for cid, live in list(self.portfolio.open_orders.items()):
                if live.request.instrument_id in targets and not stack.is_exit(cid):
                    self.venue.cancel(cid, ts)
            if action.kind is ProtectiveKind.CANCEL_ALL:
                continue
            for inst_id in targets:
                held = self.portfolio.positions[inst_id].qty
                qty = abs(held) if action.qty is None else min(abs(held), action.qty)
                if not qty or stack.exit_in_flight(inst_id):
                    continue
                self._sequence += 1
                request = OrderRequest(client_order_id=client_order_id(self._prefix, self._sequence),
                                       instrument_id=inst_id, side=OrderSide.SELL if held > 0 else OrderSide.BUY,
                                       type=OrderType.MARKET, qty=qty, time_in_force=TimeInForce.IOC,
                                       reduce_only=True, ts_created=ts)
                self.recorder.intent(request)
                self.portfolio.open_orders[request.client_order_id] = self.venue.submit(request, ts)
                stack.track_exit(request.client_order_id, inst_id)
                self.stats.orders_sent += 1
