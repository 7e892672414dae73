"""The numbers a backtest is judged by, computed from the venue's final books and the sampled equity."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.orders import Fill
from cryptoscalp_core.domain.positions import Position

_YEAR_MS = 365 * 24 * 3600 * 1000


def realised_per_fill(fills: Sequence[Fill], multipliers: Mapping[str, Decimal]) -> list[Decimal]:
    """Trading PnL net of the fill's own fee, for each fill that closed (part of) a position."""
    books: dict[str, Position] = {}
    out: list[Decimal] = []
    for fill in fills:
        pos = books.setdefault(fill.instrument_id, Position(fill.instrument_id, multipliers[fill.instrument_id]))
        was_open = pos.qty
        realised = pos.apply_fill(fill)
        if was_open != 0 and (fill.side.sign > 0) != (was_open > 0):
            out.append(realised - fill.fee)
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


def summarize(*, positions: Mapping[str, Position], last_prices: Mapping[str, float], fills: Sequence[Fill],
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
    turnover = sum((f.qty * f.price * multipliers[f.instrument_id] for f in fills), Decimal(0))
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
