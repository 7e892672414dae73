"""DataValidator: vectorised per-batch checks of market data, run as a stage around any feed.

Rules, applied one after another (a dropped row is counted once, under the first rule it breaks; nothing
is ever corrected). Like :func:`~cryptoscalp_core.domain.events.valid_rows`, each ordering rule compares a
row with the rows of its batch that passed the rules *before it*, and with the rows finally kept from earlier
batches — the exact definition a row-by-row reference in the tests follows:

* the core's :func:`~cryptoscalp_core.domain.events.valid_rows` rules: ``non_finite_price``,
  ``non_positive_price``, ``non_finite_qty``, ``negative_qty``, ``non_positive_qty``, ``bad_side``,
  ``ts_recv_backwards``;
* ``absurd_price``: a trade/quote/mark price off the instrument's reference price by more than
  ``max_price_ratio`` times (or below its inverse) — fat fingers, wrong scale, a decimal shift;
* ``crossed_quote``: a quote with ``bid_price >= ask_price`` (both sides present);
* ``ts_event_backwards``: a trade or quote whose ``ts_event`` is below the previous accepted one of its
  instrument (venues publish them in matching order);
* ``duplicate_trade_id``: a trade id not above the last accepted id of its instrument;
* ``price_jump``: a trade price or quote mid whose log distance from the median of the previous four
  accepted prices exceeds ``jump_sigma`` standard deviations of accepted row-to-row log returns
  (exponentially weighted, after ``warmup`` returns, floored at ``min_sigma_bps``). The trailing median
  uses no later row, so the rule is causal and a lone spike does not poison its successors.

Statistical anomalies that are plausible market behaviour are **counted, not dropped** (``anomalies``):
a trade size more than ``size_sigma`` deviations above the mean log size, and a latency
``ts_recv - ts_event`` more than ``latency_sigma`` deviations from its mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind, kind_of, valid_rows
from cryptoscalp_core.marketdata.clock_offset import ClockOffsetEstimator
from cryptoscalp_core.marketdata.validator_config import ValidatorConfig

_PRICE_COL = {EventKind.TRADE: "price", EventKind.MARK: "mark_price"}
_LOW = np.iinfo(np.int64).min
JUMP_WINDOW = 4


@dataclass(slots=True)
class _Ewm:
    """Exponentially weighted mean and variance, updated a batch at a time."""

    alpha: float
    mean: float = 0.0
    var: float = 0.0
    n: int = 0

    def update(self, x: npt.NDArray[np.float64]) -> None:
        n = len(x)
        if not n:
            return
        # batch update: the batch mean/variance as one observation weighted by its size. Two bare reductions:
        # live batches are a few rows, where numpy's mean()/var() wrappers cost more than the arithmetic.
        total = float(np.add.reduce(x))
        m = total / n
        v = max(float(np.add.reduce(x * x)) / n - m * m, 0.0)
        w = 1.0 - (1.0 - self.alpha) ** n
        if self.n == 0:
            self.mean, self.var = m, v
        else:
            delta = m - self.mean
            self.mean += w * delta
            self.var = (1 - w) * (self.var + w * delta * delta) + w * v
        self.n += n

    @property
    def std(self) -> float:
        return math.sqrt(max(self.var, 0.0))


@dataclass(slots=True)
class _InstrumentState:
    ref_price: float = math.nan
    last_trade_id: int = _LOW
    last_ts_event: dict[int, int] = field(default_factory=dict)
    returns: _Ewm = field(default_factory=lambda: _Ewm(0.01))
    recent: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))  #: last accepted log prices
    log_size: _Ewm = field(default_factory=lambda: _Ewm(0.01))


class DataValidator:
    """Checks batches and returns the rows that pass; see the module docstring for the rules."""

    def __init__(self, config: ValidatorConfig, n_instruments: int) -> None:
        self.config = config
        self.state = [_InstrumentState() for _ in range(n_instruments)]
        self.dropped: dict[str, int] = {}
        self.anomalies: dict[str, int] = {}
        self.clock = ClockOffsetEstimator(config.clock_window)
        self._latency = _Ewm(0.01)
        self._prev_ts_recv: int | None = None
        self._batch: dict[str, int] = {}

    def check(self, rows: npt.NDArray[np.void]) -> tuple[npt.NDArray[np.void], dict[str, int]]:
        """``(kept rows, dropped by rule)`` of one batch; state advances over the kept rows only."""
        if not len(rows):
            return rows, {}
        kind = kind_of(rows)
        result = valid_rows(rows, prev_ts_recv=self._prev_ts_recv)
        mask = result.mask
        self._batch = dict(result.dropped)
        if kind is EventKind.QUOTE:
            crossed = (rows["bid_price"] >= rows["ask_price"]) & (rows["bid_qty"] > 0) & (rows["ask_qty"] > 0)
            self._drop(mask, np.arange(len(rows)), "crossed_quote", crossed & mask)
        inst = rows["instrument"].astype(np.intp)
        if (inst == inst[0]).all():
            self._check_instrument(kind, rows, int(inst[0]), np.arange(len(rows)), mask)
        else:
            for i in np.unique(inst).tolist():
                self._check_instrument(kind, rows, int(i), np.flatnonzero(inst == i), mask)
        kept = rows if mask.all() else rows[mask]
        if len(kept):
            self._prev_ts_recv = int(kept["ts_recv"][-1])
            lat = (kept["ts_recv"] - kept["ts_event"]).astype(np.float64)
            self.clock.update(kept["ts_recv"] - kept["ts_event"])
            if self._latency.n >= self.config.warmup and self._latency.std > 0:
                z = np.abs(lat - self._latency.mean) / self._latency.std
                self._count_anomaly("latency", int((z > self.config.latency_sigma).sum()))
            self._latency.update(lat)
        for rule, n in self._batch.items():
            self.dropped[rule] = self.dropped.get(rule, 0) + n
        return kept, self._batch

    def _count_anomaly(self, name: str, n: int) -> None:
        if n:
            self.anomalies[name] = self.anomalies.get(name, 0) + n

    def _drop(self, mask: npt.NDArray[np.bool_], idx: npt.NDArray[np.intp], rule: str,
              bad: npt.NDArray[np.bool_]) -> None:
        n = int(bad.sum())
        if n:
            mask[idx[bad]] = False
            self._batch[rule] = self._batch.get(rule, 0) + n

    def _check_instrument(self, kind: EventKind, rows: npt.NDArray[np.void], i: int, idx: npt.NDArray[np.intp],
                          mask: npt.NDArray[np.bool_]) -> None:
        cfg, st = self.config, self.state[i]
        if kind in (EventKind.TRADE, EventKind.QUOTE):
            self._monotonic(mask, idx, "ts_event_backwards", rows["ts_event"][idx],
                            st.last_ts_event.get(int(kind), _LOW), strict=False)
        if kind is EventKind.TRADE:
            self._monotonic(mask, idx, "duplicate_trade_id", rows["trade_id"][idx], st.last_trade_id, strict=True)
        if kind is EventKind.BOOK_DELTA:
            return
        price = ((rows["bid_price"][idx] + rows["ask_price"][idx]) / 2 if kind is EventKind.QUOTE
                 else rows[_PRICE_COL[kind]][idx])
        live = mask[idx]
        ref = st.ref_price
        if math.isnan(ref) and live.any():
            ref = float(np.median(price[live]))
        if not math.isnan(ref):
            ratio = price / ref
            self._drop(mask, idx, "absurd_price",
                       live & ((ratio > cfg.max_price_ratio) | (ratio < 1 / cfg.max_price_ratio)))
        live = mask[idx]
        if kind is not EventKind.MARK and live.any():
            self._jumps(st, mask, idx[live], price[live])
        live = mask[idx]
        if not live.any():
            return
        st.ref_price = float(price[live][-1])
        if kind is EventKind.TRADE:
            size = np.log(rows["qty"][idx][live])
            if st.log_size.n >= cfg.warmup and st.log_size.std > 0:
                z = (size - st.log_size.mean) / st.log_size.std
                self._count_anomaly("trade_size", int((z > cfg.size_sigma).sum()))
            st.log_size.update(size)
            st.last_trade_id = max(st.last_trade_id, int(rows["trade_id"][idx][live].max()))
        if kind in (EventKind.TRADE, EventKind.QUOTE):
            st.last_ts_event[int(kind)] = int(rows["ts_event"][idx][live].max())

    def _monotonic(self, mask: npt.NDArray[np.bool_], idx: npt.NDArray[np.intp], rule: str,
                   values: npt.NDArray[np.int64], last: int, *, strict: bool) -> None:
        live = mask[idx]
        running = np.maximum.accumulate(np.where(live, values, _LOW))
        earlier = np.maximum(np.concatenate([[last], running[:-1]]), last)
        bad = values <= earlier if strict else values < earlier
        self._drop(mask, idx, rule, live & bad)

    def _jumps(self, st: _InstrumentState, mask: npt.NDArray[np.bool_], idx: npt.NDArray[np.intp],
               price: npt.NDArray[np.float64]) -> None:
        """Drop prices off the trailing median of the previous ``JUMP_WINDOW`` prices by more than
        ``jump_sigma`` sigmas. The median ignores a lone spike, so the row after a spike is judged
        against the prices before it; a real level shift costs its first two or three prints."""
        cfg = self.config
        history = np.concatenate([st.recent, np.log(price)])
        k = len(st.recent)
        if k == JUMP_WINDOW and st.returns.n >= cfg.warmup:
            n = len(price)
            # the four previous prices of each row, side by side; median of four = mean of the middle two
            windows = np.sort(np.stack([history[j:j + n] for j in range(JUMP_WINDOW)], axis=1), axis=1)
            med = (windows[:, 1] + windows[:, 2]) * 0.5
            sigma = max(st.returns.std, cfg.min_sigma_bps / 1e4)
            bad = np.abs(history[k:] - med) > cfg.jump_sigma * sigma
            self._drop(mask, idx, "price_jump", bad)
            good = ~bad
        else:
            good = np.ones(len(price), dtype=bool)
        accepted = np.concatenate([st.recent, np.log(price[good])])
        st.returns.update(np.diff(accepted))
        st.recent = accepted[-JUMP_WINDOW:]
