"""Hand-written step rules on pytrees of parameters: Adam with decoupled weight decay, and Adagrad.

Written out (a dozen lines each) rather than taken from an optimiser library so that the state is a
plain pytree of arrays that ``save`` writes to ``.npz`` and ``load`` reads back leaf for leaf, and so
that the hyperparameters are traced arguments: a meta-learner can change them between calls without a
recompilation.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

Params = Any  # a pytree of jax arrays

_B1, _B2, _EPS = 0.9, 0.999, 1e-8
_ADAGRAD_EPS = 1e-8


class AdamState(NamedTuple):
    step: jax.Array  #: steps taken (float32 scalar, for the bias corrections)
    mu: Params
    nu: Params


def adam_init(params: Params) -> AdamState:
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return AdamState(jnp.zeros((), jnp.float32), zeros, jax.tree_util.tree_map(jnp.zeros_like, params))


def adam_step(params: Params, grads: Params, state: AdamState, lr: jax.Array,
              decay: Params) -> tuple[Params, AdamState]:
    """One AdamW step. ``decay`` is a pytree like ``params`` of per-leaf decay rates (0 for biases)."""
    step = state.step + 1.0
    mu = jax.tree_util.tree_map(lambda m, g: _B1 * m + (1 - _B1) * g, state.mu, grads)
    nu = jax.tree_util.tree_map(lambda v, g: _B2 * v + (1 - _B2) * g * g, state.nu, grads)
    c1, c2 = 1 - _B1**step, 1 - _B2**step
    new = jax.tree_util.tree_map(
        lambda p, m, v, d: p - lr * ((m / c1) / (jnp.sqrt(v / c2) + _EPS) + d * p), params, mu, nu, decay)
    return new, AdamState(step, mu, nu)


def adagrad_init(params: Params) -> Params:
    return jax.tree_util.tree_map(jnp.zeros_like, params)


def adagrad_step(params: Params, grads: Params, acc: Params, lr: jax.Array) -> tuple[Params, Params]:
    acc = jax.tree_util.tree_map(lambda a, g: a + g * g, acc, grads)
    new = jax.tree_util.tree_map(lambda p, g, a: p - lr * g / (jnp.sqrt(a) + _ADAGRAD_EPS), params, grads, acc)
    return new, acc


def flatten(prefix: str, tree: Params) -> dict[str, Any]:
    """Leaves of a pytree as ``{prefix<i>: array}`` for ``np.savez``."""
    return {f"{prefix}{i}": leaf for i, leaf in enumerate(jax.tree_util.tree_leaves(tree))}


def unflatten(prefix: str, like: Params, data: Any) -> Params:
    """The inverse of :func:`flatten`, shaped like ``like``; ``ValueError`` on a shape mismatch."""
    leaves, treedef = jax.tree_util.tree_flatten(like)
    loaded = []
    for i, leaf in enumerate(leaves):
        arr = jnp.asarray(data[f"{prefix}{i}"], dtype=leaf.dtype)
        if arr.shape != leaf.shape:
            raise ValueError(f"saved {prefix}{i} has shape {arr.shape}, expected {leaf.shape}")
        loaded.append(arr)
    return jax.tree_util.tree_unflatten(treedef, loaded)
