"""Bad inputs are counted, give NaN in their own row, and leave no trace in any later value."""

from __future__ import annotations

import numpy as np
import pytest
from cryptoscalp_features_basic import BasicFeatureEngine, BasicFeaturesConfig
from cryptoscalp_features_basic.synthetic import as_stream, synthetic_quotes, synthetic_trades

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.ports.market_feed import EventBatch

CONFIG = BasicFeaturesConfig(ema_spans=(4, 30), sma_windows=(6,), return_horizons=(3,), flow_windows=(9,),
                             ofi_windows=(5,))
N_TRADE = len(CONFIG.trade_features)

TRADE_CORRUPTIONS = {
    "nan price": ("price", np.nan),
    "inf price": ("price", np.inf),
    "zero price": ("price", 0.0),
    "negative price": ("price", -5.0),
    "nan qty": ("qty", np.nan),
    "zero qty": ("qty", 0.0),
    "bad side": ("side", 0),
}
QUOTE_CORRUPTIONS = {
    "nan bid": ("bid_price", np.nan),
    "negative ask": ("ask_price", -1.0),
    "inf ask qty": ("ask_qty", np.inf),
    "negative bid qty": ("bid_qty", -0.5),
}


def values(engine: BasicFeatureEngine, batches: list[EventBatch]) -> np.ndarray:
    return np.concatenate([engine.update(b).values for b in batches])


@pytest.mark.parametrize("corruption", sorted(TRADE_CORRUPTIONS) + sorted(QUOTE_CORRUPTIONS))
def test_bad_rows_do_not_poison_later_values(corruption: str) -> None:
    trades = synthetic_trades(300, instruments=2, seed=4)
    quotes = synthetic_quotes(200, instruments=2, seed=5)
    is_trade = corruption in TRADE_CORRUPTIONS
    target = trades if is_trade else quotes
    column, bad_value = (TRADE_CORRUPTIONS | QUOTE_CORRUPTIONS)[corruption]
    bad = np.random.default_rng(6).choice(len(target), 12, replace=False)
    clean_t, clean_q = trades.copy(), quotes.copy()
    target[column][bad] = bad_value
    if is_trade:
        clean_t = np.delete(clean_t, bad)
    else:
        clean_q = np.delete(clean_q, bad)

    dirty_batches = as_stream(trades, quotes, max_batch=25, seed=1)
    engine = BasicFeatureEngine(CONFIG)
    dirty = values(engine, dirty_batches)
    assert engine.bad_inputs == len(bad)

    # Which merged rows are the corrupted ones: the stream order is trades-then-quotes by ts_recv.
    ts = np.concatenate([b.rows["ts_recv"] for b in dirty_batches])
    kinds = np.concatenate([np.full(len(b), b.kind) for b in dirty_batches])
    bad_ts = set(target["ts_recv"][bad].tolist())
    own = EventKind.TRADE if is_trade else EventKind.QUOTE
    bad_rows = np.array([k == own and t in bad_ts for k, t in zip(kinds, ts, strict=True)])
    cols = slice(0, N_TRADE) if is_trade else slice(N_TRADE, None)
    assert np.isnan(dirty[bad_rows][:, cols]).all(), "a bad row gets NaN in its own kind's features"

    # Every other row equals what the engine gives for the stream without the bad events.
    clean = values(BasicFeatureEngine(CONFIG), as_stream(clean_t, clean_q))
    np.testing.assert_allclose(dirty[~bad_rows], clean, rtol=1e-12, atol=1e-12)
    assert np.isfinite(dirty[~bad_rows][-20:]).all(), "good rows after the bad ones are warm and finite"


def test_bad_inputs_accumulate_and_reset() -> None:
    engine = BasicFeatureEngine(CONFIG)
    trades = synthetic_trades(10)
    trades["price"][[2, 5]] = np.nan
    engine.update(EventBatch(EventKind.TRADE, trades))
    engine.update(EventBatch(EventKind.TRADE, trades))
    assert engine.bad_inputs == 4
    engine.reset()
    assert engine.bad_inputs == 0


def test_all_bad_batch() -> None:
    """A batch of only bad rows returns all-NaN rows for them and changes no state."""
    engine = BasicFeatureEngine(CONFIG)
    good = synthetic_trades(50)
    first = engine.update(EventBatch(EventKind.TRADE, good[:40])).values
    junk = good[40:43].copy()
    junk["qty"] = -1.0
    out = engine.update(EventBatch(EventKind.TRADE, junk)).values
    assert np.isnan(out[:, :N_TRADE]).all() and engine.bad_inputs == 3
    rest = engine.update(EventBatch(EventKind.TRADE, good[40:])).values
    expected = BasicFeatureEngine(CONFIG).update(EventBatch(EventKind.TRADE, good)).values
    np.testing.assert_allclose(np.concatenate([first, rest]), expected, rtol=1e-12)
