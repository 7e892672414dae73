"""The jit-compiled update of ``jax-online-linear``: one pass of mini-batch steps over masked batches.

Hyperparameters (step size, L2) are traced arguments, not static ones: changing them between calls (as a
meta-learner adapting the step size would) reuses the compiled program.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from cryptoscalp_models_jax import heads
from cryptoscalp_models_jax.optim import AdamState, adagrad_step, adam_step

Linear = tuple[jax.Array, jax.Array]  # (w (d, k), b (k,))


def _loss(params: Linear, Z: jax.Array, y: jax.Array, mask: jax.Array, l2: jax.Array, task: str) -> jax.Array:
    w, b = params
    per_row = heads.loss(Z @ w + b, y, task)
    return jnp.sum(per_row * mask) / jnp.maximum(jnp.sum(mask), 1.0) + 0.5 * l2 * jnp.sum(w * w)


@partial(jax.jit, static_argnames=("task", "optimizer"))
def update_pass(params: Linear, opt: Any, Zb: jax.Array, yb: jax.Array, mb: jax.Array, lr: jax.Array,
                l2: jax.Array, task: str, optimizer: str) -> tuple[Linear, Any]:
    """Steps over ``Zb`` (nb, bs, d) in order; an all-padding batch leaves parameters and state alone."""
    grad_fn = jax.grad(_loss)
    no_decay = (jnp.float32(0.0), jnp.float32(0.0))  # L2 is in the loss already

    def step(carry: tuple[Linear, Any], batch: tuple[jax.Array, jax.Array, jax.Array]
             ) -> tuple[tuple[Linear, Any], None]:
        params, state = carry
        Z, y, m = batch
        grads = grad_fn(params, Z, y, m, l2, task)
        if optimizer == "adam":
            assert isinstance(state, AdamState)
            new = adam_step(params, grads, state, lr, no_decay)
        else:
            new = adagrad_step(params, grads, state, lr)
        live = jnp.any(m > 0)
        return jax.tree_util.tree_map(lambda a, b: jnp.where(live, a, b), new, (params, state)), None

    (params, opt), _ = jax.lax.scan(step, (params, opt), (Zb, yb, mb))
    return params, opt
