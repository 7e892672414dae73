"""The numbers a backtest is judged by, computed from the venue's final books and the sampled equity."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.orders import Fill
from cryptoscalp_core.domain.positions import Position

_YEAR_MS = 365 * 24 * 3600 * 1000
_ZERO, _ONE, _MINUS_ONE = Decimal(0), Decimal(1), Decimal(-1)


@dataclass(slots=True)
class FillValues:
    """A run's fills as parallel lists (what the summary and the report need of them), in fill order."""

    instrument_ids: list[str] = field(default_factory=list)
    signs: list[int] = field(default_factory=list)  # +1 buy, -1 sell
    prices: list[Decimal] = field(default_factory=list)
    qtys: list[Decimal] = field(default_factory=list)
    fees: list[Decimal] = field(default_factory=list)
    ts_recv: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, fills: Iterable[Fill]) -> FillValues:
        out = cls()
        for f in fills:
            out.append(f.instrument_id, f.side.sign, f.price, f.qty, f.fee, f.ts_recv)
        return out

    def append(self, instrument_id: str, sign: int, price: Decimal, qty: Decimal, fee: Decimal, ts_recv: int) -> None:
        self.instrument_ids.append(instrument_id)
        self.signs.append(sign)
        self.prices.append(price)
        self.qtys.append(qty)
        self.fees.append(fee)
        self.ts_recv.append(ts_recv)

    def __len__(self) -> int:
        return len(self.signs)


def realised_per_fill(fills: Sequence[Fill] | FillValues, multipliers: Mapping[str, Decimal]) -> list[Decimal]:
    """Trading PnL net of the fill's own fee, for each fill that closed (part of) a position.

    The arithmetic of :meth:`Position.apply_fill <cryptoscalp_core.domain.positions.Position.apply_fill>`
    (exact sums and products, the average entry price divided in the quotient context), without a
    position object or the checks a fill already passed when the venue applied it."""
    values = fills if isinstance(fills, FillValues) else FillValues.of(fills)
    held: dict[str, tuple[Decimal, Decimal]] = {}  # instrument -> (signed quantity, average entry price)
    out: list[Decimal] = []
    # the context methods behind _exact's helpers, bound once: this loop runs once per fill of the run
    add, mul, sub, absolute = _exact.EXACT.add, _exact.EXACT.multiply, _exact.EXACT.subtract, _exact.EXACT.abs
    divide = _exact.QUOTIENT.divide
    flat = (_ZERO, _ZERO)
    for inst, sign, price, size, fee in zip(values.instrument_ids, values.signs, values.prices, values.qtys,
                                           values.fees, strict=True):
        qty, avg = held.get(inst, flat)
        if qty == 0 or (qty > 0) == (sign > 0):
            new_qty = add(qty, size) if sign > 0 else sub(qty, size)
            held[inst] = (new_qty, divide(add(mul(avg, absolute(qty)), mul(price, size)), absolute(new_qty)))
            continue
        long = qty > 0
        realised = mul(mul(mul(sub(price, avg), min(size, absolute(qty))), _ONE if long else _MINUS_ONE),
                       multipliers[inst])
        out.append(realised - fee)
        qty = add(qty, size) if sign > 0 else sub(qty, size)
        held[inst] = (qty, _ZERO if qty == 0 else price if (qty > 0) != long else avg)
    return out


def max_drawdown(equity: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Largest peak-to-trough fall, absolute and as a fraction of the peak."""
    if len(equity) == 0:
        return 0.0, 0.0
    peak = np.maximum.accumulate(equity)
    fall = peak - equity
    i = int(np.argmax(fall))
    return float(fall[i]), float(fall[i] / peak[i]) if peak[i] > 0 else 0.0


def sharpe(pnl: npt.NDArray[np.float64], step_ms: int) -> float:
    """Annualised Sharpe ratio of PnL changes sampled every ``step_ms`` (zero risk-free rate)."""
    if len(pnl) < 3:
        return 0.0
    changes = np.diff(pnl)
    sd = float(np.std(changes, ddof=1))
    if sd == 0 or not math.isfinite(sd):
        return 0.0
    return float(np.mean(changes) / sd * math.sqrt(_YEAR_MS / step_ms))


def summarize(*, positions: Mapping[str, Position], last_prices: Mapping[str, float], fills: FillValues,
              series: Mapping[str, npt.NDArray[Any]], initial_balance: float, step_ms: int,
              events: int, wall_s: float, decision_ns: Sequence[int], orders: int,
              risk_rejections: Mapping[str, int], span_ns: int) -> dict[str, Any]:
    fees = sum((p.fees for p in positions.values()), Decimal(0))
    funding = sum((p.funding for p in positions.values()), Decimal(0))
    realised = sum((p.realised_pnl for p in positions.values()), Decimal(0))
    unrealised = Decimal(0)
    for key, pos in positions.items():
        price = last_prices.get(key, float("nan"))
        if pos.qty and math.isfinite(price):
            unrealised += pos.unrealised_pnl(Decimal(repr(price)))
    net = realised - fees + funding + unrealised
    multipliers = {p.instrument_id: p.multiplier for p in positions.values()}
    closes = realised_per_fill(fills, multipliers)
    turnover = sum((q * p * multipliers[i] for i, q, p in zip(fills.instrument_ids, fills.qtys, fills.prices,
                                                              strict=True)), Decimal(0))
    equity = initial_balance + np.asarray(series.get("pnl", np.empty(0)), dtype=np.float64)
    dd, dd_frac = max_drawdown(equity)
    latencies = np.asarray(decision_ns, dtype=np.float64) / 1e3
    return {
        "net_pnl": float(net),
        "realised_pnl": float(realised),
        "unrealised_pnl": float(unrealised),
        "fees": float(fees),
        "funding": float(funding),
        "trades": len(fills),
        "orders": orders,
        "win_rate": (sum(1 for c in closes if c > 0) / len(closes)) if closes else 0.0,
        "sharpe": sharpe(np.asarray(series.get("pnl", np.empty(0)), dtype=np.float64), step_ms),
        "max_drawdown": dd,
        "max_drawdown_pct": dd_frac * 100,
        "turnover": float(turnover) / initial_balance if initial_balance else 0.0,
        "events": events,
        "events_per_s": events / wall_s if wall_s > 0 else 0.0,
        "wall_s": wall_s,
        "simulated_s": span_ns / 1e9,
        "decision_p50_us": float(np.percentile(latencies, 50)) if len(latencies) else 0.0,
        "decision_p99_us": float(np.percentile(latencies, 99)) if len(latencies) else 0.0,
        "risk_rejections": dict(risk_rejections),
    }
