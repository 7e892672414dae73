"""Conformance cases MODEL-01..MODEL-08 for a :class:`~cryptoscalp_core.ports.Model`.

Use::

    class TestMyModel(ModelConformance):
        @pytest.fixture
        def make_model(self) -> Callable[[], Model]:
            return lambda: MyModel(MyConfig(seed=7))

``make_model`` returns a fresh, unfitted model with a fixed seed on each call. ``dataset`` returns
``(X, y)``; the default is a small float64 regression with targets in [-1, 1], right for
``TARGET_POSITION`` models; a ``PROBABILITIES`` model overrides it with its own label shape.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from cryptoscalp_core.ports.model import Model, SignalKind

Array = npt.NDArray[np.float64]


def regression_dataset(n: int = 240, n_features: int = 4, seed: int = 0) -> tuple[Array, Array]:
    """Features with a known linear signal and targets squashed into [-1, 1]."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    w = np.linspace(1.0, -0.5, n_features)
    y = np.tanh(X @ w * 0.5 + rng.normal(scale=0.1, size=n))
    return X, y


class ModelConformance:
    """Abstract suite: subclass it as ``Test…`` and override the ``make_model`` fixture."""

    #: tolerance for "probabilities sum to one"
    atol: float = 1e-9

    @pytest.fixture
    def make_model(self) -> Callable[[], Model]:
        raise NotImplementedError("override make_model: return a factory of fresh, seeded, unfitted models")

    @pytest.fixture
    def dataset(self) -> tuple[Array, Array]:
        return regression_dataset()

    @pytest.fixture
    def fitted(self, make_model: Callable[[], Model], dataset: tuple[Array, Array]) -> Model:
        model = make_model()
        model.fit(*dataset)
        return model

    # -- helpers ----------------------------------------------------------------------------------------
    def _check_values(self, model: Model, out: Array) -> None:
        """Range rules of the signal kind, for any output shape (shape is MODEL-01's concern)."""
        values = np.asarray(out, dtype=np.float64)
        assert np.isfinite(values).all(), "non-finite prediction"
        if model.signal_kind is SignalKind.TARGET_POSITION:
            assert values.min() >= -1.0 and values.max() <= 1.0, f"range [{values.min()}, {values.max()}]"
        else:
            assert values.min() >= 0.0 and values.max() <= 1.0, "probability outside [0, 1]"
            rows = values.reshape(len(values), -1)
            np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=self.atol)

    @staticmethod
    def _with_nans(X: Array) -> Array:
        """Copy of ``X`` with scattered NaN cells and one all-NaN last row (a not-warmed-up engine)."""
        out = np.array(X[:20], dtype=np.float64, copy=True)
        out[::3, 0] = np.nan
        out[1::4, -1] = np.nan
        out[-1, :] = np.nan
        return out

    # -- cases ------------------------------------------------------------------------------------------
    def test_model_01_predict_shape(self, fitted: Model, dataset: tuple[Array, Array]) -> None:
        """MODEL-01 after fit, predict() returns float64 of shape (n,) for TARGET_POSITION, (n, k>=2) for
        PROBABILITIES."""
        X = dataset[0]
        out = fitted.predict(X)
        assert isinstance(out, np.ndarray) and out.dtype == np.float64, f"got {type(out)} {out.dtype}"
        if fitted.signal_kind is SignalKind.TARGET_POSITION:
            assert out.shape == (len(X),), f"shape {out.shape}, expected {(len(X),)}"
        else:
            assert out.ndim == 2 and out.shape[0] == len(X) and out.shape[1] >= 2, f"shape {out.shape}"

    def test_model_02_values_in_range(self, fitted: Model, dataset: tuple[Array, Array]) -> None:
        """MODEL-02 TARGET_POSITION values lie in [-1, 1] (probabilities in [0, 1], rows summing to 1),
        also for inputs far outside the training range."""
        X = dataset[0]
        for scale in (1.0, 1e3, -1e6):
            self._check_values(fitted, fitted.predict(X * scale))

    def test_model_03_nan_rows(self, fitted: Model, dataset: tuple[Array, Array]) -> None:
        """MODEL-03 rows with NaN give finite, in-range output; an all-NaN row gives 0 (or uniform)."""
        out = np.asarray(fitted.predict(self._with_nans(dataset[0])), dtype=np.float64)
        self._check_values(fitted, out)
        last = out.reshape(len(out), -1)[-1]
        if fitted.signal_kind is SignalKind.TARGET_POSITION:
            assert np.all(last == 0.0), f"all-NaN row predicted {last}, expected flat 0"
        else:
            np.testing.assert_allclose(last, 1.0 / len(last), atol=self.atol)

    def test_model_04_predict_before_fit_raises(self, make_model: Callable[[], Model],
                                                dataset: tuple[Array, Array]) -> None:
        """MODEL-04 a model that says it ``requires_fit`` raises RuntimeError from predict() before any
        fit (or load) and stops requiring it after a fit; a rule model (``requires_fit`` False) predicts
        values of the right shape at once."""
        model = make_model()
        if model.requires_fit:
            with pytest.raises(RuntimeError):
                model.predict(dataset[0])
            model.fit(*dataset)
            assert not model.requires_fit, "requires_fit is still True after fit()"
        else:
            self._check_values(model, np.asarray(model.predict(dataset[0]), dtype=np.float64))

    def test_model_05_deterministic(self, make_model: Callable[[], Model], dataset: tuple[Array, Array]) -> None:
        """MODEL-05 two models from the factory fitted on the same data predict identically, and
        predicting twice gives the same answer (predict does not change the model)."""
        a, b = make_model(), make_model()
        a.fit(*dataset)
        b.fit(*dataset)
        X = dataset[0]
        first = a.predict(X)
        np.testing.assert_array_equal(first, b.predict(X))
        np.testing.assert_array_equal(first, a.predict(X))

    def test_model_06_save_load_round_trip(self, fitted: Model, dataset: tuple[Array, Array],
                                           tmp_path: Path) -> None:
        """MODEL-06 save() to a new directory then load() gives identical predictions, NaN rows included."""
        path = tmp_path / "nested" / "model"
        fitted.save(path)
        loaded = type(fitted).load(path)
        assert loaded.signal_kind is fitted.signal_kind
        for X in (dataset[0], self._with_nans(dataset[0])):
            np.testing.assert_array_equal(fitted.predict(X), loaded.predict(X))

    def test_model_07_partial_fit_after_fit(self, fitted: Model, dataset: tuple[Array, Array]) -> None:
        """MODEL-07 partial_fit() on new rows after fit() works, and predictions stay finite and in range."""
        X, y = dataset
        half = len(X) // 2
        fitted.partial_fit(X[half:] * 1.5, y[half:])
        self._check_values(fitted, fitted.predict(X))

    def test_model_08_predict_leaves_input_alone(self, fitted: Model, dataset: tuple[Array, Array]) -> None:
        """MODEL-08 predict() does not modify its input array (NaN cells stay NaN)."""
        X = self._with_nans(dataset[0])
        before = X.copy()
        fitted.predict(X)
        np.testing.assert_array_equal(X, before)
