"""Streaming properties: batch boundaries do not matter, and a row never depends on a later event."""

from __future__ import annotations

import numpy as np
from cryptoscalp_features_basic import BasicFeatureEngine, BasicFeaturesConfig
from cryptoscalp_features_basic.synthetic import as_stream, synthetic_quotes, synthetic_trades
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.ports.market_feed import EventBatch

CONFIG = BasicFeaturesConfig(ema_spans=(3, 20), sma_windows=(5, 30), return_horizons=(1, 12),
                             flow_windows=(4, 25), ofi_windows=(3, 40))
TRADES = synthetic_trades(400, instruments=3, seed=11)
QUOTES = synthetic_quotes(300, instruments=3, seed=12)
# One batch per run of one kind: the "one-shot" form of the same events.
WHOLE = as_stream(TRADES, QUOTES)
N_ROWS = len(TRADES) + len(QUOTES)


def split(batches: list[EventBatch], cuts: list[int]) -> list[EventBatch]:
    """The same events, additionally cut at the given global row positions."""
    out: list[EventBatch] = []
    start = 0
    for batch in batches:
        end = start + len(batch)
        inner = sorted({c - start for c in cuts if start < c < end})
        for lo, hi in zip([0, *inner], [*inner, len(batch)], strict=True):
            out.append(EventBatch(batch.kind, batch.rows[lo:hi]))
        start = end
    return out


def run(batches: list[EventBatch]) -> np.ndarray:
    engine = BasicFeatureEngine(CONFIG)
    return np.concatenate([engine.update(b).values for b in batches])


ONE_SHOT = run(WHOLE)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, N_ROWS - 1), max_size=40))
def test_any_split_equals_one_shot(cuts: list[int]) -> None:
    """Cutting the stream into batches anywhere (down to one-row batches) gives the one-shot values.
    Only the prefix sums restart per batch, so the agreement is to rounding, not bitwise."""
    streamed = run(split(WHOLE, cuts))
    np.testing.assert_allclose(streamed, ONE_SHOT, rtol=1e-11, atol=1e-12)


def test_one_row_batches_equal_one_shot() -> None:
    np.testing.assert_allclose(run(split(WHOLE, list(range(1, N_ROWS)))), ONE_SHOT, rtol=1e-11, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, N_ROWS))
def test_no_look_ahead(k: int) -> None:
    """The first ``k`` events alone give exactly the first ``k`` rows: appending events changes nothing."""
    prefix = split(WHOLE, [k])
    rows_before, kept = 0, []
    for batch in prefix:
        if rows_before >= k:
            break
        kept.append(batch)
        rows_before += len(batch)
    np.testing.assert_array_equal(run(kept), ONE_SHOT[:k])


def test_returned_rows_are_not_changed_by_later_updates() -> None:
    """Rows handed out are the caller's: later updates must not write into them (no shared buffers)."""
    engine = BasicFeatureEngine(CONFIG)
    out = [engine.update(b) for b in WHOLE[:3]]
    snapshot = [r.values.copy() for r in out]
    for batch in WHOLE[3:]:
        engine.update(batch)
    for rows, before in zip(out, snapshot, strict=True):
        np.testing.assert_array_equal(rows.values, before)


def test_long_one_shot_batch_equals_small_batches() -> None:
    """Beyond the engine's internal chunk size (65,536 rows) the one-shot and streamed values still
    agree, so chunking inside a batch is invisible too."""
    trades = synthetic_trades(150_000, instruments=2, seed=3)
    config = BasicFeaturesConfig(quotes=False)
    whole = BasicFeatureEngine(config).update(EventBatch(EventKind.TRADE, trades)).values
    engine = BasicFeatureEngine(config)
    pieces = [engine.update(EventBatch(EventKind.TRADE, trades[i:i + 7_777])).values
              for i in range(0, len(trades), 7_777)]
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=1e-9, atol=1e-12)
    assert np.isfinite(whole[-1]).all()
