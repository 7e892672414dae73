"""Chunking invariance, no look-ahead, bad inputs, selection and the catalogue size."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_features_streaming import StreamingFeatureEngine, StreamingFeaturesConfig, build_catalogue
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.ports import FeatureEngine
from cryptoscalp_core.ports.market_feed import EventBatch

sys.path.insert(0, str(Path(__file__).parent))
from streaming_helpers import batches, stream

SMALL = {"clocks": ["time2s", "tick7", "vol3", "ev11"], "ma_windows": [3, 5], "osc_windows": [3],
         "band_windows": [4], "windows": [2, 5], "return_horizons": [1, 3], "imbalance_levels": [1, 3],
         "ofi_levels": [1, 2], "half_lives_s": [1.0], "emit": "any"}
EVENTS = stream(400, seed=3)


def run(engine: StreamingFeatureEngine, bs: list[EventBatch]) -> tuple[np.ndarray, np.ndarray]:
    outs = [engine.update(b) for b in bs]
    return np.concatenate([o.ts for o in outs]), np.concatenate([o.values for o in outs])


@pytest.fixture(scope="module")
def whole() -> tuple[np.ndarray, np.ndarray]:
    return run(StreamingFeatureEngine(StreamingFeaturesConfig(**SMALL)), batches(EVENTS))


def test_is_a_feature_engine() -> None:
    assert isinstance(StreamingFeatureEngine(StreamingFeaturesConfig()), FeatureEngine)


def test_full_catalogue_has_over_1000_unique_names() -> None:
    for cfg in (StreamingFeaturesConfig(full=True), StreamingFeaturesConfig(preset="full")):
        names = [s.name for s in build_catalogue(cfg)]
        assert len(names) >= 1000 and len(set(names)) == len(names)
        assert StreamingFeatureEngine(cfg).names == tuple(names)


@settings(max_examples=12, deadline=None)
@given(cuts=st.lists(st.integers(1, 40), min_size=1, max_size=6))
def test_any_chunking_gives_the_same_rows(whole: tuple[np.ndarray, np.ndarray], cuts: list[int]) -> None:
    ts, values = run(StreamingFeatureEngine(StreamingFeaturesConfig(**SMALL)), batches(EVENTS, cuts))
    np.testing.assert_array_equal(ts, whole[0])
    np.testing.assert_allclose(values, whole[1], rtol=1e-9, atol=1e-9, equal_nan=True)
    assert np.isfinite(whole[1][-1]).mean() > 0.8  # the comparison is not between two NaN matrices


@settings(max_examples=8, deadline=None)
@given(cut=st.integers(10, 390))
def test_future_events_never_change_emitted_rows(whole: tuple[np.ndarray, np.ndarray], cut: int) -> None:
    ts, values = run(StreamingFeatureEngine(StreamingFeaturesConfig(**SMALL)), batches(EVENTS[:cut]))
    k = len(ts)
    np.testing.assert_array_equal(ts, whole[0][:k])
    np.testing.assert_allclose(values, whole[1][:k], rtol=1e-9, atol=1e-9, equal_nan=True)


def test_bad_rows_are_counted_and_leave_the_state_alone() -> None:
    clean = StreamingFeatureEngine(StreamingFeaturesConfig(**SMALL))
    dirty = StreamingFeatureEngine(StreamingFeaturesConfig(**SMALL))
    ts_c, v_c = run(clean, batches(EVENTS))
    bad = empty(EventKind.TRADE, 3)
    bad["ts_recv"] = EVENTS[50][1]["ts_recv"][0]
    bad["side"] = [1, 1, 3]
    bad["price"] = [np.nan, np.inf, 10.0]
    bad["qty"] = [1.0, 1.0, 1.0]
    zero = empty(EventKind.TRADE, 1)
    zero["ts_recv"], zero["price"], zero["side"] = bad["ts_recv"][0], 30_000.0, 1
    dirty_stream = [*batches(EVENTS[:51]), EventBatch(EventKind.TRADE, bad), EventBatch(EventKind.TRADE, zero),
                    *batches(EVENTS[51:])]
    ts_d, v_d = run(dirty, dirty_stream)
    assert dirty.counters["non_finite_price"] == 2 and dirty.counters["bad_side"] == 1
    assert dirty.counters["non_positive_qty"] == 1
    assert dirty.bad_inputs - clean.bad_inputs == 4
    np.testing.assert_array_equal(ts_d, ts_c)
    np.testing.assert_allclose(v_d, v_c, equal_nan=True)


def test_a_gap_gives_counted_empty_time_bars_with_zero_volume() -> None:
    cfg = StreamingFeaturesConfig(clocks=["time1s"], families=["vwap", "tfi"], windows=[2], emit="trade")
    eng = StreamingFeatureEngine(cfg)
    t = empty(EventKind.TRADE, 3)
    t["ts_recv"] = [0, 500_000_000, 10_200_000_000]  # 9 empty seconds between the 2nd and 3rd trade
    t["side"], t["price"], t["qty"] = [1, -1, 1], [100.0, 101.0, 102.0], [1.0, 3.0, 1.0]
    out = eng.update(EventBatch(EventKind.TRADE, t))
    assert eng.counters["empty_bar"] == 9
    col = eng.names.index("trade.time1s.vwap_2")
    # The last row sees bars [0s, 1s) (two trades) and the empty 1s..9s bars: a window of empty bars
    # has no volume, so the VWAP is undefined rather than 0 or inf.
    assert np.isnan(out.values[-1, col])
    assert np.isnan(out.values[-1, eng.names.index("trade.time1s.tfi_2")])


def test_selection_by_family_and_glob() -> None:
    cfg = StreamingFeaturesConfig(families=["rsi"], include=["trade.tick*.ema_*"], exclude=["*_50"])
    names = StreamingFeatureEngine(cfg).names
    assert names and all((".rsi_" in n) or (".ema_" in n and ".tick" in n) for n in names)
    assert not any(n.endswith("_50") for n in names)


@pytest.mark.parametrize(("settings_", "needle"), [
    ({"clocks": ["tik5"]}, "clocks"), ({"families": ["nope"]}, "families"), ({"windows": [0]}, "windows"),
    ({"emit": "time9s"}, "emit"), ({"families": ["rsi"], "exclude": ["*"]}, "no feature"),
])
def test_bad_settings_are_named(settings_: dict[str, object], needle: str) -> None:
    with pytest.raises((ValidationError, ValueError), match=needle):
        StreamingFeatureEngine(StreamingFeaturesConfig(**settings_))


def test_normalisation_clips_and_uses_only_the_past() -> None:
    cfg = StreamingFeaturesConfig(**{**SMALL, "normalise": {"half_life": 20, "clip": 2.0, "warmup": 5,
                                                             "include": ["quote.event.*"]}})
    _, values = run(StreamingFeatureEngine(cfg), batches(EVENTS))
    _, raw = run(StreamingFeatureEngine(StreamingFeaturesConfig(**SMALL)), batches(EVENTS))
    names = StreamingFeatureEngine(cfg).names
    q = [j for j, n in enumerate(names) if n.startswith("quote.event.")]
    other = [j for j, n in enumerate(names) if not n.startswith("quote.event.")]
    assert np.nanmax(np.abs(values[:, q])) <= 2.0 and np.isfinite(values[:, q]).any()
    np.testing.assert_allclose(values[:, other], raw[:, other], equal_nan=True)
