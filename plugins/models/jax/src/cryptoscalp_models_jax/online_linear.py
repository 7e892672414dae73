"""``jax-online-linear``: a linear learner updated online by a jit-compiled pass of Adagrad or Adam steps.

Labels by ``task`` as for ``jax-mlp`` (regression / binary / multiclass; NaN labels skipped). Features are
standardised with running moments that every ``partial_fit`` extends (the model follows a drifting
market), NaN-imputed with the mean and clipped to ``+-clip_z``. ``fit`` starts from scratch: moments of
all rows, then ``epochs`` passes (shuffled with ``PRNGKey(seed)`` if ``shuffle``). ``partial_fit`` merges
the new rows into the moments and makes one pass over them in time order; a model loaded from disk
continues training exactly where the saved one stopped. Prediction is a float64 dot product of the
standardised row with the float32 weights: no compilation on the per-tick path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_models_jax import heads, online_kernels
from cryptoscalp_models_jax.batching import F64, as_matrix, batches, labelled, not_ready, read_json, write_json
from cryptoscalp_models_jax.config import JaxOnlineLinearConfig
from cryptoscalp_models_jax.optim import adagrad_init, adam_init, flatten, unflatten
from cryptoscalp_models_jax.scaling import RunningMoments

_JSON, _NPZ, _KIND = "jax_online_linear.json", "jax_online_linear.npz", "jax-online-linear"


class JaxOnlineLinearModel:
    def __init__(self, config: JaxOnlineLinearConfig) -> None:
        self.config = config
        self.moments: RunningMoments | None = None
        self.params: online_kernels.Linear | None = None
        self.opt: Any = None
        self.y_scale = 1.0
        self.updates = 0  #: partial_fit / fit passes made, for lineage

    @property
    def requires_fit(self) -> bool:
        return self.moments is None

    @property
    def signal_kind(self) -> SignalKind:
        return self.config.output

    @property
    def n_features(self) -> int:
        return int(self.params[0].shape[0]) if self.params is not None else 0

    def _init_opt(self, params: online_kernels.Linear) -> Any:
        return adam_init(params) if self.config.optimizer == "adam" else adagrad_init(params)

    def _start(self, n_features: int, y: F64) -> None:
        k = heads.n_outputs(self.config.task)
        self.moments = RunningMoments.empty(n_features)
        self.params = (jnp.zeros((n_features, k), jnp.float32), jnp.zeros(k, jnp.float32))
        self.opt = self._init_opt(self.params)
        self.y_scale = heads.label_scale(y, self.config.task)
        self.updates = 0

    def _pass(self, X: F64, y: F64, order: np.ndarray) -> None:
        assert self.moments is not None and self.params is not None
        cfg = self.config
        Zb, yb, mb = batches(self.moments.standardise(X, cfg.clip_z), y / self.y_scale, cfg.batch_size, order)
        self.params, self.opt = online_kernels.update_pass(
            self.params, self.opt, jnp.asarray(Zb), jnp.asarray(yb), jnp.asarray(mb),
            jnp.float32(cfg.learning_rate), jnp.float32(cfg.l2), task=cfg.task, optimizer=cfg.optimizer)
        self.updates += 1

    def fit(self, X: F64, y: F64) -> None:
        X, y = labelled(X, y)
        heads.check_labels(y, self.config.task)
        if len(X) == 0:
            raise ValueError("fit needs at least one row with a known label")
        self._start(X.shape[1], y)
        assert self.moments is not None
        self.moments.update(X)
        key = jax.random.PRNGKey(self.config.seed)
        for epoch in range(self.config.epochs):
            if self.config.shuffle:
                order = np.asarray(jax.random.permutation(jax.random.fold_in(key, epoch), len(X)), dtype=np.int64)
            else:
                order = np.arange(len(X), dtype=np.int64)
            self._pass(X, y, order)

    def partial_fit(self, X: F64, y: F64) -> None:
        X = as_matrix(X)
        if self.params is not None and X.shape[1] != self.n_features:
            raise ValueError(f"model has {self.n_features} features, X has {X.shape[1]}")
        X, y = labelled(X, y)
        heads.check_labels(y, self.config.task)
        if len(X) == 0:
            return
        if self.moments is None:
            self._start(X.shape[1], y)
        assert self.moments is not None
        self.moments.update(X)
        self._pass(X, y, np.arange(len(X), dtype=np.int64))

    def raw(self, X: F64) -> F64:
        """Linear outputs per row (float64), before the task's mapping to a signal."""
        if self.moments is None or self.params is None:
            raise not_ready(self)
        X = as_matrix(X)
        if X.shape[1] != self.n_features:
            raise ValueError(f"model has {self.n_features} features, X has {X.shape[1]}")
        Z = self.moments.standardise(X, self.config.clip_z).astype(np.float64)
        w, b = (np.asarray(a, dtype=np.float64) for a in self.params)
        return np.asarray(Z @ w + b, dtype=np.float64)

    def predict(self, X: F64) -> F64:
        X = as_matrix(X)
        cfg = self.config
        return heads.predict(self.raw(X), X, cfg.task, cfg.output, cfg.gain)

    def save(self, path: Path) -> None:
        if self.moments is None or self.params is None:
            raise not_ready(self)
        path = Path(path)
        write_json(path, _JSON, {"kind": _KIND, "config": self.config.model_dump(mode="json"),
                                 "n_features": self.n_features, "y_scale": self.y_scale, "updates": self.updates,
                                 "jax_version": jax.__version__})
        arrays = {**flatten("param_", self.params), **flatten("opt_", self.opt), **self.moments.arrays("moments_")}
        files: dict[str, Any] = {k: np.asarray(v) for k, v in arrays.items()}
        np.savez(path / _NPZ, **files)

    @classmethod
    def load(cls, path: Path) -> JaxOnlineLinearModel:
        path = Path(path)
        data = read_json(path, _JSON, _KIND)
        model = cls(JaxOnlineLinearConfig.model_validate(data["config"]))
        n, k = int(data["n_features"]), heads.n_outputs(model.config.task)
        like = (jnp.zeros((n, k), jnp.float32), jnp.zeros(k, jnp.float32))
        with np.load(path / _NPZ) as arrays:
            model.params = unflatten("param_", like, arrays)
            model.opt = unflatten("opt_", model._init_opt(like), arrays)
            model.moments = RunningMoments.from_arrays(arrays, "moments_")
        model.y_scale, model.updates = float(data["y_scale"]), int(data["updates"])
        return model
