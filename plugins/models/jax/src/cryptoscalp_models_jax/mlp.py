"""``jax-mlp``: a multilayer perceptron trained with AdamW, jit-compiled, on standardised features.

Labels by ``task`` (see :mod:`.heads`): a real-valued label (regression), 1/0 "up" (binary) or 0/1/2
down/flat/up (multiclass); NaN labels are skipped. ``fit`` starts from scratch: feature moments and the
label scale from the fit rows, weights from ``PRNGKey(seed)``, then up to ``epochs`` shuffled passes with
early stopping on the latest ``validation_fraction`` of the rows (the best epoch's weights are kept).
``partial_fit`` continues with one pass in time order, Adam state carried on; the standardisation
moments stay those of the first fit (moving them would shift every input under the learned weights).

Features are standardised in float64 with NaN imputed by the mean and clipped to ``+-clip_z``; a row
with no finite feature predicts flat (or the uniform distribution) exactly. Deterministic for a seed on
one machine and jax version. ``save`` writes ``jax_mlp.json`` + ``jax_mlp.npz``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_models_jax import heads, mlp_kernels
from cryptoscalp_models_jax.batching import F64, as_matrix, batches, bucket, labelled, not_ready, read_json, write_json
from cryptoscalp_models_jax.config import JaxMlpConfig
from cryptoscalp_models_jax.optim import AdamState, adam_init, flatten, unflatten
from cryptoscalp_models_jax.scaling import F32, RunningMoments

_JSON, _NPZ, _KIND = "jax_mlp.json", "jax_mlp.npz", "jax-mlp"
_MIN_VALIDATION = 32  # fewer held-out rows than this make early stopping noise: train on everything


class JaxMlpModel:
    def __init__(self, config: JaxMlpConfig) -> None:
        self.config = config
        self.moments: RunningMoments | None = None
        self.layers: mlp_kernels.Layers = []
        self.opt: AdamState | None = None
        self.y_scale = 1.0
        self.epochs_run = 0

    @property
    def requires_fit(self) -> bool:
        return self.moments is None

    @property
    def signal_kind(self) -> SignalKind:
        return self.config.output

    @property
    def n_features(self) -> int:
        return int(self.layers[0][0].shape[0]) if self.layers else 0

    # -- training -----------------------------------------------------------------------------------------
    def _start(self, X: F64, y: F64) -> None:
        cfg = self.config
        self.moments = RunningMoments.empty(X.shape[1])
        self.moments.update(X)
        self.y_scale = heads.label_scale(y, cfg.task)
        sizes = [X.shape[1], *cfg.hidden, heads.n_outputs(cfg.task)]
        self.layers = mlp_kernels.init_layers(jax.random.PRNGKey(cfg.seed), sizes, cfg.activation)
        self.opt = adam_init(self.layers)
        self.epochs_run = 0

    def _inputs(self, X: F64, y: F64) -> tuple[F32, F64]:
        assert self.moments is not None
        return self.moments.standardise(X, self.config.clip_z), y / self.y_scale

    def fit(self, X: F64, y: F64) -> None:
        X, y = labelled(X, y)
        heads.check_labels(y, self.config.task)
        if len(X) == 0:
            raise ValueError("fit needs at least one row with a known label")
        self._start(X, y)
        Z, ys = self._inputs(X, y)
        cfg = self.config
        n_val = int(len(Z) * cfg.validation_fraction)
        if n_val < _MIN_VALIDATION or len(Z) - n_val < _MIN_VALIDATION:
            n_val = 0
        n_train = len(Z) - n_val
        key = jax.random.PRNGKey(cfg.seed + 1)
        val = self._validation(Z[n_train:], ys[n_train:]) if n_val else None
        best, best_loss, waited = self.layers, math.inf, 0
        for epoch in range(cfg.epochs):
            order = np.asarray(jax.random.permutation(jax.random.fold_in(key, epoch), n_train), dtype=np.int64)
            self._pass(Z, ys, order)
            self.epochs_run += 1
            if val is None:
                continue
            loss = float(mlp_kernels.mean_loss(self.layers, *val, task=cfg.task, activation=cfg.activation))
            if loss < best_loss - 1e-7:
                best, best_loss, waited = self.layers, loss, 0
            else:
                waited += 1
                if waited >= cfg.patience:
                    break
        if val is not None:
            self.layers = best

    def _validation(self, Z: F32, y: F64) -> tuple[jax.Array, jax.Array, jax.Array]:
        rows = bucket(len(Z), 16)
        Zp, yp, mp = np.zeros((rows, Z.shape[1]), np.float32), np.zeros(rows, np.float32), np.zeros(rows, np.float32)
        Zp[:len(Z)], yp[:len(Z)], mp[:len(Z)] = Z, y, 1.0
        return jnp.asarray(Zp), jnp.asarray(yp), jnp.asarray(mp)

    def _pass(self, Z: F32, ys: F64, order: np.ndarray) -> None:
        assert self.opt is not None
        cfg = self.config
        Zb, yb, mb = batches(Z, ys, cfg.batch_size, order)
        self.layers, self.opt, _ = mlp_kernels.train_pass(
            self.layers, self.opt, jnp.asarray(Zb), jnp.asarray(yb), jnp.asarray(mb),
            jnp.float32(cfg.learning_rate), mlp_kernels.decay_tree(self.layers, cfg.weight_decay),
            task=cfg.task, activation=cfg.activation)

    def partial_fit(self, X: F64, y: F64) -> None:
        X = as_matrix(X)
        if self.moments is not None and X.shape[1] != self.n_features:
            raise ValueError(f"model has {self.n_features} features, X has {X.shape[1]}")
        X, y = labelled(X, y)
        heads.check_labels(y, self.config.task)
        if len(X) == 0:
            return
        if self.moments is None:
            self._start(X, y)
        Z, ys = self._inputs(X, y)
        self._pass(Z, ys, np.arange(len(Z), dtype=np.int64))

    # -- prediction ---------------------------------------------------------------------------------------
    def raw(self, X: F64) -> F64:
        """Network outputs per row (float64), before the task's mapping to a signal."""
        if self.moments is None:
            raise not_ready(self)
        X = as_matrix(X)
        if X.shape[1] != self.n_features:
            raise ValueError(f"model has {self.n_features} features, X has {X.shape[1]}")
        Z = self.moments.standardise(X, self.config.clip_z)
        padded = np.zeros((bucket(len(Z), 8), Z.shape[1]), np.float32)
        padded[:len(Z)] = Z
        out = mlp_kernels.predict_raw(self.layers, jnp.asarray(padded), activation=self.config.activation)
        return np.asarray(out, dtype=np.float64)[:len(Z)]

    def predict(self, X: F64) -> F64:
        X = as_matrix(X)
        cfg = self.config
        return heads.predict(self.raw(X), X, cfg.task, cfg.output, cfg.gain)

    # -- persistence --------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        if self.moments is None or self.opt is None:
            raise not_ready(self)
        path = Path(path)
        write_json(path, _JSON, {"kind": _KIND, "config": self.config.model_dump(mode="json"),
                                 "n_features": self.n_features, "y_scale": self.y_scale,
                                 "epochs_run": self.epochs_run, "jax_version": jax.__version__})
        arrays = {**flatten("layer_", self.layers), **flatten("opt_", self.opt), **self.moments.arrays("moments_")}
        files: dict[str, Any] = {k: np.asarray(v) for k, v in arrays.items()}
        np.savez(path / _NPZ, **files)

    @classmethod
    def load(cls, path: Path) -> JaxMlpModel:
        path = Path(path)
        data = read_json(path, _JSON, _KIND)
        cfg = JaxMlpConfig.model_validate(data["config"])
        model = cls(cfg)
        sizes = [int(data["n_features"]), *cfg.hidden, heads.n_outputs(cfg.task)]
        like = mlp_kernels.init_layers(jax.random.PRNGKey(0), sizes, cfg.activation)
        with np.load(path / _NPZ) as arrays:
            model.layers = unflatten("layer_", like, arrays)
            model.opt = unflatten("opt_", adam_init(like), arrays)
            model.moments = RunningMoments.from_arrays(arrays, "moments_")
        model.y_scale, model.epochs_run = float(data["y_scale"]), int(data["epochs_run"])
        return model
