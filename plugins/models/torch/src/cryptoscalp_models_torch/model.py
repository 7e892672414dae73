"""``TorchModel``: the Model port for every torch network of this plugin.

Rows and windows. ``X`` is float64 ``(n, n_features)`` in time order. The network for row ``t`` sees the
window of the last ``seq_len`` rows ending at ``t`` (standardised; rows before the first one known are
zeros, i.e. column means). Training windows are cut from the rows given to ``fit``; ``partial_fit`` reaches
back into the last rows of the previous training call, as a continuation of the same stream.

**predict is streaming.** The model keeps the last ``seq_len - 1`` rows it was asked to predict and uses
them as the context of the next call, so a live engine can hand it one row at a time and get what a
backtest computes on the whole batch. Rows must come in time order, each once, from one stream (one
instrument, or one cross-asset row per decision); :meth:`reset` starts a new stream. Predicting the same
rows twice therefore continues the stream instead of repeating the answer, which is the one departure
from the port's "predict never changes the model"; with ``seq_len`` 1 there is no state at all.
fit and partial_fit leave the prediction stream alone. save keeps it, so a loaded model continues exactly.

Labels (``y``): ``target_position`` takes real values, multiplied by ``target_scale`` and clipped to
[-1, 1] (``training.target: label``); ``probabilities`` takes class indices 0..k-1 (``target: class`` or
``up``) or rows of soft probabilities ``(n, k)``. NaN labels are skipped (their rows still serve as
context). A row with no finite feature predicts 0 (or the uniform distribution).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_models_torch.config import TorchModelConfig
from cryptoscalp_models_torch.inputs import as_matrix, labelled_targets, window_rows
from cryptoscalp_models_torch.persistence import read_model, write_model
from cryptoscalp_models_torch.quantize import quantized_copy
from cryptoscalp_models_torch.runners import Runner, build_runner
from cryptoscalp_models_torch.runtime import resolve_device, seeded, use_threads
from cryptoscalp_models_torch.scaling import Standardiser
from cryptoscalp_models_torch.stream import RowStream
from cryptoscalp_models_torch.training import TrainingLog, TrainingRun, position_loss, probability_loss

F64 = npt.NDArray[np.float64]


class TorchModel:
    component: ClassVar[str] = ""
    config_type: ClassVar[type[TorchModelConfig]] = TorchModelConfig

    def __init__(self, config: TorchModelConfig, feature_names: Sequence[str] | None = None) -> None:
        self.config = config
        self.feature_names = tuple(feature_names) if feature_names is not None else None
        self.device = resolve_device(config.device)
        self.network: nn.Module | None = None
        self.inference: nn.Module | None = None  # the network, or its quantised copy
        self.inference_device = self.device  # the CPU for a quantised copy
        self.optimizer: torch.optim.Optimizer | None = None
        self.scaler: Standardiser | None = None
        self.n_features = 0
        self.n_outputs = 0
        self.target_scale = 1.0
        self.updates = 0  # training calls so far: seeds each call's shuffle differently
        self.history: list[dict[str, float]] = []
        self._rows: RowStream | None = None  # last rows predicted: context of the next predict
        self._runner: Runner | None = None  # built at the first predict after fit, partial_fit or load
        self.train_tail = np.empty((0, 0))  # last rows trained on: context of the next partial_fit

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.component}, fitted={self.network is not None})"

    def __getstate__(self) -> dict[str, Any]:
        # an ONNX Runtime session cannot be copied or pickled: a copy builds its own runner when it predicts
        return {**self.__dict__, "_runner": None}

    @property
    def stream(self) -> F64:
        """The raw rows of the prediction stream kept as the next call's context (at most ``seq_len - 1``)."""
        if self._rows is None:
            return np.empty((0, self.n_features))
        return self._rows.context(self.seq_len - 1)

    @stream.setter
    def stream(self, rows: F64) -> None:
        L, width = self.seq_len, max(self.n_features, 1)
        if self._rows is None or self._rows.raw.shape != (2 * L, width):
            self._rows = RowStream(L, width)
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, width)
        std = self.scaler.transform(rows) if self.scaler is not None and len(rows) else rows.astype(np.float32)
        self._rows.load(rows, std)

    @property
    def runner(self) -> Runner:
        """How predict runs the network (see :mod:`.runners`); ``runner.name`` says which was chosen."""
        if self._runner is None:
            assert self.inference is not None
            self._runner = build_runner(self.inference, self.seq_len, self.n_features,
                                        backend=self.config.inference_backend, device=self.inference_device,
                                        threads=self.config.threads)
        return self._runner

    # -- what a family defines ------------------------------------------------------------------------
    @property
    def seq_len(self) -> int:
        return int(getattr(self.config, "seq_len", 1))

    def build_network(self) -> nn.Module:
        raise NotImplementedError

    def bind_columns(self) -> None:
        """Resolve configured feature columns against ``feature_names`` / ``n_features`` (families that
        read named columns override it and keep the result in :meth:`extra_state`)."""

    def extra_state(self) -> dict[str, Any]:
        return {}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        return None

    # -- port -----------------------------------------------------------------------------------------
    @property
    def signal_kind(self) -> SignalKind:
        return self.config.output

    @property
    def requires_fit(self) -> bool:
        return self.network is None

    @property
    def probabilities(self) -> bool:
        return self.config.output is SignalKind.PROBABILITIES

    def fit(self, X: F64, y: npt.ArrayLike) -> None:
        X = as_matrix(X)
        self._start(X, np.asarray(y, dtype=np.float64))
        self._train(X, y, np.empty((0, X.shape[1])), self.config.epochs, holdout=True)

    def partial_fit(self, X: F64, y: npt.ArrayLike) -> None:
        X = as_matrix(X)
        if self.network is None:
            self._start(X, np.asarray(y, dtype=np.float64))
            context = np.empty((0, X.shape[1]))
        else:
            self._check_width(X)
            context = self.train_tail
        self._train(X, y, context, self.config.partial_fit_epochs, holdout=False)

    def predict(self, X: F64) -> F64:
        if self.network is None or self.scaler is None or self.inference is None:
            raise RuntimeError(f"{type(self).__name__}.predict called before fit, partial_fit or load")
        X = as_matrix(X)
        self._check_width(X)
        use_threads(self.config.threads)
        if len(X) == 1:
            return self._predict_row(X)
        keep = self.seq_len - 1
        context = self.stream
        rows = np.concatenate((context, X)) if len(context) else X
        Z = self._padded(rows, len(X))
        out = self.forward_rows(Z, len(X))
        self.stream = rows[max(len(rows) - keep, 0):] if keep else rows[:0]
        alive = np.isfinite(X).any(axis=1)
        if self.probabilities:
            p = np.exp(out)
            p /= p.sum(axis=1, keepdims=True)  # exact rows of 1 in float64, whatever float32 rounding did
            p[~alive] = 1.0 / p.shape[1]
            return p
        pos = np.clip(out[:, 0], -1.0, 1.0)
        pos[~alive] = 0.0
        return pos

    def _predict_row(self, X: F64) -> F64:
        """One decision: the row joins the ring of the stream and the runner reads its window in place."""
        assert self.scaler is not None
        if self._rows is None:
            self.stream = np.empty((0, self.n_features))
        assert self._rows is not None
        runner = self.runner
        x = X[0]
        start = self._rows.push(x, self.scaler.transform_row(x))
        out = runner.row(self._rows, start)
        alive = bool(np.isfinite(x).any())
        if self.probabilities:
            p = np.exp(out.astype(np.float64))
            p /= p.sum(axis=1, keepdims=True)
            if not alive:
                p[:] = 1.0 / p.shape[1]
            return p
        return np.array([min(max(float(out[0, 0]), -1.0), 1.0) if alive else 0.0])

    def reset(self) -> None:
        """Forget the prediction stream: the next predict starts a new one."""
        self.stream = np.empty((0, self.n_features))

    def save(self, path: Path) -> None:
        if self.network is None or self.scaler is None or self.optimizer is None:
            raise RuntimeError(f"{type(self).__name__}.save called before fit, partial_fit or load")
        write_model(Path(path), self)

    @classmethod
    def load(cls, path: Path) -> TorchModel:
        return read_model(Path(path), cls)

    # -- internals ------------------------------------------------------------------------------------
    def _check_width(self, X: F64) -> None:
        if X.shape[1] != self.n_features:
            raise ValueError(f"model has {self.n_features} features, X has {X.shape[1]}")

    def _start(self, X: F64, y: F64) -> None:
        """Everything the first training call fixes: width, scale, outputs, columns, fresh weights."""
        cfg = self.config
        self.n_features = X.shape[1]
        self.scaler = Standardiser.estimate(X, cfg.clip)
        if self.probabilities:
            known = y[np.isfinite(y)] if y.ndim == 1 else np.zeros(0)
            top = int(known.max()) + 1 if len(known) else 2
            self.n_outputs = cfg.classes or (y.shape[1] if y.ndim == 2 else max(top, 2))
        else:
            self.n_outputs = 1
            if cfg.target_scale == "auto":
                q = float(np.nanpercentile(np.abs(y), 99)) if np.isfinite(y).any() else 0.0
                self.target_scale = 1.0 / q if q > 0 else 1.0
            else:
                self.target_scale = float(cfg.target_scale)
        self.bind_columns()
        self.updates, self.history = 0, []
        self.stream = np.empty((0, self.n_features))
        use_threads(cfg.threads)
        with seeded(cfg.seed, self.device):
            self.network = self.build_network().to(self.device)
        self.optimizer = self.make_optimizer(self.network)

    def make_optimizer(self, network: nn.Module) -> torch.optim.Optimizer:
        return torch.optim.AdamW(network.parameters(), lr=self.config.learning_rate,
                                 weight_decay=self.config.weight_decay)

    def _padded(self, rows: F64, n: int) -> npt.NDArray[np.float32]:
        """Standardised rows with zero rows in front so that the first of the last ``n`` has a full window."""
        assert self.scaler is not None
        Z = self.scaler.transform(rows)
        pad = n + self.seq_len - 1 - len(rows)
        return Z if pad <= 0 else np.concatenate((np.zeros((pad, Z.shape[1]), np.float32), Z))

    def _train(self, X: F64, y: npt.ArrayLike, context: F64, epochs: int, *, holdout: bool) -> None:
        assert self.network is not None and self.optimizer is not None
        cfg = self.config
        targets, rows = labelled_targets(y, len(X), self.n_outputs, self.probabilities, self.target_scale)
        keep = self.seq_len - 1
        context = context[len(context) - keep:] if keep else context[:0]
        Z = self.scaler.transform(np.concatenate((context, X))) if self.scaler else None
        assert Z is not None
        pad = np.zeros((keep - len(context), X.shape[1]), np.float32)
        Zt = torch.from_numpy(np.concatenate((pad, Z))).to(self.device)
        use_threads(cfg.threads)
        log = TrainingLog(cfg.tensorboard_dir, self.component)
        run = TrainingRun(self.network, self.optimizer, probability_loss if self.probabilities else position_loss,
                          cfg, self.seq_len, log, first_step=len(self.history))
        generator = torch.Generator().manual_seed(cfg.seed * 1_000_003 + self.updates)
        try:
            with seeded(cfg.seed + self.updates, self.device):
                if len(rows):
                    run.run(Zt, torch.from_numpy(targets).to(self.device), rows, epochs, generator, holdout=holdout)
        finally:
            log.close()
        self.history += run.history
        self.updates += 1
        both = np.concatenate((context, X))
        self.train_tail = both[len(both) - keep:].copy() if keep else both[:0].copy()
        self.refresh_inference()

    def refresh_inference(self) -> None:
        """The module predict runs: the trained network in eval mode, or its int8 copy when ``quantize``."""
        assert self.network is not None
        self.network.eval()
        self.inference = quantized_copy(self.network) if self.config.quantize else self.network
        self.inference_device = torch.device("cpu") if self.config.quantize else self.device
        self._runner = None

    def refresh_runner(self) -> None:
        """Choose the runner again at the next predict (after ``inference`` or ``inference_backend`` changed)."""
        self._runner = None

    def forward_rows(self, Z: npt.NDArray[np.float32], n: int) -> F64:
        """Signal-space outputs for the last ``n`` rows of the padded standardised ``Z``: ``(n, k)``.

        A network with ``forward_series`` (causal over the stream: TCN, multi-timeframe Transformer) gets
        each chunk of rows as one series and shares the work of overlapping windows; any other gets the
        chunk's windows.
        """
        runner = self.runner
        L, step = self.seq_len, self.config.predict_batch
        outs = []
        for lo in range(0, n, step):
            seg = Z[lo:min(n, lo + step) + L - 1]
            out = runner.series(seg, L - 1)
            outs.append(out if out is not None else runner.windows(window_rows(seg, L)))
        return np.concatenate(outs).astype(np.float64) if outs else np.zeros((0, self.n_outputs))

    def clone(self) -> TorchModel:
        """An independent copy (weights, optimiser, scale, streams)."""
        return copy.deepcopy(self)
