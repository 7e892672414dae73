"""What a network's raw outputs mean for each task: labels in, losses, and signals out.

* ``regression``: one output, the label in units of its RMS (fixed at the first fit); Huber loss
  (delta 1) so that a fat-tailed return does not dominate; position ``tanh(gain * output)``.
* ``binary``: one logit of P(up); log loss; position ``2p - 1`` or probabilities ``[1 - p, p]``.
* ``multiclass``: three logits (down / flat / up); softmax cross-entropy; position ``p_up - p_down``
  or the three probabilities.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import SignalKind

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


def n_outputs(task: str) -> int:
    return 3 if task == "multiclass" else 1


def check_labels(y: F64, task: str) -> None:
    """``ValueError`` for labels that do not fit the task (NaN = unknown outcome, allowed everywhere)."""
    known = y[np.isfinite(y)]
    if task == "binary" and np.any((known < 0) | (known > 1)):
        raise ValueError("binary labels must be 1 (up) or 0 (not up), or in [0, 1] as soft labels")
    if task == "multiclass" and not np.all(np.isin(known, (0.0, 1.0, 2.0))):
        raise ValueError("multiclass labels must be 0 (down), 1 (flat) or 2 (up)")
    if np.any(np.isinf(y)):
        raise ValueError("labels must be finite (NaN marks an unknown outcome)")


def label_scale(y: F64, task: str) -> float:
    """RMS of a regression label (its sign matters, so it is not centred); 1 for classifiers."""
    if task != "regression":
        return 1.0
    rms = float(np.sqrt(np.mean(y**2))) if len(y) else 0.0
    return rms if rms > 0 else 1.0


def loss(out: jax.Array, y: jax.Array, task: str) -> jax.Array:
    """Per-row loss of raw outputs ``out`` (n, k) against labels ``y`` (n,) already scaled."""
    if task == "regression":
        err = jnp.abs(out[:, 0] - y)
        return jnp.where(err <= 1.0, 0.5 * err**2, err - 0.5)
    if task == "binary":
        z = out[:, 0]
        # log(1 + e^z) - y z, written to stay finite for any z
        return jnp.logaddexp(0.0, z) - y * z
    logp = jax.nn.log_softmax(out, axis=1)
    return -jnp.take_along_axis(logp, y.astype(jnp.int32)[:, None], axis=1)[:, 0]


def signal(raw: F64, task: str, kind: SignalKind, gain: float) -> F64:
    """Raw outputs (n, k) in float64 → the port's signal, exactly in range."""
    if task == "regression":
        return np.asarray(np.tanh(gain * raw[:, 0]), dtype=np.float64)
    if task == "binary":
        p = 0.5 * (1.0 + np.tanh(0.5 * raw[:, 0]))  # the sigmoid, with no overflow for large |z|
        if kind is SignalKind.PROBABILITIES:
            return np.column_stack((1.0 - p, p))
        return np.asarray(np.clip(2.0 * p - 1.0, -1.0, 1.0), dtype=np.float64)
    z = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(z)
    probs = e / e.sum(axis=1, keepdims=True)
    if kind is SignalKind.PROBABILITIES:
        return np.asarray(probs, dtype=np.float64)
    return np.asarray(np.clip(probs[:, 2] - probs[:, 0], -1.0, 1.0), dtype=np.float64)


def neutral(task: str, kind: SignalKind) -> F64:
    """The signal of a row the model cannot judge: flat, or the uniform distribution."""
    if kind is SignalKind.TARGET_POSITION:
        return np.zeros(1)
    k = 3 if task == "multiclass" else 2
    return np.full(k, 1.0 / k)


def predict(raw: F64, X: F64, task: str, output: SignalKind, gain: float) -> F64:
    """The port's prediction from raw model outputs: rows with no finite feature get the neutral answer."""
    out = signal(raw, task, output, gain)
    blind = ~np.isfinite(X).any(axis=1)
    if blind.any():
        out[blind] = neutral(task, output)
    return out
