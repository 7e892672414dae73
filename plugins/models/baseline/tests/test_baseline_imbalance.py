"""``baseline-imbalance``: the rule's properties and its running moments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_model_baseline.config import ImbalanceConfig
from cryptoscalp_model_baseline.imbalance import ImbalanceModel
from cryptoscalp_model_baseline.plugin import make_imbalance
from hypothesis import given, settings
from hypothesis import strategies as st


@dataclass
class Names:
    names: tuple[str, ...]


NAMES = Names(("mid", "ofi_100", "l1_imbalance"))
RNG = np.random.default_rng(1)
TRAIN = np.column_stack([np.full(500, 100.0), RNG.normal(3.0, 20.0, 500), RNG.uniform(-1, 1, 500)])


def fitted(**settings: float) -> ImbalanceModel:
    m = make_imbalance(ImbalanceConfig.model_validate(settings), features=NAMES)
    m.fit(TRAIN, np.zeros(len(TRAIN)))
    return m


def column(ofi: np.ndarray) -> np.ndarray:
    X = np.zeros((len(ofi), 3))
    X[:, 1] = ofi
    return X


def test_zscore_uses_the_training_moments() -> None:
    m = fitted()
    x = np.array([-50.0, 0.0, 3.0, 41.0])
    expected = (x - TRAIN[:, 1].mean()) / TRAIN[:, 1].std()
    np.testing.assert_allclose(m.zscore(column(x)), expected, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4), min_size=2, max_size=50), st.floats(0.01, 5.0), st.floats(0.0, 3.0))
def test_monotone_in_ofi(values: list[float], k: float, threshold: float) -> None:
    m = fitted(k=k, threshold=threshold)
    x = np.sort(np.array(values))
    out = m.predict(column(x))
    assert np.all(np.diff(out) >= 0), "a larger imbalance never gives a smaller target"
    assert out.min() >= -1 and out.max() <= 1


@pytest.mark.parametrize("threshold", [0.0, 0.5, 2.0])
def test_dead_band_and_clip(threshold: float) -> None:
    m = fitted(k=0.4, threshold=threshold)
    mean, std = TRAIN[:, 1].mean(), TRAIN[:, 1].std()
    z = np.linspace(-6, 6, 241)
    out = m.predict(column(mean + z * std))
    inside = np.abs(z) <= threshold - 1e-9
    outside = np.abs(z) > threshold + 1e-9
    assert np.all(out[inside] == 0.0)
    np.testing.assert_allclose(out[outside], np.clip(0.4 * z[outside], -1, 1), rtol=1e-9)
    assert np.all(np.sign(out[outside]) == np.sign(z[outside]))


def test_unusable_values_are_flat() -> None:
    out = fitted(threshold=0.0).predict(column(np.array([np.nan, np.inf, -np.inf, 1e9])))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 1.0])


def test_partial_fit_merges_exactly() -> None:
    """fit(A) then partial_fit(B), in pieces, has the moments of fit(A and B)."""
    m = fitted()
    extra = column(RNG.normal(-10.0, 5.0, 300))
    extra[::7, 1] = np.nan
    for piece in np.array_split(extra, 4):
        m.partial_fit(piece, np.zeros(len(piece)))
    both = fitted()
    both.fit(np.vstack([TRAIN, extra]), np.zeros(800))
    assert m.moments is not None and both.moments is not None
    np.testing.assert_allclose(m.moments.mean, both.moments.mean, rtol=1e-12)
    np.testing.assert_allclose(m.moments.std, both.moments.std, rtol=1e-12)
    assert m.moments.count[0] == 500 + 300 - len(range(0, 300, 7))


def test_partial_fit_without_fit_starts_the_moments() -> None:
    m = make_imbalance(ImbalanceConfig(), features=NAMES)
    m.partial_fit(TRAIN[:1], np.zeros(1))
    np.testing.assert_array_equal(m.predict(TRAIN[:3]), 0.0)  # one value: no scale yet, flat
    m.partial_fit(TRAIN[1:], np.zeros(499))
    np.testing.assert_allclose(m.zscore(TRAIN), fitted().zscore(TRAIN), rtol=1e-9)


def test_fit_needs_two_values() -> None:
    m = make_imbalance(ImbalanceConfig(), features=NAMES)
    with pytest.raises(ValueError, match="at least 2"):
        m.fit(column(np.array([np.nan, 1.0, np.nan])), np.zeros(3))
    with pytest.raises(RuntimeError):
        m.predict(TRAIN)


def test_save_load(tmp_path: Path) -> None:
    m = fitted(k=0.7, threshold=0.3)
    m.save(tmp_path / "imb")
    loaded = ImbalanceModel.load(tmp_path / "imb")
    assert loaded.config == m.config and loaded.column == 1
    np.testing.assert_array_equal(loaded.predict(TRAIN), m.predict(TRAIN))


def test_factory_names_the_missing_feature() -> None:
    with pytest.raises(ValueError, match="ofi_500"):
        make_imbalance(ImbalanceConfig(column="ofi_500"), features=NAMES)


def test_band_edge_is_flat() -> None:
    """|z| equal to the threshold is inside the band. Training on {-1, 1} makes mean 0 and std 1 exactly,
    so z is the value itself."""
    m = make_imbalance(ImbalanceConfig(k=1.0, threshold=0.5), features=NAMES)
    m.fit(column(np.array([-1.0, 1.0])), np.zeros(2))
    np.testing.assert_array_equal(m.predict(column(np.array([-0.5, 0.5, 0.5000001]))), [0.0, 0.0, 0.5000001])
