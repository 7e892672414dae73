"""The taker fast lane: the common scalping case (market orders, trade-only data) without per-order objects.

A backtest places thousands of market orders; through the general path each one builds an
``OrderRequest``, three ``Order`` states and a ``Fill`` and runs Decimal arithmetic at the venue and in
the strategy's portfolio, about 25-50 µs per order. When a batch allows it, the engine hands its
decision points to the compiled :class:`cryptoscalp_speedups.taker_lane.TakerLane` instead, which applies
the simulated venue's rules for this case in integer ticks and lots and returns where it got to. The
lane is an optimisation, never a different model: a property test runs random workloads both ways and
requires identical orders, fills, positions, balance and equity samples.

When the lane is used (all must hold, checked per batch):

* the compiled speedups are installed and ``trading.order_type`` is ``market``;
* no risk layer is configured and no plugin implements the order or fill hooks (both need objects
  per report, at the moment of the report);
* entry and response latencies are constant;
* the batch holds trades and every instrument is trade-only so far (no book, quote or mark seen, no
  funding time announced);
* nothing is in flight: no order, cancel or report pending, no open order (inside the lane, one order
  at a time may be in flight, and cancelled when the next decision's target is what is already held);
* every position can be expressed exactly in ticks and lots (an entry price on the grid, no funding).

The lane stops at the last decision point where nothing was in flight whenever it meets something it
does not model (a second order in flight, a cancel after the venue finished the order, a rejection, a
reduce-only cap, scaling into a position, a margin or liquidation test too close to call in floats); the
general path continues from there and the lane takes over again at the next quiet decision point.
Orders and fills become objects only when the run's results are written (:class:`LaneBlock`).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.errors import DomainError
from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.engine.lane_records import LaneBlock, LaneContext
from cryptoscalp_core.sim.config import ConstantLatency

if TYPE_CHECKING:
    from cryptoscalp_core.engine.backtest import BacktestEngine
    from cryptoscalp_core.ports.market_feed import EventBatch

TakerLane: Any
try:
    from cryptoscalp_speedups.taker_lane import TakerLane
except ImportError:  # the general path does everything without the speedups
    TakerLane = None

_MS = 1_000_000
_HOOKS = ("cryptoscalp_order_filled", "cryptoscalp_order_updated")


def _decimal_parts(value: Decimal) -> tuple[int, int]:
    """``value`` as ``(num, dec)`` with ``value == num * 10**-dec`` and ``dec >= 0``."""
    sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    num = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    return (num * 10 ** exponent, 0) if exponent >= 0 else (num, -exponent)


def _units(value: Decimal, dec: int) -> int | None:
    """``value * 10**dec`` when that is a whole number, else ``None``."""
    scaled = value.scaleb(dec)
    return int(scaled) if scaled == scaled.to_integral_value() else None




class TakerFastLane:
    """Drives the compiled lane for one :class:`~cryptoscalp_core.engine.backtest.BacktestEngine`."""

    def __init__(self, engine: BacktestEngine, lane: Any, money_dec: int, pq_dec: list[int]) -> None:
        self.engine = engine
        self.lane = lane
        self.money_dec = money_dec
        self.pq_dec = pq_dec
        self.context = LaneContext(engine.instruments, engine.venue.account)
        self.stops: dict[str, int] = {}
        self.calls = 0
        self.decisions = 0
        self._columns: tuple[Any, ...] | None = None

    @classmethod
    def build(cls, engine: BacktestEngine) -> TakerFastLane | None:
        """The lane for ``engine``, or ``None`` when its setup rules the lane out for the whole run."""
        if TakerLane is None or engine.trading.order_type != "market" or engine.risk:
            return None
        if engine.plugins is not None and any(getattr(engine.plugins.pm.hook, h).get_hookimpls() for h in _HOOKS):
            return None
        venue = engine.venue
        config = venue.config
        entry, response = config.latency.entry, config.latency.response
        if not isinstance(entry, ConstantLatency) or not isinstance(response, ConstantLatency):
            return None
        account = venue.account
        cols: dict[str, list[Any]] = {k: [] for k in ("tick_num", "tick_dec", "lot_num", "lot_dec", "mult", "pq_num",
                                                      "pq_dec", "rate_num", "rate_dec", "min_lots", "min_notional")}
        for i, inst in enumerate(engine.instruments):
            for name, value in (("tick", inst.tick_size), ("lot", inst.lot_size),
                                ("pq", inst.tick_size * inst.lot_size * inst.contract_multiplier),
                                ("rate", account._rates[i][1])):
                num, dec = _decimal_parts(Decimal(value))
                if name == "rate" and num < 0:
                    return None  # a taker rebate: rare enough to leave to the general path
                cols[f"{name}_num"].append(num)
                cols[f"{name}_dec"].append(dec)
            cols["mult"].append(float(inst.contract_multiplier))
            cols["min_lots"].append(int(-(-inst.min_qty // inst.lot_size)))
            cols["min_notional"].append(float(inst.min_notional))
        money_dec = max(p + r for p, r in zip(cols["pq_dec"], cols["rate_dec"], strict=True))
        if money_dec > 15 or len(engine.instruments) > 32:
            return None
        lane = TakerLane(cols["tick_num"], cols["tick_dec"], cols["lot_num"], cols["lot_dec"], cols["mult"],
                         cols["pq_num"], cols["pq_dec"], cols["rate_num"], cols["rate_dec"], cols["min_lots"],
                         cols["min_notional"], money_dec=money_dec, leverage=float(account.leverage),
                         mmr=float(account.mmr), liquidation=bool(config.liquidation),
                         entry_ns=round(entry.ms * _MS), resp_ns=round(response.ms * _MS),
                         step_ns=engine.sampler.step_ns)
        return cls(engine, lane, money_dec, cols["pq_dec"])

    # -- when ----------------------------------------------------------------------------------------------
    def batch_ready(self, batch: EventBatch) -> bool:
        """Whether this batch may use the lane at all (trades, every instrument trade-only so far)."""
        self._columns = None
        if batch.kind is not EventKind.TRADE:
            return False
        return all(not m.has_depth and m.quote is None and math.isnan(m.mark) and m.funding_ts < 0
                   for m in self.engine.venue.markets)

    def quiet(self) -> bool:
        """Nothing in flight between the strategy and the venue."""
        venue = self.engine.venue
        return not (venue._actions or venue._live or venue._reports or venue._cancel_pending
                    or self.engine.portfolio.open_orders)

    # -- run -----------------------------------------------------------------------------------------------
    def run(self, batch: EventBatch, start: int, k: int, ends: npt.NDArray[np.int64], ts: npt.NDArray[np.int64],
            inst: npt.NDArray[np.int64], lots: npt.NDArray[np.int64]) -> tuple[int, int]:
        """Run the lane from row ``start`` / decision ``k``; returns where the general path resumes."""
        state = self._import()
        if state is None:
            self.stops["position_not_exact"] = self.stops.get("position_not_exact", 0) + 1
            return start, k
        if self._columns is None:
            rows = batch.rows
            self._columns = tuple(np.ascontiguousarray(rows[c]) for c in ("ts_event", "ts_recv", "instrument",
                                                                          "price"))
        columns = self._columns
        cap = self.engine.recorder.lane_room()
        if cap is not None and len(ends) - k > cap and int(ends[k + cap]) > start:
            # no more decisions (so orders) than the recorder takes before its next hand-over, as if the batch
            # ended before the next one: the store's writer then gets them while the rest of the batch runs
            cut, rows_end = k + cap, int(ends[k + cap])
            columns = tuple(c[:rows_end] for c in columns)
            ends, ts, inst, lots = ends[:cut], ts[:cut], inst[:cut], lots[:cut]
        self.lane.load(state)
        row, k_end, why = self.lane.run(*columns, start, ends, ts, inst, lots, k, True)
        self.calls += 1
        if why:
            self.stops[why] = self.stops.get(why, 0) + 1
        if (row, k_end) != (start, k):
            self._export(self.lane.dump(), batch, row)
        return row, k_end

    def _import(self) -> dict[str, Any] | None:
        engine, venue = self.engine, self.engine.venue
        account, known = venue.account, engine.portfolio.positions
        out: dict[str, Any] = {k: [] for k in ("lots", "avg", "realised", "fees", "turnover", "last")}
        try:
            for i, inst in enumerate(engine.instruments):
                pos = account.positions[inst.id]
                if pos.funding or known[inst.id].qty != pos.qty:
                    return None
                lots = inst.qty_to_lots(abs(pos.qty)) if pos.qty else 0
                out["lots"].append(lots if pos.qty >= 0 else -lots)
                out["avg"].append(inst.price_to_ticks(pos.avg_entry_price) if pos.qty else 0)
                money = self.money_dec
                for key, value, dec in (("realised", pos.realised_pnl, money), ("fees", pos.fees, money),
                                        ("turnover", pos.turnover, self.pq_dec[i])):
                    units = _units(value, dec)
                    if units is None:
                        return None
                    out[key].append(units)
                out["last"].append(venue.markets[i].last_trade)
        except DomainError:  # an entry price off the grid (re-averaged): not expressible in ticks
            return None
        balance = _units(account.balance, self.money_dec)
        if balance is None:
            return None
        sampler = engine.sampler
        out.update(balance=balance, now=venue.now, ids=venue._seq, entry_last=int(venue._entry._last),
                   resp_last=int(venue._response._last), reply_now=venue._reply_at[0], reply_at=venue._reply_at[1],
                   cids=engine._sequence, s_next=sampler._next, s_last=sampler._last_price)
        self._imported = out
        return out

    def _export(self, d: dict[str, Any], batch: EventBatch, row: int) -> None:
        engine, venue = self.engine, self.engine.venue
        account, before = venue.account, self._imported
        block = None
        held: tuple[Decimal, ...] = ()
        if d["n_orders"]:
            start = tuple(engine.portfolio.positions[inst.id].qty for inst in engine.instruments)
            block = LaneBlock([self.lane.orders[:d["n_orders"]].copy()], engine._prefix, self.context, start)
            held = block.positions_after()  # the positions' Decimals, exponent included, as fills make them
        for i, inst in enumerate(engine.instruments):
            last = d["last"][i]
            venue.markets[i].last_trade = last
            if not math.isnan(last):
                engine.portfolio.last_price[i] = last
            if all(d[key][i] == before[key][i] for key in ("lots", "avg", "realised", "fees", "turnover")):
                continue
            lots = d["lots"][i]
            for pos in (account.positions[inst.id], engine.portfolio.positions[inst.id]):
                pos.qty = held[i]
                pos.avg_entry_price = inst.ticks_to_price(d["avg"][i]) if lots else Decimal(0)
                pos.realised_pnl = Decimal(d["realised"][i]).scaleb(-self.money_dec)
                pos.fees = Decimal(d["fees"][i]).scaleb(-self.money_dec)
                pos.turnover = Decimal(d["turnover"][i]).scaleb(-self.pq_dec[i])
            position = account.positions[inst.id]
            account.qty_f[i], account.avg_f[i] = float(position.qty), float(position.avg_entry_price)
        if d["balance"] != before["balance"]:
            account.balance = Decimal(d["balance"]).scaleb(-self.money_dec)
        venue.now = d["now"]
        venue._seq = d["ids"]
        venue._entry._last, venue._response._last = d["entry_last"], d["resp_last"]
        venue._reply_at = (d["reply_now"], d["reply_at"])
        stats = venue.stats
        stats.orders += d["orders"]
        stats.fills += d["fills"]
        stats.taker_fills += d["fills"]
        stats.late_arrivals += d["late"]
        stats.cancels += d["cancels"]
        stats.cancels_too_late += d["too_late"]
        engine._sequence = d["cids"]
        engine.stats.decisions += d["decisions"]
        engine.stats.orders_sent += d["orders"]
        self.decisions += d["decisions"]
        if block is not None:
            engine.recorder.lane_block(block)
            log = engine.portfolio.fills
            copy = LaneBlock(list(block.parts), block.prefix, block.context, block.start)
            if not (log and isinstance(log[-1], LaneBlock) and log[-1].absorb(copy)):
                log.append(copy)
        engine.sampler.append_lane(self.lane.sample_ts[:d["n_samples"]], self.lane.samples[:d["n_samples"]],
                                   d["s_next"], d["s_last"])
        if row > 0:
            last_ts = int(batch.rows["ts_recv"][row - 1])
            engine.clock.advance_to(max(engine.clock.now_ns(), last_ts))
