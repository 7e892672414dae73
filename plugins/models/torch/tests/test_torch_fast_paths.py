"""The fast inference paths compute what the training definition computes.

References are independent of the code under test: windows cut with numpy and fed to the network in
training mode (dropout 0), which runs torch's ``nn.TransformerEncoder`` and the plain window forward.
"""

from __future__ import annotations

import copy
import importlib.util
import itertools

import numpy as np
import pytest
import torch
from cryptoscalp_models_torch.model import TorchModel
from cryptoscalp_models_torch.networks.encoder import SummaryEncoder
from cryptoscalp_models_torch.scaling import Standardiser
from cryptoscalp_models_torch.stream import RowStream
from cryptoscalp_models_torch.testing import ALL, tiny_model
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cryptoscalp_core.testing.conformance import regression_dataset

X, Y = regression_dataset(200, seed=3)
HAS_ORT = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None
BACKENDS = ["eager", "torchscript", pytest.param("onnxruntime", marks=pytest.mark.skipif(
    not HAS_ORT, reason="the onnx extra (onnx, onnxruntime) is not installed"))]
_FITTED: dict[tuple[str, str], TorchModel] = {}


def fitted(component: str, backend: str = "eager") -> TorchModel:
    """A trained tiny model (one per component and backend, trained once per session: fitting is slow)."""
    key = (component, backend)
    if key not in _FITTED:
        model = tiny_model(component, epochs=1, inference_backend=backend)
        assert isinstance(model, TorchModel)
        model.fit(X, Y)
        _FITTED[key] = model
    return _FITTED[key]


def per_window(model: TorchModel, rows: np.ndarray) -> np.ndarray:
    """The training definition: every window cut with numpy, run in training mode without dropout."""
    assert model.scaler is not None and model.network is not None
    L = model.seq_len
    Z = np.concatenate((np.zeros((L - 1, rows.shape[1]), np.float32), model.scaler.transform(rows)))
    windows = np.stack([Z[i:i + L] for i in range(len(rows))])
    net = copy.deepcopy(model.network).train()
    with torch.no_grad():
        out = net(torch.from_numpy(windows)).numpy().astype(np.float64)
    clipped: np.ndarray = np.clip(out[:, 0], -1.0, 1.0)
    return clipped


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("component", ["torch-tcn", "torch-transformer", "torch-lstm", "torch-gnn"])
@settings(max_examples=4, deadline=None)
@given(n=st.integers(1, 90), cuts=st.lists(st.integers(1, 89), max_size=4), batch=st.integers(1, 40))
def test_batch_and_stream_paths_equal_per_window(component: str, backend: str, n: int, cuts: list[int],
                                                 batch: int) -> None:
    """Any series length, any split of it into predict calls, any predict_batch: the outputs are the
    per-window outputs (series paths share work between overlapping windows, one-row calls run the ring)."""
    model = fitted(component, backend).clone()
    model.config = type(model.config).model_validate(model.config.model_dump() | {"predict_batch": batch})
    model.refresh_runner()
    rows = X[:n]
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    model.reset()
    got = np.concatenate([model.predict(rows[a:b]) for a, b in itertools.pairwise(bounds)])
    np.testing.assert_allclose(got, per_window(model, rows), atol=2e-5)


@pytest.mark.parametrize("component", [c for c in ALL if c != "torch-ensemble"])
def test_every_backend_predicts_like_eager(component: str) -> None:
    """The runner chosen by auto (ONNX Runtime or TorchScript) agrees with eager torch, row by row and in
    batches; a clone (which cannot copy an ONNX Runtime session) builds its own runner."""
    eager = fitted(component, "eager")
    auto = eager.clone()
    auto.config = type(eager.config).model_validate(eager.config.model_dump() | {"inference_backend": "auto"})
    auto.refresh_runner()
    rows = X[:40]
    eager.reset()
    ref = eager.predict(rows)
    auto.reset()
    one = np.concatenate([auto.predict(rows[i:i + 1]) for i in range(len(rows))])
    np.testing.assert_allclose(one, ref, atol=2e-5)
    auto.reset()
    np.testing.assert_allclose(auto.predict(rows), ref, atol=2e-5)
    twin = auto.clone()
    twin.reset()
    auto.reset()
    np.testing.assert_array_equal(twin.predict(rows), auto.predict(rows))


@settings(max_examples=25, deadline=None)
@given(heads=st.sampled_from([1, 2, 4]), layers=st.integers(1, 3), batch=st.integers(1, 5), tokens=st.integers(1, 9),
       seed=st.integers(0, 2**16))
def test_fast_encoder_equals_torch_encoder(heads: int, layers: int, batch: int, tokens: int, seed: int) -> None:
    torch.manual_seed(seed)
    enc = SummaryEncoder(8, heads, layers, dropout=0.0)
    x = torch.randn(batch, tokens, 8)
    with torch.no_grad():
        ref = enc.train()(x)
        fast = enc.eval()(x)
    torch.testing.assert_close(fast, ref, atol=1e-5, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(seq_len=st.integers(1, 6), ops=st.lists(st.one_of(st.integers(0, 9), st.just(-1)), max_size=30))
def test_row_stream_keeps_the_last_rows(seq_len: int, ops: list[int]) -> None:
    """Against a plain list: pushes (a number), loads of a few rows (-1); windows are zero-padded."""
    ring = RowStream(seq_len, 2)
    kept: list[np.ndarray] = []
    for op in ops:
        if op == -1:
            rows = np.arange(2 * len(kept) + 2, dtype=np.float64).reshape(-1, 2) + 100
            ring.load(rows, rows.astype(np.float32))
            kept = list(rows)[-(seq_len - 1):] if seq_len > 1 else []
            continue
        row = np.array([op, -op], dtype=np.float64)
        start = ring.push(row, row.astype(np.float32))
        kept = [*kept, row][-seq_len:]
        window = np.zeros((seq_len, 2))
        window[seq_len - len(kept):] = kept
        np.testing.assert_array_equal(ring.std[start:start + seq_len], window)
        kept = kept[-(seq_len - 1):] if seq_len > 1 else []
        np.testing.assert_array_equal(ring.context(seq_len - 1), np.array(kept).reshape(-1, 2))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (6, 4), elements=st.floats(-1e300, 1e300) | st.just(np.nan) | st.just(np.inf)
              | st.just(-np.inf)))
def test_transform_row_is_transform(X: np.ndarray) -> None:
    s = Standardiser(np.array([0.5, -2.0, 0.0, 1e5]), np.array([2.0, 1e-3, 1.0, 3.0]), 10.0)
    full = s.transform(X)
    for i, row in enumerate(X):
        np.testing.assert_array_equal(s.transform_row(row), full[i])


def test_without_onnxruntime_auto_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the onnx extra, auto runs TorchScript, and asking for onnxruntime says what is missing."""
    real = importlib.import_module

    def no_ort(name: str, package: str | None = None) -> object:
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_ort)
    model = fitted("torch-transformer").clone()
    model.config = type(model.config).model_validate(model.config.model_dump() | {"inference_backend": "auto"})
    model.refresh_runner()
    reference = fitted("torch-transformer").clone()
    reference.reset()
    model.reset()
    np.testing.assert_allclose(model.predict(X[:1]), reference.predict(X[:1]), atol=2e-5)
    assert model.runner.name == "torchscript"
    model.config = type(model.config).model_validate(model.config.model_dump() | {"inference_backend": "onnxruntime"})
    model.refresh_runner()
    with pytest.raises(RuntimeError, match="onnxruntime"):
        model.predict(X[:1])
