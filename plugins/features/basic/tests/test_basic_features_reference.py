"""Every value of the engine equals a plain per-event Python reference, to 1e-9 relative.

The reference is written the obvious way (a loop over events, dicts of lists per instrument) so that it
is easy to check by eye against the definitions; the engine must agree with it on interleaved trades and
quotes of several instruments, including bad rows.

EMA convention (documented in ``rolling.ema``): alpha = 2 / (span + 1), the value before the first
trade is that trade's price (so the first EMA equals it), NaN until ``span`` trades were seen. TA-Lib
seeds with the SMA of the first ``span`` values instead; that variant comes with the Cython engine.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from cryptoscalp_features_basic import BasicFeatureEngine, BasicFeaturesConfig
from cryptoscalp_features_basic.synthetic import as_stream, synthetic_quotes, synthetic_trades

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.ports.market_feed import EventBatch

NAN = math.nan


class Reference:
    """Per-event reference implementation of the ``basic`` engine."""

    def __init__(self, config: BasicFeaturesConfig) -> None:
        self.c = config
        self.prices: dict[int, list[float]] = defaultdict(list)
        self.flows: dict[int, list[tuple[float, float]]] = defaultdict(list)  # (side * qty, qty)
        self.emas: dict[int, list[float | None]] = defaultdict(lambda: [None] * len(config.ema_spans))
        self.prev_quote: dict[int, tuple[float, float, float, float]] = {}
        self.ofi_terms: dict[int, list[float]] = defaultdict(list)
        self.last_trade: dict[int, list[float]] = {}
        self.last_quote: dict[int, list[float]] = {}
        self.bad = 0

    def trade(self, inst: int, price: float, qty: float, side: int) -> list[float]:
        nt = len(self.c.trade_features)
        if not (math.isfinite(price) and price > 0 and math.isfinite(qty) and qty > 0 and side in (1, -1)):
            self.bad += 1
            return [NAN] * nt + self.last_quote.get(inst, [NAN] * len(self.c.quote_features))
        p, f = self.prices[inst], self.flows[inst]
        p.append(price)
        f.append((side * qty, qty))
        out: list[float] = []
        for j, span in enumerate(self.c.ema_spans):
            alpha = 2.0 / (span + 1.0)
            prev = self.emas[inst][j]
            prev = price if prev is None else prev
            value = alpha * price + (1.0 - alpha) * prev
            self.emas[inst][j] = value
            out.append(value if len(p) >= span else NAN)
        out += [sum(p[-w:]) / w if len(p) >= w else NAN for w in self.c.sma_windows]
        out += [math.log(price / p[-h - 1]) if len(p) > h else NAN for h in self.c.return_horizons]
        for w in self.c.flow_windows:
            window = f[-w:]
            out.append(sum(s for s, _ in window) / sum(q for _, q in window) if len(f) >= w else NAN)
        self.last_trade[inst] = out
        return out + self.last_quote.get(inst, [NAN] * len(self.c.quote_features))

    def quote(self, inst: int, b: float, bq: float, a: float, aq: float) -> list[float]:
        trade_part = self.last_trade.get(inst, [NAN] * len(self.c.trade_features))
        ok = all(math.isfinite(v) for v in (b, bq, a, aq)) and b > 0 and a > 0 and bq >= 0 and aq >= 0
        if not ok or bq + aq == 0:
            self.bad += 1
            return trade_part + [NAN] * len(self.c.quote_features)
        mid = (b + a) / 2
        micro = (b * aq + a * bq) / (bq + aq)
        out = [mid, (a - b) / mid * 1e4, (micro - mid) / mid * 1e4, (bq - aq) / (bq + aq)]
        terms = self.ofi_terms[inst]
        if inst in self.prev_quote:
            pb, pbq, pa, paq = self.prev_quote[inst]
            terms.append((bq if b >= pb else 0.0) - (pbq if b <= pb else 0.0)
                         - (aq if a <= pa else 0.0) + (paq if a >= pa else 0.0))
        self.prev_quote[inst] = (b, bq, a, aq)
        out += [sum(terms[-w:]) if len(terms) >= w else NAN for w in self.c.ofi_windows]
        self.last_quote[inst] = out
        return trade_part + out

    def run(self, batches: list[EventBatch]) -> np.ndarray:
        rows: list[list[float]] = []
        for batch in batches:
            for r in batch.rows:
                if batch.kind is EventKind.TRADE:
                    rows.append(self.trade(int(r["instrument"]), float(r["price"]), float(r["qty"]), int(r["side"])))
                else:
                    rows.append(self.quote(int(r["instrument"]), float(r["bid_price"]), float(r["bid_qty"]),
                                           float(r["ask_price"]), float(r["ask_qty"])))
        return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


def with_bad_rows(trades: np.ndarray, quotes: np.ndarray, seed: int) -> None:
    """Corrupt a few rows in place, one of each kind of bad input."""
    rng = np.random.default_rng(seed)
    t = rng.choice(len(trades), 5, replace=False)
    trades["price"][t[0]], trades["price"][t[1]], trades["qty"][t[2]] = np.nan, -1.0, 0.0
    trades["side"][t[3]], trades["price"][t[4]] = 0, np.inf
    q = rng.choice(len(quotes), 4, replace=False)
    quotes["bid_price"][q[0]], quotes["ask_qty"][q[1]] = np.nan, -2.0
    quotes["bid_qty"][q[2]] = quotes["ask_qty"][q[2]] = 0.0
    quotes["ask_price"][q[3]] = 0.0


def engine_values(engine: BasicFeatureEngine, batches: list[EventBatch]) -> np.ndarray:
    return np.concatenate([engine.update(b).values for b in batches])


CONFIGS = {
    "default": BasicFeaturesConfig(),
    "small": BasicFeaturesConfig(ema_spans=(1, 3, 7), sma_windows=(1, 4), return_horizons=(1, 5),
                                 flow_windows=(1, 6), ofi_windows=(1, 3, 8)),
    "no-quotes": BasicFeaturesConfig(ema_spans=(5,), sma_windows=(), return_horizons=(2,), flow_windows=(),
                                     quotes=False),
    "quotes-only": BasicFeaturesConfig(ema_spans=(), sma_windows=(), return_horizons=(), flow_windows=(),
                                       ofi_windows=(2, 10)),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("instruments", [1, 3])
def test_engine_matches_reference(name: str, instruments: int) -> None:
    config = CONFIGS[name]
    trades = synthetic_trades(900, instruments=instruments, seed=instruments)
    quotes = synthetic_quotes(700, instruments=instruments, seed=instruments + 10)
    with_bad_rows(trades, quotes, seed=instruments)
    batches = as_stream(trades, quotes, max_batch=40, seed=5)
    engine = BasicFeatureEngine(config)
    reference = Reference(config)
    kinds_used = {EventKind.TRADE} if config.trade_features else set()
    if config.quote_features:
        kinds_used.add(EventKind.QUOTE)
    expected = reference.run([b for b in batches if b.kind in kinds_used])
    actual = engine_values(engine, batches)
    assert actual.shape == expected.shape
    assert np.isfinite(expected).any(axis=0).all(), "every feature warms up in this data"
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12)
    assert engine.bad_inputs == reference.bad


def test_hand_checked_values() -> None:
    """A few values worked out by hand, so the reference itself is checked against arithmetic."""
    config = BasicFeaturesConfig(ema_spans=(3,), sma_windows=(2,), return_horizons=(1,), flow_windows=(2,),
                                 quotes=False)
    trades = synthetic_trades(3)
    trades["price"] = [100.0, 102.0, 101.0]
    trades["qty"] = [1.0, 3.0, 1.0]
    trades["side"] = [1, -1, 1]
    out = BasicFeatureEngine(config).update(EventBatch(EventKind.TRADE, trades)).values
    # alpha = 0.5: 100 -> 0.5*102 + 0.5*100 = 101 -> 0.5*101 + 0.5*101 = 101; NaN until 3 trades
    np.testing.assert_allclose(out[:, 0], [NAN, NAN, 101.0])
    np.testing.assert_allclose(out[:, 1], [NAN, 101.0, 101.5])  # (100+102)/2, (102+101)/2
    np.testing.assert_allclose(out[:, 2], [NAN, math.log(1.02), math.log(101 / 102)])
    np.testing.assert_allclose(out[:, 3], [NAN, (1 - 3) / 4, (-3 + 1) / 4])
