"""Column selection, the correlation graph against numpy, standardisation, settings and TensorBoard logs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydantic
import pytest
import torch
from cryptoscalp_models_torch.columns import ColumnError, resolve
from cryptoscalp_models_torch.config import EnsembleConfig, GnnConfig, TcnConfig, TransformerConfig
from cryptoscalp_models_torch.networks.gnn import rolling_correlation
from cryptoscalp_models_torch.scaling import Standardiser
from cryptoscalp_models_torch.testing import tiny_model
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cryptoscalp_core.testing.conformance import regression_dataset

NAMES = ("eth.depth_bid_10", "eth.depth_bid_2", "eth.depth_bid_1", "mid", "eth.depth_ask_1")


def test_levels_are_ordered_by_their_number() -> None:
    assert resolve(["*.depth_bid_*"], NAMES, 5, "bid_columns", by_level=True) == [2, 1, 0]
    assert resolve(["mid", 4], NAMES, 5, "x") == [3, 4]


@pytest.mark.parametrize(("selectors", "names", "message"), [
    (["*.depth_ask_*"], None, "feature names are unknown"),
    (["nope*"], NAMES, "no feature matches"),
    ([7], NAMES, "outside"),
    (["mid", 3], NAMES, "more than once"),
])
def test_bad_column_selectors(selectors: list[str | int], names: tuple[str, ...] | None, message: str) -> None:
    with pytest.raises(ColumnError, match=message):
        resolve(selectors, names, 5, "setting")


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (12, 3), elements=st.floats(-5, 5)))
def test_rolling_correlation_matches_numpy(r: np.ndarray) -> None:
    got = rolling_correlation(torch.from_numpy(r)[None])[0].numpy()
    std = r.std(axis=0)
    for i in range(3):
        for j in range(3):
            if std[i] > 1e-3 and std[j] > 1e-3:
                assert abs(got[i, j] - np.corrcoef(r[:, i], r[:, j])[0, 1]) < 1e-6
            elif std[i] * std[j] == 0:
                assert got[i, j] == 0.0


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (20, 3), elements=st.floats(-1e6, 1e6) | st.just(np.nan) | st.just(np.inf)))
def test_standardiser_is_nan_safe(X: np.ndarray) -> None:
    s = Standardiser.estimate(X, clip=10.0)
    Z = s.transform(X)
    assert Z.dtype == np.float32 and np.isfinite(Z).all() and np.abs(Z).max() <= 10.0
    assert (Z[~np.isfinite(X)] == 0).all()
    finite = np.isfinite(X)
    for c in range(3):
        col = X[finite[:, c], c]
        if len(col) > 1 and col.std() <= 1e-9 * max(1.0, abs(col.mean())):
            assert np.abs(Z[finite[:, c], c]).max() < 1e-3  # constant: the mean, not rounding noise blown up
        elif len(col) > 1:
            ref = np.clip((col - col.mean()) / col.std(), -10, 10)
            np.testing.assert_allclose(Z[finite[:, c], c], ref, atol=1e-4, rtol=1e-4)


def test_settings_are_checked() -> None:
    assert TcnConfig(channels=[8, 8, 8], kernel_size=3).seq_len == 15  # 1 + 2 * (1 + 2 + 4)
    assert TransformerConfig(timeframes=[1, 4, 16], tokens_per_timeframe=4).seq_len == 64
    with pytest.raises(pydantic.ValidationError, match="divisible"):
        TransformerConfig(d_model=10, heads=4)
    with pytest.raises(pydantic.ValidationError, match="same instruments"):
        GnnConfig(nodes={"A": [0], "B": [1]}, returns={"A": 0})
    with pytest.raises(pydantic.ValidationError, match="patience"):
        TcnConfig(patience=2)
    ens = EnsembleConfig.model_validate({"output": "probabilities"})
    assert all(m.output.value == "probabilities" for m in ens.members)  # members inherit the output
    with pytest.raises(pydantic.ValidationError, match="output differs"):
        EnsembleConfig.model_validate({"output": "probabilities",
                                       "members": [{"use": "torch-lstm", "output": "target_position"}]})


def test_gnn_needs_equal_node_widths() -> None:
    X, y = regression_dataset(60)
    model = tiny_model("torch-gnn", nodes={"A": [0, 1], "B": [2]}, returns={"A": 0, "B": 2})
    with pytest.raises(ValueError, match="same number of node columns"):
        model.fit(X, y)


def test_early_stopping_and_tensorboard(tmp_path: Path) -> None:
    X, y = regression_dataset(300)
    model = tiny_model("torch-mlp", epochs=40, validation_fraction=0.3, patience=2, learning_rate=0.05,
                       tensorboard_dir=str(tmp_path / "tb"))
    model.fit(X, y)
    history = model.history  # type: ignore[attr-defined]
    assert len(history) < 40, "patience should stop a 40-epoch run on 300 rows"
    assert {"train_loss", "val_loss", "val_corr"} <= set(history[-1])
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    assert len(events.Scalars("torch-mlp/train_loss")) == len(history)
    losses = [e.value for e in events.Scalars("torch-mlp/val_loss")]
    np.testing.assert_allclose(losses, [h["val_loss"] for h in history], rtol=1e-6)
