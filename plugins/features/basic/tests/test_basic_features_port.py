"""The FeatureEngine port contract, checked directly (the conformance kit has no FeatureEngine suite yet),
plus the settings model and multi-instrument independence."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest
from cryptoscalp_features_basic import BasicFeatureEngine, BasicFeaturesConfig, feature_names
from cryptoscalp_features_basic.synthetic import as_stream, synthetic_quotes, synthetic_trades

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.ports import FeatureEngine
from cryptoscalp_core.ports.market_feed import EventBatch

STREAM = as_stream(synthetic_trades(500, instruments=2, seed=1), synthetic_quotes(400, instruments=2, seed=2),
                   max_batch=60, seed=3)


def test_implements_the_port() -> None:
    assert isinstance(BasicFeatureEngine(BasicFeaturesConfig()), FeatureEngine)


def test_default_names() -> None:
    assert BasicFeatureEngine(BasicFeaturesConfig()).names == (
        "trade_ema_20", "trade_ema_100", "trade_sma_50", "logret_10", "tfi_100",
        "mid", "spread_bps", "microprice_dev_bps", "l1_imbalance", "ofi_100")


def test_rows_shape_types_and_timestamps() -> None:
    """One row per trade or quote event, ts = ts_recv, instrument copied, float64 values in names order;
    the names never change while the engine runs."""
    engine = BasicFeatureEngine(BasicFeaturesConfig())
    names = engine.names
    for batch in STREAM:
        out = engine.update(batch)
        assert len(out) == len(batch)
        assert out.ts.dtype == np.int64 and out.instrument.dtype == np.uint16 and out.values.dtype == np.float64
        assert out.values.shape == (len(batch), len(names))
        np.testing.assert_array_equal(out.ts, batch.rows["ts_recv"])
        np.testing.assert_array_equal(out.instrument, batch.rows["instrument"])
        assert engine.names == names


@pytest.mark.parametrize("kind", [EventKind.BOOK_DELTA, EventKind.MARK])
def test_unused_kinds_give_zero_rows(kind: EventKind) -> None:
    engine = BasicFeatureEngine(BasicFeaturesConfig())
    out = engine.update(EventBatch(kind, empty(kind, 5)))
    assert len(out) == 0 and out.values.shape == (0, len(engine.names))
    assert engine.bad_inputs == 0


def test_quotes_off_gives_zero_rows_for_quotes() -> None:
    engine = BasicFeatureEngine(BasicFeaturesConfig(quotes=False))
    assert len(engine.update(EventBatch(EventKind.QUOTE, synthetic_quotes(5)))) == 0
    assert "mid" not in engine.names


def test_empty_batch() -> None:
    engine = BasicFeatureEngine(BasicFeaturesConfig())
    out = engine.update(EventBatch(EventKind.TRADE, empty(EventKind.TRADE)))
    assert out.values.shape == (0, len(engine.names))


def test_wrong_dtype_is_a_type_error() -> None:
    engine = BasicFeatureEngine(BasicFeaturesConfig())
    with pytest.raises(TypeError):
        engine.update(EventBatch(EventKind.TRADE, synthetic_quotes(3)))


def test_reset_gives_a_fresh_engine() -> None:
    engine = BasicFeatureEngine(BasicFeaturesConfig())
    first = np.concatenate([engine.update(b).values for b in STREAM])
    engine.reset()
    again = np.concatenate([engine.update(b).values for b in STREAM])
    np.testing.assert_array_equal(first, again)


def test_nan_only_before_warm_up() -> None:
    """Trade features of instrument 0 go from NaN to finite once, at their warm-up, and stay finite."""
    engine = BasicFeatureEngine(BasicFeaturesConfig(ema_spans=(5,), sma_windows=(7,), return_horizons=(2,),
                                                    flow_windows=(9,), quotes=False))
    out = engine.update(EventBatch(EventKind.TRADE, synthetic_trades(30))).values
    first_finite = [int(np.argmax(np.isfinite(out[:, j]))) for j in range(out.shape[1])]
    assert first_finite == [4, 6, 2, 8]  # the N-th trade (0-based N-1), the (h+1)-th for a return
    for j, start in enumerate(first_finite):
        assert np.isnan(out[:start, j]).all() and np.isfinite(out[start:, j]).all()


def test_instruments_are_independent() -> None:
    """Interleaving instruments in one stream gives each the values it has alone: state is per
    instrument, and the other kind's "as of" columns come from the same instrument."""
    trades = synthetic_trades(600, instruments=3, seed=8)
    quotes = synthetic_quotes(500, instruments=3, seed=9)
    config = BasicFeaturesConfig(ema_spans=(4, 40), sma_windows=(10,), return_horizons=(5,),
                                 flow_windows=(12,), ofi_windows=(7,))
    engine = BasicFeatureEngine(config)
    batches = as_stream(trades, quotes, max_batch=50, seed=2)
    mixed = [engine.update(b) for b in batches]
    inst = np.concatenate([r.instrument for r in mixed])
    values = np.concatenate([r.values for r in mixed])
    for i in range(3):
        alone = BasicFeatureEngine(config)
        own = as_stream(trades[trades["instrument"] == i], quotes[quotes["instrument"] == i])
        expected = np.concatenate([alone.update(b).values for b in own])
        np.testing.assert_allclose(values[inst == i], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("settings", [
    {"ema_spans": [20, 20]},
    {"ema_spans": [0]},
    {"flow_windows": [-3]},
    {"ema_spans": [], "sma_windows": [], "return_horizons": [], "flow_windows": [], "quotes": False},
    {"unknown": 1},
])
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        BasicFeaturesConfig.model_validate(settings)


def test_yaml_lists_validate() -> None:
    config = BasicFeaturesConfig.model_validate({"ema_spans": [5, 50], "ofi_windows": [10, 100]})
    assert feature_names(config)[:2] == ("trade_ema_5", "trade_ema_50")
    assert feature_names(config)[-2:] == ("ofi_10", "ofi_100")
