"""What runs a trained network on windows at predict time, chosen once per trained network.

- ``onnxruntime``: the network exported to ONNX (batch dimension dynamic) and run by ONNX Runtime on
  the CPU; the fastest for single decisions (a few microseconds of call overhead against tens for torch)
  and for window batches. Needs the optional extra ``onnx`` (the ``onnx`` and ``onnxruntime`` packages).
- ``torchscript``: a frozen TorchScript trace for single rows (fewer interpreter steps than eager mode),
  the eager network for batches.
- ``eager``: the network itself (the only choice on CUDA).

``auto`` tries them in that order. A runner is accepted only if it reproduces the eager network on probe
windows, so a network an exporter mishandles falls back instead of predicting something else.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import warnings
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from cryptoscalp_models_torch.stream import RowStream

F32 = npt.NDArray[np.float32]
Backend = Literal["auto", "onnxruntime", "torchscript", "eager"]
_PROBE_TOLERANCE = 1e-4


class _Series(nn.Module):
    """``forward_series`` with the context length fixed, as a module an exporter can trace."""

    def __init__(self, network: nn.Module, first: int) -> None:
        super().__init__()
        self.network, self.first = network, first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        series: Callable[[torch.Tensor, int], torch.Tensor] = getattr(self.network, "forward_series")  # noqa: B009
        return series(x, self.first)


def _export(module: nn.Module, example: torch.Tensor, dynamic: dict[int, str] | None) -> bytes:
    """ONNX bytes of ``module`` on inputs shaped like ``example`` (``dynamic``: its axes of free size)."""
    buf = io.BytesIO()
    quiet = contextlib.ExitStack()
    # the exporter prints the whole graph when it fails: the caller only needs to know that it failed
    quiet.enter_context(contextlib.redirect_stdout(io.StringIO()))
    quiet.enter_context(contextlib.redirect_stderr(io.StringIO()))
    with quiet, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (example,), buf, dynamo=False,  # type: ignore[arg-type]
                          input_names=["x"], output_names=["y"], opset_version=17,
                          dynamic_axes=None if dynamic is None else {"x": dynamic, "y": {0: "rows"}})
    return buf.getvalue()


class EagerRunner:
    name = "eager"

    def __init__(self, network: nn.Module, device: torch.device) -> None:
        self.network, self.device = network, device
        self._views: dict[int, torch.Tensor] = {}
        self._bound: RowStream | None = None
        self._series = getattr(network, "forward_series", None)

    def series(self, z: F32, first: int) -> F32 | None:
        """Outputs for rows ``first..`` of one series ``(T, n_features)``, or None when the network has no
        series path (overlapping windows are then run one by one)."""
        if self._series is None:
            return None
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(z)).to(self.device)[None]
            out: F32 = self._series(x, first).float().cpu().numpy()
        return out

    def windows(self, w: F32) -> F32:
        """Outputs ``(batch, k)`` for windows ``(batch, seq_len, n_features)``."""
        with torch.inference_mode():
            out: F32 = self.network(torch.from_numpy(w).to(self.device)).float().cpu().numpy()
        return out

    def row(self, stream: RowStream, start: int) -> F32:
        """Output ``(1, k)`` for the window ``stream.std[start:start + seq_len]`` (views made once)."""
        if stream is not self._bound:
            self._views, self._bound = {}, stream
        view = self._views.get(start)
        if view is None:
            view = self._views[start] = torch.from_numpy(stream.std[start:start + stream.seq_len])[None]
        with torch.inference_mode():
            out: F32 = self._row_module()(view.to(self.device)).float().cpu().numpy()
        return out

    def _row_module(self) -> nn.Module:
        return self.network


class TorchScriptRunner(EagerRunner):
    name = "torchscript"

    def __init__(self, network: nn.Module, seq_len: int, n_features: int) -> None:
        super().__init__(network, torch.device("cpu"))
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(network.eval(), torch.zeros(1, seq_len, n_features))  # type: ignore[no-untyped-call]
            self.traced: nn.Module = torch.jit.freeze(traced)

    def _row_module(self) -> nn.Module:
        return self.traced


class OnnxRunner:
    name = "onnxruntime"

    def __init__(self, network: nn.Module, seq_len: int, n_features: int, threads: int | None) -> None:
        ort = importlib.import_module("onnxruntime")  # the optional extra: absent, auto falls back

        if any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in network.modules()):
            raise ValueError("int8 layers do not export to ONNX")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default
        options.inter_op_num_threads = 1
        options.log_severity_level = 3

        def session(model: bytes) -> Any:
            return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

        self._session, self.network = session, network
        self.seq_len, self.n_features = seq_len, n_features
        # one decision: a graph for exactly one window, whose shape arithmetic ONNX Runtime folds away
        # (a third less time than the graph with a free batch size, for the Transformers)
        self.row_session = session(_export(network, torch.zeros(1, seq_len, n_features), None))
        self.series_session = None
        if hasattr(network, "forward_series"):
            self.series_session = session(_export(_Series(network, seq_len - 1),
                                                  torch.zeros(1, 2 * seq_len, n_features), {1: "length"}))
        self._windows_session: Any = None  # built at the first batch of windows
        self.out = np.zeros((1, int(self.row_session.get_outputs()[0].shape[1])), np.float32)
        self._bindings: dict[int, Any] = {}
        self._bound: RowStream | None = None

    def windows(self, w: F32) -> F32:
        if self._windows_session is None:
            example = torch.zeros(1, self.seq_len, self.n_features)
            self._windows_session = self._session(_export(self.network, example, {0: "rows"}))
        out: F32 = self._windows_session.run(["y"], {"x": np.ascontiguousarray(w, dtype=np.float32)})[0]
        return out

    def series(self, z: F32, first: int) -> F32 | None:
        if self.series_session is None or first != self.seq_len - 1:
            return None
        out: F32 = self.series_session.run(["y"], {"x": np.ascontiguousarray(z, dtype=np.float32)[None]})[0]
        return out

    def row(self, stream: RowStream, start: int) -> F32:
        if stream is not self._bound:
            self._bindings, self._bound = {}, stream
        binding = self._bindings.get(start)
        if binding is None:
            # bound to the ring's memory: the window is read in place, the output written into self.out
            binding = self.row_session.io_binding()
            binding.bind_input("x", "cpu", 0, np.float32, [1, self.seq_len, self.n_features],
                               stream.std[start:].ctypes.data)
            binding.bind_output("y", "cpu", 0, np.float32, list(self.out.shape), self.out.ctypes.data)
            self._bindings[start] = binding
        self.row_session.run_with_iobinding(binding)
        return self.out


Runner = EagerRunner | OnnxRunner


def _faithful(runner: Runner, network: nn.Module, seq_len: int, n_features: int) -> bool:
    """Whether ``runner`` computes what ``network`` computes, on the windows of a short random series:
    as a batch (the series path where there is one) and row by row through a stream."""
    z = np.random.default_rng(0).normal(size=(seq_len + 2, n_features)).astype(np.float32)
    windows = np.stack([z[i:i + seq_len] for i in range(3)])
    with torch.inference_mode():
        ref = network(torch.from_numpy(windows)).float().numpy()
    batch = runner.series(z, seq_len - 1)
    if batch is None:
        batch = runner.windows(windows)
    stream = RowStream(seq_len, n_features)
    for row in z:
        start = stream.push(row.astype(np.float64), row)
    last = runner.row(stream, start)
    return bool(batch.shape == ref.shape and np.allclose(batch, ref, atol=_PROBE_TOLERANCE)
                and np.allclose(last, ref[-1:], atol=_PROBE_TOLERANCE))


def build_runner(network: nn.Module, seq_len: int, n_features: int, *, backend: Backend, device: torch.device,
                 threads: int | None) -> Runner:
    """The runner for ``network`` (in eval mode): ``backend``, or with ``auto`` the first that works."""
    if device.type != "cpu" or backend == "eager":
        return EagerRunner(network, device)
    order: list[str] = ["onnxruntime", "torchscript"] if backend == "auto" else [backend]
    for name in order:
        try:
            runner: Runner = (OnnxRunner(network, seq_len, n_features, threads) if name == "onnxruntime"
                              else TorchScriptRunner(network, seq_len, n_features))
        except Exception as exc:  # a missing extra or an export that does not cover this network
            if backend != "auto":
                raise RuntimeError(f"inference_backend {backend} is not available for this network: {exc}") from exc
            continue
        if _faithful(runner, network, seq_len, n_features):
            return runner
        if backend != "auto":
            raise RuntimeError(f"inference_backend {backend} does not reproduce this network's outputs")
    return EagerRunner(network, device)
